"""Bad-input and edge-case tests for snippets/q32_constitutional_ai.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q32_constitutional_ai import CONSTITUTION, EXPLAINS, critique, feedback_probability, revise, sl_cai, violations


def test_shape_errors() -> None:
    r = torch.zeros(3, CONSTITUTION.shape[1], dtype=torch.bool)
    with pytest.raises(ValueError):
        violations(torch.zeros(3, 2, dtype=torch.bool))
    with pytest.raises(ValueError):
        critique(r, torch.zeros(2, dtype=torch.int64))
    with pytest.raises(ValueError):
        revise(r, r[:2])
    with pytest.raises(ValueError):
        sl_cai(torch.arange(2), r, 1, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError):
        feedback_probability(r, r[:2], torch.zeros(3, dtype=torch.int64))


def test_clean_response_is_left_alone() -> None:
    clean = torch.zeros(4, CONSTITUTION.shape[1], dtype=torch.bool)
    out = revise(clean, critique(clean, torch.arange(4)))
    assert torch.equal(out, clean) and not out[:, EXPLAINS].any()


def test_feedback_probability_symmetric_and_clamped() -> None:
    gen = torch.Generator().manual_seed(0)
    a = torch.rand(50, CONSTITUTION.shape[1], generator=gen) < 0.5
    b = torch.rand(50, CONSTITUTION.shape[1], generator=gen) < 0.5
    p = torch.randint(len(CONSTITUTION), (50,), generator=gen)
    assert torch.allclose(feedback_probability(a, b, p) + feedback_probability(b, a, p), torch.ones(50, dtype=torch.float64))
    q = feedback_probability(a, b, p, sharpness=1e4, clamp=(0.4, 0.6))
    assert torch.isfinite(q).all() and ((q >= 0.4) & (q <= 0.6)).all()
