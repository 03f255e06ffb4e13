"""Bad input and edge cases for the Step-DPO loss of Q55."""

from __future__ import annotations

import pytest
import torch

from snippets.q55_step_dpo import step_dpo_loss, step_mask


def _logits(b: int = 1, t: int = 4, v: int = 5) -> torch.Tensor:
    return torch.randn(b, t, v, dtype=torch.float64)


def test_mask_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        step_mask(torch.tensor([1, 2]), torch.tensor([1]), 4)


def test_different_prefixes_raise() -> None:
    w, l = torch.tensor([[1, 2, 3, 0]]), torch.tensor([[1, 4, 3, 0]])
    one, two = torch.tensor([1]), torch.tensor([2])
    with pytest.raises(ValueError):
        step_dpo_loss(_logits(), _logits(), _logits(), _logits(), w, l, two, one, one)
    with pytest.raises(ValueError):
        step_dpo_loss(_logits(), _logits(), _logits(), _logits(), w, l[:, :3], one, one, one)


def test_empty_step_gives_log2() -> None:
    y = torch.tensor([[1, 2, 3, 0]])
    out = step_dpo_loss(_logits(), _logits(), _logits(), _logits(), y, y, torch.tensor([2]), torch.tensor([0]), torch.tensor([0]))
    assert torch.allclose(out, torch.log(torch.tensor([2.0], dtype=torch.float64)))


def test_extreme_logits_finite() -> None:
    big = (1e4 * torch.randn(1, 4, 5, dtype=torch.float64)).requires_grad_(True)
    w, l = torch.tensor([[1, 2, 3, 0]]), torch.tensor([[1, 2, 4, 0]])
    out = step_dpo_loss(big, big, _logits(), _logits(), w, l, torch.tensor([2]), torch.tensor([2]), torch.tensor([1]), beta=1e-8)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(big.grad).all()
