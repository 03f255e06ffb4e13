"""Bad input and limits for snippets/q26_kl_blowup.py."""

from __future__ import annotations

import math

import pytest
import torch

from snippets.q26_kl_blowup import adaptive_kl_update, exponential_tail_bandit, mirror_ascent_step, tilted_exponential_kl


def test_closed_form_limits() -> None:
    assert math.isinf(tilted_exponential_kl(1.0)) and math.isinf(tilted_exponential_kl(0.5, slope=0.5))
    assert tilted_exponential_kl(1e9) < 1e-12  # β → ∞ keeps π_ref
    with pytest.raises(ValueError):
        tilted_exponential_kl(0.0)


def test_controller_is_clipped() -> None:
    assert adaptive_kl_update(1.0, kl=1e6, target=1.0, gain=1.0) == pytest.approx(1.2)
    assert adaptive_kl_update(1.0, kl=0.0, target=1.0, gain=1.0) == pytest.approx(0.8)
    assert adaptive_kl_update(1.0, kl=1.0, target=1.0) == 1.0
    with pytest.raises(ValueError):
        adaptive_kl_update(1.0, kl=1.0, target=0.0)


def test_mirror_step_shapes_and_finiteness() -> None:
    ell, pi_ref = exponential_tail_bandit(10.0, step=0.5)
    with pytest.raises(ValueError):
        mirror_ascent_step(pi_ref.log(), pi_ref.log()[:-1], ell, 1.0, 0.1)
    out = mirror_ascent_step(pi_ref.log(), pi_ref.log(), 1e4 * ell, 1e-8, 1.0)  # huge reward, β ≈ 0
    assert torch.isfinite(out).all() and abs(out.exp().sum().item() - 1) < 1e-9
    with pytest.raises(ValueError):
        exponential_tail_bandit(0.0)
