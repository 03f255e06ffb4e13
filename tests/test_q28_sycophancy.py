"""Bad input and edge cases for snippets/q28_sycophancy.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q28_sycophancy import fit_linear_reward_model, sycophancy_rate


def test_q28_fit_and_rates() -> None:
    with pytest.raises(ValueError):
        fit_linear_reward_model(torch.ones(3, 2), torch.ones(2, 2))
    with pytest.raises(ValueError):
        sycophancy_rate(torch.ones(3, 2), agree_index=2)
    # Separable data: the ridge term keeps the Newton fit finite.
    chosen = torch.tensor([[1.0, 0.0]] * 5, dtype=torch.float64)
    rejected = torch.tensor([[0.0, 1.0]] * 5, dtype=torch.float64)
    assert torch.isfinite(fit_linear_reward_model(chosen, rejected)).all()
