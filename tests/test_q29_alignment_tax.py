"""Bad input and limits for snippets/q29_alignment_tax.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q29_alignment_tax import ptx_gradient, ptx_objective


def _setup():
    gen = torch.Generator().manual_seed(0)
    w_ref = torch.randn(3, 5, dtype=torch.float64, generator=gen)
    return w_ref, torch.randn(4, 3, dtype=torch.float64, generator=gen), torch.randn(2, 3, dtype=torch.float64, generator=gen), torch.randn(5, dtype=torch.float64, generator=gen)


def test_shape_mismatch_raises() -> None:
    w_ref, h_pref, h_pre, reward = _setup()
    with pytest.raises(ValueError):
        ptx_objective(w_ref, w_ref, h_pref, h_pre, reward[:-1], 0.1, 1.0)
    with pytest.raises(ValueError):
        ptx_objective(w_ref, w_ref, h_pref[:, :2], h_pre, reward, 0.1, 1.0)


def test_reference_is_stationary_for_kl_and_ptx_terms() -> None:
    w_ref, h_pref, h_pre, reward = _setup()
    # At W = W_ref with zero reward, both the KL term and the ptx term have zero gradient.
    grad = ptx_gradient(w_ref, w_ref, h_pref, h_pre, torch.zeros_like(reward), beta=1.0, gamma=5.0)
    assert grad.abs().max() < 1e-12


def test_extreme_logits_stay_finite() -> None:
    w_ref, h_pref, h_pre, reward = _setup()
    w = 1e3 * w_ref
    assert torch.isfinite(ptx_objective(w, w_ref, h_pref, h_pre, reward, 1e-6, 27.8))
    assert torch.isfinite(ptx_gradient(w, w_ref, h_pref, h_pre, reward, 1e-6, 27.8)).all()
