"""Bad input, extreme values and empty rows for the reward-model loss and model of Q4."""

from __future__ import annotations

import pytest
import torch

from snippets.q04_reward_model_training import ScalarRewardModel, ranking_loss, reward_model_loss


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        reward_model_loss(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError):
        reward_model_loss(torch.zeros(3), torch.zeros(3), torch.zeros(2))
    with pytest.raises(ValueError):
        ranking_loss(torch.zeros(3, 1))
    with pytest.raises(ValueError):
        ScalarRewardModel(5)(torch.zeros(2, 3, dtype=torch.long), torch.ones(2, 4))


def test_extreme_rewards_finite() -> None:
    rw = torch.tensor([1e4, -1e4], dtype=torch.float64, requires_grad=True)
    loss = reward_model_loss(rw, -rw)
    loss.sum().backward()
    assert torch.isfinite(loss).all() and torch.isfinite(rw.grad).all()
    assert torch.isfinite(ranking_loss(torch.tensor([[1e4, 0.0, -1e4]], dtype=torch.float64))).all()


def test_empty_row_is_finite() -> None:
    torch.manual_seed(0)
    tokens = torch.zeros(2, 4, dtype=torch.long)
    mask = torch.tensor([[1, 1, 0, 0], [0, 0, 0, 0]])
    assert torch.isfinite(ScalarRewardModel(5)(tokens, mask)).all()


def test_equal_rewards_give_log_two() -> None:
    assert torch.allclose(reward_model_loss(torch.zeros(3), torch.zeros(3)), torch.full((3,), 0.6931471805599453))
