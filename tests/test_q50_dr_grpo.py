"""Bad input and edge cases for snippets/q50_dr_grpo.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q50_dr_grpo import dr_grpo_loss


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):  # rewards do not cover the rows
        dr_grpo_loss(torch.zeros(4, 3), torch.zeros(4, 3), torch.zeros(1, 3), torch.ones(4, 3), max_tokens=3)
    with pytest.raises(ValueError):  # mask shape
        dr_grpo_loss(torch.zeros(4, 3), torch.zeros(4, 3), torch.zeros(1, 4), torch.ones(4, 2), max_tokens=3)
    with pytest.raises(ValueError):  # a response longer than the budget
        dr_grpo_loss(torch.zeros(4, 3), torch.zeros(4, 3), torch.zeros(2, 2), torch.ones(4, 3), max_tokens=2)


def test_equal_rewards_give_zero_gradient() -> None:
    logp = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    dr_grpo_loss(logp, logp.detach(), torch.ones(1, 4, dtype=torch.float64), torch.ones(4, 3, dtype=torch.float64), max_tokens=3).backward()
    assert (logp.grad == 0).all()


def test_fully_masked_and_extreme_values_are_finite() -> None:
    logp = torch.full((2, 3), -1e4, dtype=torch.float64, requires_grad=True)
    old = torch.full((2, 3), -1e4 - 1.0, dtype=torch.float64)
    out = dr_grpo_loss(logp, old, torch.tensor([[1.0, 0.0]], dtype=torch.float64), torch.zeros(2, 3, dtype=torch.float64), max_tokens=3)
    out.backward()
    assert out.item() == 0.0 and torch.isfinite(logp.grad).all()
