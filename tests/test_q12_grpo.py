"""Bad input, empty rows and extreme values for the GRPO pieces (Q12)."""

from __future__ import annotations

import pytest
import torch

from snippets.q12_grpo import aggregate, group_advantages, grpo_loss, kl_estimate


def test_bad_shapes_raise() -> None:
    with pytest.raises(ValueError):
        group_advantages(torch.zeros(4))
    with pytest.raises(ValueError):
        group_advantages(torch.zeros(3, 1))
    with pytest.raises(ValueError):
        kl_estimate(torch.zeros(2, 3), torch.zeros(3, 2))
    with pytest.raises(ValueError):
        aggregate(torch.zeros(2, 3), torch.ones(2, 4))
    with pytest.raises(ValueError):
        grpo_loss(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3), torch.ones(2, 3))


@pytest.mark.parametrize("mode", ["sequence_mean", "token_mean", "constant"])
def test_fully_masked_rows_no_nan(mode: str) -> None:
    logp = torch.randn(3, 4, requires_grad=True)
    mask = torch.zeros(3, 4)
    loss = grpo_loss(logp, logp.detach(), logp.detach(), torch.ones(3), mask, aggregation=mode)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logp.grad).all()


def test_extreme_logprobs_finite() -> None:
    logp = torch.full((2, 3), -1e4, dtype=torch.float64, requires_grad=True)
    ref = torch.full((2, 3), -1e4 + 1.0, dtype=torch.float64)
    loss = grpo_loss(logp, logp.detach() + 0.1, ref, torch.tensor([1.0, -1.0], dtype=torch.float64), torch.ones(2, 3))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logp.grad).all()


def test_beta_near_zero_matches_no_kl() -> None:
    logp = torch.randn(2, 3, dtype=torch.float64)
    args = (logp, logp - 0.05, logp + 0.3, torch.tensor([0.5, -1.0], dtype=torch.float64), torch.ones(2, 3))
    assert torch.isclose(grpo_loss(*args, beta=1e-12), grpo_loss(*args, beta=0.0))
