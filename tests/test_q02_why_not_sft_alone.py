"""Bad input and extreme values for the SFT loss of Q2."""

from __future__ import annotations

import pytest
import torch

from snippets.q02_why_not_sft_alone import sft_loss, train_logits


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        sft_loss(torch.zeros(2, 5), torch.tensor([0, 1]))
    with pytest.raises(ValueError):
        sft_loss(torch.zeros(5), torch.tensor([[0, 1]]))


def test_extreme_logits_finite() -> None:
    logits = torch.tensor([1e4, -1e4, 0.0], dtype=torch.float64, requires_grad=True)
    loss = sft_loss(logits, torch.tensor([0, 1, 2]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()


def test_sft_optimum_is_empirical_frequency() -> None:
    demos = torch.tensor([0, 0, 0, 1])
    pi = torch.softmax(train_logits(torch.zeros(2, dtype=torch.float64), lambda z: sft_loss(z, demos), 500, 2.0), -1)
    assert torch.allclose(pi, torch.tensor([0.75, 0.25], dtype=torch.float64), atol=1e-6)
