"""Bad input and edge cases for Q73's process-supervision advantages."""

from __future__ import annotations

import pytest
import torch

from snippets.q73_process_vs_outcome_rewards import process_advantages


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        process_advantages(torch.zeros(1, 2, 3), torch.ones(1, 2, 4, dtype=torch.bool))
    with pytest.raises(ValueError):
        process_advantages(torch.zeros(2, 3), torch.ones(2, 3, dtype=torch.bool))


def test_no_rewards_and_single_reward_are_finite() -> None:
    r = torch.randn(2, 3, 4, dtype=torch.float64)
    none = process_advantages(r, torch.zeros(2, 3, 4, dtype=torch.bool))
    assert torch.isfinite(none).all() and (none == 0).all()
    one = torch.zeros(2, 3, 4, dtype=torch.bool)
    one[:, 0, 0] = True
    assert torch.isfinite(process_advantages(r, one)).all()


def test_padding_after_last_step_gets_zero() -> None:
    r = torch.randn(1, 4, 5, dtype=torch.float64)
    m = torch.ones(1, 4, 5, dtype=torch.bool)
    m[0, 1, 3:] = False  # output 1 has only 3 steps
    adv = process_advantages(r, m)
    assert (adv[0, 1, 3:] == 0).all()


def test_extreme_rewards_finite() -> None:
    r = torch.tensor([[[1e4, -1e4], [0.0, 1e4]]], dtype=torch.float64)
    assert torch.isfinite(process_advantages(r, torch.ones_like(r, dtype=torch.bool))).all()
