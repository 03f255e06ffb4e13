"""Bad input and extreme β for the β sweep of Q7."""

from __future__ import annotations

import pytest
import torch

from snippets.q07_beta import beta_for_kl, beta_sweep


def test_bad_input_raises() -> None:
    pi = torch.full((3,), 1 / 3, dtype=torch.float64)
    with pytest.raises(ValueError):
        beta_sweep(pi, torch.zeros(4, dtype=torch.float64), torch.tensor([0.1], dtype=torch.float64))
    with pytest.raises(ValueError):
        beta_sweep(pi, torch.zeros(3, dtype=torch.float64), torch.tensor([0.0], dtype=torch.float64))
    with pytest.raises(ValueError):
        beta_for_kl(pi, torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64), 5.0)


def test_extreme_betas_finite() -> None:
    pi = torch.full((3,), 1 / 3, dtype=torch.float64)
    r = torch.tensor([1e4, -1e4, 0.0], dtype=torch.float64)
    e, kl = beta_sweep(pi, r, torch.tensor([1e-8, 1.0, 1e8], dtype=torch.float64))
    assert torch.isfinite(e).all() and torch.isfinite(kl).all()
    assert torch.allclose(kl[0], torch.log(torch.tensor(3.0, dtype=torch.float64)))
