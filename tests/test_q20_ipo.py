"""Bad and extreme inputs for the IPO, cDPO and rDPO losses (snippets/q20_ipo.py)."""

from __future__ import annotations

import pytest
import torch

from snippets.q20_ipo import conservative_dpo_loss, ipo_loss, log_ratio_margin, robust_dpo_loss

LOSSES = [ipo_loss, conservative_dpo_loss, robust_dpo_loss]


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_shape_mismatch_raises(loss_fn) -> None:
    with pytest.raises(ValueError):
        loss_fn(torch.zeros(3), torch.zeros(2), torch.zeros(3), torch.zeros(3), 0.1)
    with pytest.raises(ValueError):
        loss_fn(torch.zeros(3, 1), torch.zeros(3, 1), torch.zeros(3, 1), torch.zeros(3, 1), 0.1)


@pytest.mark.parametrize("loss_fn", LOSSES)
def test_extreme_logprobs_are_finite(loss_fn) -> None:
    big = torch.tensor([1e4, -1e4, 0.0], dtype=torch.float64, requires_grad=True)
    out = loss_fn(big, -big, torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64), 0.1)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(big.grad).all()


def test_ipo_small_beta_is_finite_and_large_target() -> None:
    z = torch.zeros(2, dtype=torch.float64)
    out = ipo_loss(z, z, z, z, 1e-6)
    assert torch.isfinite(out).all() and torch.allclose(out, torch.full_like(out, (1 / 2e-6) ** 2))


def test_ipo_rejects_nonpositive_beta() -> None:
    z = torch.zeros(2)
    with pytest.raises(ValueError):
        ipo_loss(z, z, z, z, 0.0)


def test_label_smoothing_range() -> None:
    z = torch.zeros(2)
    for fn in (conservative_dpo_loss, robust_dpo_loss):
        with pytest.raises(ValueError):
            fn(z, z, z, z, 0.1, 0.5)


def test_margin_is_zero_at_reference() -> None:
    lp = torch.randn(5)
    assert torch.allclose(log_ratio_margin(lp, lp + 1, lp, lp + 1), torch.zeros(5))
