"""Bad-input and edge-case tests for snippets/q39_rm_ensembles.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q39_rm_ensembles import conservative_reward, gold_drop, mean_gold_gain


def test_errors() -> None:
    with pytest.raises(ValueError):
        conservative_reward(torch.zeros(1, 4), "mean")
    with pytest.raises(ValueError):
        conservative_reward(torch.zeros(3, 4), "median")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        mean_gold_gain(torch.ones(4) / 4, torch.zeros(4), torch.zeros(4), [1.0])


def test_agreeing_members_are_not_penalised() -> None:
    r = torch.randn(6, dtype=torch.float64).expand(4, 6)
    for method in ("mean", "mean_minus_std", "uwo", "wco"):
        assert torch.allclose(conservative_reward(r, method), r[0])  # type: ignore[arg-type]


def test_penalties_order_and_drop() -> None:
    r = torch.randn(5, 7, dtype=torch.float64)
    assert (conservative_reward(r, "mean_minus_std") <= conservative_reward(r, "mean")).all()
    assert (conservative_reward(r, "wco") <= conservative_reward(r, "mean")).all()
    assert gold_drop(torch.tensor([0.0, 1.0, 2.0])) == 0 and gold_drop(torch.tensor([0.0, 2.0, 0.5])) == 1.5
