"""Bad input and edge cases for Q74's soft AI labels and soft-label preference loss."""

from __future__ import annotations

import pytest
import torch

from snippets.q74_constitutional_ai_key import ai_preference_label, soft_preference_loss


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        ai_preference_label(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueError):
        soft_preference_loss(torch.zeros(3), torch.zeros(3), torch.zeros(4))


def test_extreme_log_probs_are_finite() -> None:
    big = torch.tensor([1e4, -1e4], dtype=torch.float64)
    p = ai_preference_label(big, -big)
    assert torch.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
    r = torch.tensor([1e4, -1e4], dtype=torch.float64, requires_grad=True)
    loss = soft_preference_loss(r, -r.detach(), torch.tensor([0.5, 0.5], dtype=torch.float64))
    loss.sum().backward()
    assert torch.isfinite(loss).all() and torch.isfinite(r.grad).all()


def test_clamp_bounds_labels() -> None:
    p = ai_preference_label(torch.tensor([0.0, -50.0]), torch.tensor([-50.0, 0.0]), clamp=(0.4, 0.6))
    assert torch.allclose(p, torch.tensor([0.6, 0.4]))


def test_symmetry() -> None:
    ra, rb, p = torch.randn(5), torch.randn(5), torch.rand(5)
    assert torch.allclose(soft_preference_loss(ra, rb, p), soft_preference_loss(rb, ra, 1 - p))
