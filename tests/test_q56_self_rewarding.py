"""Bad input and edge cases for the best-versus-worst pair distribution of Q56."""

from __future__ import annotations

import pytest
import torch

from snippets.q56_self_rewarding import best_worst_pairs


def test_bad_input_raises() -> None:
    pi = torch.full((3,), 1 / 3, dtype=torch.float64)
    with pytest.raises(ValueError):
        best_worst_pairs(pi, torch.tensor([0.0, 1.0], dtype=torch.float64), 4)
    with pytest.raises(ValueError):
        best_worst_pairs(pi, torch.tensor([0.0, 1.0, 1.0], dtype=torch.float64), 4)
    with pytest.raises(ValueError):
        best_worst_pairs(pi, torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64), 1)


def test_two_samples_match_closed_form() -> None:
    pi = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    scores = torch.tensor([2.0, 0.0, 1.0], dtype=torch.float64)
    w, l, p = best_worst_pairs(pi, scores, 2)
    expected = {(i, j): 2 * pi[i] * pi[j] for i in range(3) for j in range(3) if scores[i] > scores[j]}
    total = sum(expected.values())
    for a, b, q in zip(w.tolist(), l.tolist(), p):
        assert torch.isclose(q, expected[(a, b)] / total)
    assert all(scores[a] > scores[b] for a, b in zip(w.tolist(), l.tolist()))


def test_degenerate_policy_stays_finite() -> None:
    pi = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)  # every draw is a tie
    _, _, p = best_worst_pairs(pi, torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64), 4)
    assert torch.isfinite(p).all() and p.sum() == 0
