"""Bad-input and edge-case tests for snippets/q35_outcome_rewards_reasoning.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q35_outcome_rewards_reasoning import expected_gold, zero_signal_probability


def test_shape_errors() -> None:
    with pytest.raises(ValueError):
        expected_gold(torch.ones(2, 3) / 3, torch.zeros(2, 3), torch.zeros(2, 4), 0.1)


def test_small_beta_picks_the_proxy_argmax() -> None:
    pi_ref = torch.full((1, 4), 0.25, dtype=torch.float64)
    proxy = torch.tensor([[0.0, 1.0, 0.5, 0.2]], dtype=torch.float64)
    gold = torch.tensor([[0.0, 0.0, 1.0, 0.0]], dtype=torch.float64)
    assert expected_gold(pi_ref, proxy, gold, 1e-4).item() < 1e-6
    assert torch.isfinite(expected_gold(pi_ref, 1e4 * proxy, gold, 1e-3)).all()


def test_zero_signal_probability_limits() -> None:
    assert zero_signal_probability(torch.tensor([0.0, 1.0]), 8).tolist() == [1.0, 1.0]
    assert abs(zero_signal_probability(torch.tensor(0.5), 2).item() - 0.5) < 1e-12
