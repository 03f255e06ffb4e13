"""Bad input and edge cases for Q82's population SFT loss."""

from __future__ import annotations

import pytest
import torch

from snippets.q82_spin_expert import sft_loss


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        sft_loss(torch.zeros(3), torch.ones(4) / 4)
    with pytest.raises(ValueError):
        sft_loss(torch.zeros(2, 3), torch.ones(2, 3) / 3)


def test_extreme_logits_finite_and_minimum_at_data() -> None:
    p = torch.softmax(torch.randn(6, dtype=torch.float64), -1)
    z = torch.tensor([1e4, -1e4, 0.0, 0.0, 0.0, 0.0], dtype=torch.float64, requires_grad=True)
    loss = sft_loss(z, p)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(z.grad).all()
    assert sft_loss(p.log(), p) < sft_loss(p.log() + 0.1 * torch.randn(6, dtype=torch.float64), p)
