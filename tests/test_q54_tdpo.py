"""Bad input, extreme values and masks for the TDPO loss and sequential KL of Q54."""

from __future__ import annotations

import pytest
import torch

from snippets.q14_dpo_derivation import dpo_loss
from snippets.q54_tdpo import sequential_kl, tdpo_loss


def _z(n: int = 2) -> torch.Tensor:
    return torch.zeros(n, dtype=torch.float64)


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        sequential_kl(torch.zeros(2, 3, 4), torch.zeros(2, 3, 5), torch.ones(2, 3))
    with pytest.raises(ValueError):
        sequential_kl(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), torch.ones(2, 4))
    with pytest.raises(ValueError):
        tdpo_loss(_z(), _z(), _z(), _z(), _z(3), _z())


def test_fully_masked_row_gives_zero_kl() -> None:
    pol, ref = torch.randn(2, 3, 4, dtype=torch.float64), torch.randn(2, 3, 4, dtype=torch.float64)
    mask = torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]], dtype=torch.float64)
    kl = sequential_kl(pol, ref, mask)
    assert kl[0] > 0 and kl[1] == 0


def test_extreme_logits_and_tiny_beta_finite() -> None:
    ref = torch.tensor([[[0.0, 0.0, 0.0]]], dtype=torch.float64)
    big = torch.tensor([1e4, -1e4], dtype=torch.float64, requires_grad=True)
    for alpha in (None, 0.5):
        pol = torch.tensor([[[1e4, -1e4, 0.0]]], dtype=torch.float64, requires_grad=True)
        kl = sequential_kl(pol, ref, torch.ones(1, 1, dtype=torch.float64))
        out = tdpo_loss(big, -big, _z(), _z(), torch.cat([kl, kl]), torch.cat([kl, kl]), 1e-8, alpha)
        grads = torch.autograd.grad(out.sum(), [big, pol])
        assert torch.isfinite(out).all() and all(torch.isfinite(g).all() for g in grads)


def test_zero_kl_is_dpo() -> None:
    a, b, c, d = (torch.randn(3, dtype=torch.float64) for _ in range(4))
    assert torch.allclose(tdpo_loss(a, b, c, d, _z(3), _z(3), 0.2, None), dpo_loss(a, b, c, d, 0.2))
