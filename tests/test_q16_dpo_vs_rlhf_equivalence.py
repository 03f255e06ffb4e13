"""Bad input and extreme values for the population DPO loss of Q16."""

from __future__ import annotations

import pytest
import torch

from snippets.q16_dpo_vs_rlhf_equivalence import population_dpo_loss

W, L = torch.tensor([0, 1]), torch.tensor([1, 2])


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        population_dpo_loss(torch.zeros(3), torch.zeros(4), W, L, torch.ones(2), 0.1)
    with pytest.raises(ValueError):
        population_dpo_loss(torch.zeros(3), torch.zeros(3), W, L, torch.ones(3), 0.1)


def test_extreme_logprobs_and_tiny_beta_finite() -> None:
    logp = torch.tensor([1e4, -1e4, 0.0], dtype=torch.float64, requires_grad=True)
    for beta in (1e-8, 0.1, 10.0):
        loss = population_dpo_loss(logp, torch.zeros(3, dtype=torch.float64), W, L, torch.ones(2, dtype=torch.float64), beta)
        (grad,) = torch.autograd.grad(loss, logp)
        assert torch.isfinite(loss) and torch.isfinite(grad).all()


def test_unpaired_response_gets_no_gradient() -> None:
    logp = torch.randn(4, dtype=torch.float64, requires_grad=True)
    population_dpo_loss(logp, torch.zeros(4, dtype=torch.float64), W, L, torch.ones(2, dtype=torch.float64), 0.5).backward()
    assert logp.grad[3] == 0
