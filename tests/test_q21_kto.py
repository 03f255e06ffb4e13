"""Bad and extreme inputs for the KTO loss (snippets/q21_kto.py)."""

from __future__ import annotations

import pytest
import torch

from snippets.q21_kto import kto_loss, kto_reference_point, kto_weight_range


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        kto_loss(torch.zeros(3), torch.zeros(2), torch.ones(3, dtype=torch.bool), torch.tensor(0.0))
    with pytest.raises(ValueError):
        kto_loss(torch.zeros(3), torch.zeros(3), torch.ones(2, dtype=torch.bool), torch.tensor(0.0))
    with pytest.raises(ValueError):
        kto_loss(torch.zeros(3), torch.zeros(3), torch.ones(3, dtype=torch.bool), torch.zeros(3))
    with pytest.raises(ValueError):
        kto_reference_point(torch.zeros(3), torch.zeros(4))


def test_extreme_logprobs_are_finite() -> None:
    x = torch.tensor([1e4, -1e4, 1e4, -1e4], dtype=torch.float64, requires_grad=True)
    lab = torch.tensor([True, True, False, False])
    out = kto_loss(x, torch.zeros(4, dtype=torch.float64), lab, torch.tensor(0.0, dtype=torch.float64), 0.1)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(x.grad).all()
    assert ((out >= 0) & (out <= 1)).all()


def test_single_class_batches() -> None:
    z = torch.tensor(0.0)
    assert torch.isfinite(kto_loss(torch.randn(4), torch.randn(4), torch.ones(4, dtype=torch.bool), z)).all()
    assert torch.isfinite(kto_loss(torch.randn(4), torch.randn(4), torch.zeros(4, dtype=torch.bool), z)).all()


def test_small_beta_gives_half_weight() -> None:
    out = kto_loss(torch.randn(4), torch.randn(4), torch.tensor([True, False, True, False]), torch.tensor(0.0), 1e-8)
    assert torch.allclose(out, torch.full((4,), 0.5), atol=1e-6)


def test_weight_range_rejects_bad_counts() -> None:
    with pytest.raises(ValueError):
        kto_weight_range(0, 10)
