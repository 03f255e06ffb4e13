"""Bad input and extreme values for the Bradley–Terry helpers of Q3."""

from __future__ import annotations

import pytest
import torch

from snippets.q03_bradley_terry import bt_nll, bt_probability, elo_expected_score, fit_bradley_terry, win_counts


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        bt_probability(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError):
        elo_expected_score(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError):
        win_counts(torch.tensor([0, 1]), torch.tensor([1]), 3)
    with pytest.raises(ValueError):
        win_counts(torch.tensor([0, 1]), torch.tensor([0, 2]), 3)
    with pytest.raises(ValueError):
        bt_nll(torch.zeros(3), torch.zeros(4, 4))
    with pytest.raises(ValueError):
        fit_bradley_terry(torch.zeros(3, 4))


def test_extreme_scores_finite() -> None:
    wins = win_counts(torch.tensor([0, 1]), torch.tensor([1, 0]), 2)
    s = torch.tensor([1e4, -1e4], dtype=torch.float64, requires_grad=True)
    nll = bt_nll(s, wins)
    nll.backward()
    assert torch.isfinite(nll) and torch.isfinite(s.grad).all()
    assert bt_probability(s.detach()[:1], s.detach()[1:]).item() == 1.0


def test_symmetric_data_gives_equal_scores() -> None:
    wins = win_counts(torch.tensor([0, 1, 1, 2, 2, 0]), torch.tensor([1, 0, 2, 1, 0, 2]), 3)
    assert torch.allclose(fit_bradley_terry(wins), torch.zeros(3, dtype=torch.float64), atol=1e-10)
