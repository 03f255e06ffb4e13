"""Bad input and limits for snippets/q60_best_of_n.py."""

from __future__ import annotations

import math

import pytest
import torch

from snippets.q60_best_of_n import best_of_n_distribution, kl_bound, kl_divergence


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError):
        best_of_n_distribution(torch.ones(3) / 3, torch.zeros(2), 4)
    with pytest.raises(ValueError):
        best_of_n_distribution(torch.ones(3) / 3, torch.zeros(3), 0)
    with pytest.raises(ValueError):
        kl_divergence(torch.ones(3) / 3, torch.ones(2) / 2)


def test_n_equals_one_is_the_base_policy() -> None:
    pi = torch.softmax(torch.randn(7, dtype=torch.float64), -1)
    assert torch.allclose(best_of_n_distribution(pi, torch.randn(7, dtype=torch.float64), 1), pi)
    assert kl_bound(1) == 0.0


def test_all_tied_rewards_change_nothing() -> None:
    pi = torch.softmax(torch.randn(5, dtype=torch.float64), -1)
    assert torch.allclose(best_of_n_distribution(pi, torch.zeros(5, dtype=torch.float64), 64), pi)


def test_zero_probability_responses_stay_zero() -> None:
    pi = torch.tensor([0.5, 0.0, 0.5], dtype=torch.float64)
    out = best_of_n_distribution(pi, torch.tensor([0.0, 5.0, 1.0], dtype=torch.float64), 8)
    assert out[1] == 0 and torch.isclose(out.sum(), torch.tensor(1.0, dtype=torch.float64))
    assert math.isfinite(kl_divergence(out, pi).item())
