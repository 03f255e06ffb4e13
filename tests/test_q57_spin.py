"""Bad input and extreme values for the SPIN losses of Q57."""

from __future__ import annotations

import pytest
import torch

from snippets.q57_spin import population_spin_loss, spin_loss


def test_shape_mismatch_raises() -> None:
    z = torch.zeros(3, dtype=torch.float64)
    with pytest.raises(ValueError):
        population_spin_loss(z, torch.full((4,), 0.25, dtype=torch.float64), torch.full((3,), 1 / 3, dtype=torch.float64), 0.5)
    with pytest.raises(ValueError):
        spin_loss(z, torch.zeros(2), z, z)


def test_extreme_values_and_tiny_lambda_finite() -> None:
    big = torch.tensor([1e4, -1e4], dtype=torch.float64, requires_grad=True)
    out = spin_loss(big, -big, torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64), lam=1e-8)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(big.grad).all()


def test_model_equal_to_data_is_stationary_for_any_lambda() -> None:
    p = torch.softmax(torch.randn(5, dtype=torch.float64), -1)
    for lam in (0.01, 1.0, 50.0):
        logits = p.log().clone().requires_grad_(True)
        (g,) = torch.autograd.grad(population_spin_loss(logits, p, p, lam), logits)
        assert g.abs().max() < 1e-10
