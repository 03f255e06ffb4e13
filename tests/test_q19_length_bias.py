"""Bad input and extreme values for the R-DPO loss of Q19."""

from __future__ import annotations

import pytest
import torch

from snippets.q14_dpo_derivation import dpo_loss
from snippets.q19_length_bias import r_dpo_loss


def _z(n: int = 2) -> torch.Tensor:
    return torch.zeros(n, dtype=torch.float64)


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        r_dpo_loss(_z(), _z(), _z(), _z(), _z(3), _z(), 0.1, 0.1)
    with pytest.raises(ValueError):
        r_dpo_loss(_z(), _z(3), _z(), _z(), _z(), _z(), 0.1, 0.1)


def test_alpha_zero_is_dpo() -> None:
    a, b, c, d = (torch.randn(4, dtype=torch.float64) for _ in range(4))
    lens = torch.tensor([3.0, 10.0, 1.0, 7.0], dtype=torch.float64)
    assert torch.allclose(r_dpo_loss(a, b, c, d, lens, lens.flip(0), 0.3, 0.0), dpo_loss(a, b, c, d, 0.3))


def test_extreme_values_finite() -> None:
    big = torch.tensor([1e4, -1e4], dtype=torch.float64, requires_grad=True)
    out = r_dpo_loss(big, -big, _z(), _z(), torch.tensor([1e4, 0.0], dtype=torch.float64), torch.tensor([0.0, 1e4], dtype=torch.float64), 1e-8, 5.0)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(big.grad).all()
