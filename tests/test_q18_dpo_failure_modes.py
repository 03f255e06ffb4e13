"""Bad input and edge cases for the one-pair trainer of Q18."""

from __future__ import annotations

import pytest
import torch

from snippets.q18_dpo_failure_modes import train_one_pair


def _tab(theta: torch.Tensor) -> torch.Tensor:
    return torch.log_softmax(theta, -1)


def test_invalid_probability_raises() -> None:
    ref = torch.log_softmax(torch.zeros(3, dtype=torch.float64), -1)
    with pytest.raises(ValueError):
        train_one_pair(_tab, ref.clone(), ref, 0, 1, 1.5, 0.1, 1, 1.0)
    with pytest.raises(ValueError):
        train_one_pair(_tab, ref.clone(), ref, 0, 1, 0.2, 0.1, 1, 1.0)


def test_indifferent_pair_does_not_move() -> None:
    ref = torch.log_softmax(torch.randn(3, dtype=torch.float64), -1)
    h = train_one_pair(_tab, ref.clone(), ref, 0, 1, 0.5, 0.1, 20, 10.0)
    assert h["margin"].abs().max() < 1e-12


def test_tiny_beta_stays_finite() -> None:
    ref = torch.log_softmax(torch.randn(3, dtype=torch.float64), -1)
    h = train_one_pair(_tab, ref.clone(), ref, 0, 1, 1.0, 1e-6, 5, 1.0)
    assert torch.isfinite(h["margin"]).all() and torch.isfinite(h["grad_norm"]).all()
