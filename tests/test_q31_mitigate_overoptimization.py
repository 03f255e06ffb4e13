"""Bad input and definitions for snippets/q31_mitigate_overoptimization.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q31_mitigate_overoptimization import ensemble_reward


def test_aggregations() -> None:
    members = torch.tensor([[1.0, 2.0], [3.0, 2.0]], dtype=torch.float64)
    assert torch.equal(ensemble_reward(members, "mean"), torch.tensor([2.0, 2.0], dtype=torch.float64))
    assert torch.equal(ensemble_reward(members, "wco"), torch.tensor([1.0, 2.0], dtype=torch.float64))
    # UWO: mean − λ·Var (population variance): disagreement costs, agreement does not.
    assert torch.equal(ensemble_reward(members, "uwo", lam=0.5), torch.tensor([1.5, 2.0], dtype=torch.float64))


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        ensemble_reward(torch.ones(1, 3))
    with pytest.raises(ValueError):
        ensemble_reward(torch.ones(3))
    with pytest.raises(ValueError):
        ensemble_reward(torch.ones(2, 3), "median")
