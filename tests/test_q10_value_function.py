"""Bad input, empty rows and extreme values for GAE, the value loss and the KL-shaped reward (Q10)."""

from __future__ import annotations

import pytest
import torch

from snippets.q10_value_function import gae, kl_shaped_rewards, value_loss


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        gae(torch.zeros(2, 3), torch.zeros(2, 4), torch.ones(2, 3))
    with pytest.raises(ValueError):
        value_loss(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3, 2), torch.ones(2, 3))
    with pytest.raises(ValueError):
        kl_shaped_rewards(torch.zeros(3), torch.zeros(2, 3), torch.zeros(2, 3), torch.ones(2, 3), 0.1)


def test_fully_masked_batch() -> None:
    z = torch.zeros(2, 3)
    adv, ret = gae(torch.randn(2, 3), torch.randn(2, 3), z)
    assert (adv == 0).all() and (ret == 0).all()
    loss = value_loss(torch.randn(2, 3, requires_grad=True), z, z, z)
    assert loss.item() == 0.0
    assert (kl_shaped_rewards(torch.ones(2), z, z, z, 0.1) == 0).all()


def test_extreme_logprobs_finite() -> None:
    logp = torch.full((2, 4), -1e4, dtype=torch.float64)
    ref = torch.full((2, 4), -1e4 + 3.0, dtype=torch.float64)
    r = kl_shaped_rewards(torch.ones(2, dtype=torch.float64), logp, ref, torch.ones(2, 4), beta=1e-8)
    assert torch.isfinite(r).all()
    adv, _ = gae(r, torch.zeros_like(r), torch.ones(2, 4), 1.0, 0.95)
    assert torch.isfinite(adv).all()


def test_beta_zero_leaves_only_the_score() -> None:
    r = kl_shaped_rewards(torch.tensor([2.0]), torch.randn(1, 3), torch.randn(1, 3), torch.tensor([[1.0, 1.0, 0.0]]), 0.0)
    assert torch.equal(r, torch.tensor([[0.0, 2.0, 0.0]]))
