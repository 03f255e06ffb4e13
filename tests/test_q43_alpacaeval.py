"""Bad input and edge cases for snippets/q43_alpacaeval.py and the win-rate helpers of q42/q44."""

from __future__ import annotations

import pytest
import torch

from snippets.q42_evaluate_aligned_model import bootstrap_ci, win_rate
from snippets.q43_alpacaeval import fit_length_glm, length_controlled_win_rate, length_feature
from snippets.q44_measure_alignment_tax import capability_delta, paired_delta_se


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        length_feature(torch.ones(3), torch.ones(4))
    with pytest.raises(ValueError):
        fit_length_glm(torch.ones(3), torch.ones(3), torch.ones(2))
    with pytest.raises(ValueError):
        length_controlled_win_rate(torch.zeros(2), torch.zeros(3))
    with pytest.raises(ValueError):
        capability_delta(torch.ones(3), torch.ones(4))
    with pytest.raises(ValueError):
        paired_delta_se(torch.ones(1), torch.ones(1))
    with pytest.raises(ValueError):
        bootstrap_ci(torch.ones(5), alpha=1.5)
    with pytest.raises(ValueError):
        win_rate(torch.tensor([0.5, -0.1]))


def test_equal_lengths_give_zero_feature() -> None:
    t = length_feature(torch.full((4,), 100.0), torch.full((4,), 100.0))
    assert torch.isfinite(t).all() and (t == 0).all()


def test_model_against_itself_scores_one_half() -> None:
    gen = torch.Generator().manual_seed(0)
    n = 400
    difficulty = torch.randn(n, generator=gen, dtype=torch.float64)
    lengths = torch.exp(7 + 0.5 * torch.randn(n, generator=gen, dtype=torch.float64))
    prefs = torch.full((n,), 0.5, dtype=torch.float64)  # soft preference 1/2 everywhere
    params = fit_length_glm(prefs, length_feature(lengths, lengths.flip(0)), difficulty)
    assert length_controlled_win_rate(params, difficulty).item() == pytest.approx(0.5, abs=1e-6)
