"""Bad input and extreme values for the RLOO advantage and loss (Q51)."""

from __future__ import annotations

import pytest
import torch

from snippets.q51_rloo import rloo_advantages, rloo_loss


def test_bad_shapes_raise() -> None:
    with pytest.raises(ValueError):
        rloo_advantages(torch.zeros(4))
    with pytest.raises(ValueError):
        rloo_advantages(torch.zeros(4, 1))
    with pytest.raises(ValueError):
        rloo_loss(torch.zeros(2, 3), torch.zeros(3, 2))


def test_extreme_values_finite() -> None:
    seq_logp = torch.full((2, 4), -1e4, dtype=torch.float64, requires_grad=True)
    rewards = torch.tensor([[1e4, -1e4, 0.0, 1.0], [5.0, 5.0, 5.0, 5.0]], dtype=torch.float64)
    loss = rloo_loss(seq_logp, rewards)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(seq_logp.grad).all()
    assert (seq_logp.grad[1] == 0).all()
