"""Bad-input and edge-case tests for snippets/q36_iterated_dpo.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q36_iterated_dpo import dpo_fit, iterated_dpo, reward_judge, sample_pairs


def test_shape_and_argument_errors() -> None:
    gen = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError):
        sample_pairs(torch.zeros(2, 3), 4, gen)
    with pytest.raises(ValueError):
        dpo_fit(torch.zeros(3), torch.zeros(4), torch.tensor([0]), torch.tensor([1]), 0.1, 1, 1.0)
    with pytest.raises(ValueError):
        iterated_dpo(torch.zeros(3), reward_judge(torch.arange(3.0)), rounds=0, pairs_per_round=4, beta=0.1, steps=1, lr=1.0, generator=gen)


def test_all_ties_leave_the_policy_unchanged() -> None:
    logits = torch.randn(5)
    judge = reward_judge(torch.zeros(5))  # every pair is a tie and is dropped
    out = iterated_dpo(logits, judge, rounds=2, pairs_per_round=8, beta=0.1, steps=5, lr=1.0, generator=torch.Generator().manual_seed(0))
    assert all(torch.allclose(o, logits) for o in out)


def test_tiny_beta_and_extreme_logits_stay_finite() -> None:
    logits = torch.tensor([1e4, -1e4, 0.0])
    out = dpo_fit(logits, logits, torch.tensor([2]), torch.tensor([0]), beta=1e-6, steps=3, lr=1.0)
    assert torch.isfinite(out).all()
