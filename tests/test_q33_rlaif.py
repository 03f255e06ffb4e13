"""Bad-input and edge-case tests for snippets/q33_rlaif.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q33_rlaif import agreement, judge_first_prob, position_bias, swap_average


def test_shape_errors() -> None:
    x = torch.zeros(3)
    with pytest.raises(ValueError):
        judge_first_prob(x, x, x, torch.zeros(2))
    with pytest.raises(ValueError):
        swap_average(x, torch.zeros(2))
    with pytest.raises(ValueError):
        position_bias(x, torch.zeros(2))
    with pytest.raises(ValueError):
        agreement(x, torch.zeros(2, dtype=torch.bool))


def test_unbiased_judge_has_zero_position_bias() -> None:
    q1, q2 = torch.randn(100), torch.randn(100)
    z = torch.zeros(100)
    p_ab = judge_first_prob(q1, q2, z, z, position_bias=0.0)
    p_ba = judge_first_prob(q2, q1, z, z, position_bias=0.0)
    assert abs(float(position_bias(p_ab, p_ba))) < 1e-6
    assert torch.allclose(swap_average(p_ab, p_ba), p_ab)


def test_extreme_quality_gaps_are_finite() -> None:
    q = torch.tensor([1e4, -1e4])
    z = torch.zeros(2)
    p = judge_first_prob(q, -q, z, z)
    assert torch.isfinite(p).all() and torch.isfinite(swap_average(p, 1 - p)).all()
