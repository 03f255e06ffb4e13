"""Bad input and edge cases for the pair source and the loop of Q58."""

from __future__ import annotations

import pytest
import torch

from snippets.q58_online_dpo import bradley_terry_pairs, iterative_dpo


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        bradley_terry_pairs(torch.full((3,), 1 / 3), torch.zeros(4))
    with pytest.raises(ValueError):
        iterative_dpo(torch.zeros(2, 3), lambda pi: bradley_terry_pairs(pi, torch.zeros(3)), 1, 1, 0.1, 1.0)


def test_weights_are_a_distribution_over_distinct_pairs() -> None:
    w, l, p = bradley_terry_pairs(torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64), torch.tensor([0.0, 1.0, -1.0], dtype=torch.float64))
    assert (w != l).all() and torch.isclose(p.sum(), torch.tensor(1.0, dtype=torch.float64))


def test_degenerate_policy_and_extreme_rewards_stay_finite() -> None:
    w, l, p = bradley_terry_pairs(torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64), torch.tensor([1e4, -1e4, 0.0], dtype=torch.float64))
    assert torch.isfinite(p).all()
    out = iterative_dpo(torch.tensor([0.0, 0.0, 0.0], dtype=torch.float64),
                        lambda pi: bradley_terry_pairs(pi, torch.tensor([1e4, -1e4, 0.0], dtype=torch.float64)), 2, 3, 1e-6, 1.0)
    assert all(torch.isfinite(x).all() for x in out)
