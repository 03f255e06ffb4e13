"""Bad input and extreme values for the PPO clipped surrogate (Q8)."""

from __future__ import annotations

import pytest
import torch

from snippets.q08_why_ppo import clipped_surrogate


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        clipped_surrogate(torch.zeros(2, 3), torch.zeros(2, 4), torch.ones(2, 3))
    with pytest.raises(ValueError):
        clipped_surrogate(torch.zeros(2, 3), torch.zeros(2, 3), torch.ones(2))


def test_broadcast_sequence_advantage() -> None:
    out = clipped_surrogate(torch.zeros(2, 3), torch.zeros(2, 3), torch.tensor([[1.0], [-2.0]]))
    assert torch.equal(out, torch.tensor([[1.0] * 3, [-2.0] * 3]))


def test_extreme_logprobs_finite() -> None:
    logp = torch.tensor([-1e4, -1e4 + 0.5], dtype=torch.float64, requires_grad=True)
    old = torch.tensor([-1e4 + 0.1, -1e4], dtype=torch.float64)
    out = clipped_surrogate(logp, old, torch.tensor([1.0, -1.0], dtype=torch.float64))
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(logp.grad).all()


def test_asymmetric_clip() -> None:
    logp = torch.log(torch.tensor([1.25, 1.35]))
    out = clipped_surrogate(logp, torch.zeros(2), torch.ones(2), eps_low=0.2, eps_high=0.28)
    assert torch.allclose(out, torch.tensor([1.25, 1.28]))
