"""Bad input for the reward-model fit and the DPO policy of Q17."""

from __future__ import annotations

import pytest
import torch

from snippets.q17_dpo_vs_ppo import dpo_policy, fit_linear_reward_model


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        fit_linear_reward_model(torch.zeros(4), torch.tensor([0]), torch.tensor([1]), torch.ones(1))
    with pytest.raises(ValueError):
        fit_linear_reward_model(torch.zeros(4, 2), torch.tensor([0, 1]), torch.tensor([1]), torch.ones(1))


def test_empty_weights_keep_reference() -> None:
    pi_ref = torch.full((3,), 1 / 3, dtype=torch.float64)
    pi = dpo_policy(pi_ref, torch.tensor([0]), torch.tensor([1]), torch.zeros(1, dtype=torch.float64), beta=0.1, steps=5)
    assert torch.allclose(pi, pi_ref)
