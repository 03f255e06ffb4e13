"""Bad and extreme inputs for the SimPO loss (snippets/q23_simpo.py)."""

from __future__ import annotations

import pytest
import torch

from snippets.q23_simpo import simpo_loss, simpo_reward


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        simpo_loss(torch.zeros(3), torch.zeros(3), torch.ones(2), torch.ones(3))
    with pytest.raises(ValueError):
        simpo_reward(torch.zeros(3), torch.ones(2))


def test_extreme_logprobs_are_finite() -> None:
    x = torch.tensor([1e4, -1e4], dtype=torch.float64, requires_grad=True)
    out = simpo_loss(x, -x, torch.ones(2), torch.ones(2), 2.5, 1.0)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(x.grad).all()


def test_zero_length_is_clamped() -> None:
    out = simpo_loss(torch.zeros(2), torch.zeros(2), torch.zeros(2), torch.zeros(2), 2.0, 0.5)
    assert torch.isfinite(out).all()


def test_small_beta_leaves_only_the_margin() -> None:
    out = simpo_loss(torch.tensor([-5.0]), torch.tensor([-50.0]), torch.ones(1), torch.ones(1), 1e-9, 1.0)
    assert torch.allclose(out, torch.log1p(torch.exp(torch.tensor([1.0]))), atol=1e-6)
