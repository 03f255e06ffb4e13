"""Bad-input and edge-case tests for snippets/q41_rewardbench.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q41_rewardbench import SECTIONS, pairwise_accuracy, rewardbench_score, section_scores


def test_errors() -> None:
    with pytest.raises(ValueError):
        pairwise_accuracy(torch.zeros(3), torch.zeros(2))
    with pytest.raises(ValueError):
        pairwise_accuracy(torch.zeros(0), torch.zeros(0))
    with pytest.raises(ValueError):
        section_scores({"alpacaeval-easy": 1.0})
    with pytest.raises(ValueError):
        rewardbench_score({"Chat": 1.0})


def test_ties_and_extremes() -> None:
    assert pairwise_accuracy(torch.tensor([1.0, 0.0]), torch.tensor([1.0, 1.0])).item() == 0.25
    assert pairwise_accuracy(torch.tensor([1e4]), torch.tensor([-1e4])).item() == 1.0


def test_perfect_model_scores_one() -> None:
    acc = {s: 1.0 for subsets in SECTIONS.values() for s in subsets}
    sec = section_scores(acc)
    assert all(abs(v - 1.0) < 1e-12 for v in sec.values())
    assert rewardbench_score(sec) == 1.0 and rewardbench_score(sec, prior_sets=1.0) == 1.0
