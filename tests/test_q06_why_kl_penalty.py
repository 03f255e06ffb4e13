"""Bad input and extreme β for the KL-penalty bounds of Q6."""

from __future__ import annotations

import pytest
import torch

from snippets.q06_why_kl_penalty import exploitation_bound, kl_upper_bound, mass_upper_bound


def test_shape_mismatch_raises() -> None:
    pi = torch.full((3,), 1 / 3)
    with pytest.raises(ValueError):
        kl_upper_bound(pi, torch.zeros(4), 0.1)
    with pytest.raises(ValueError):
        mass_upper_bound(pi, torch.zeros(3), 0.1, torch.tensor([True, False]))
    with pytest.raises(ValueError):
        mass_upper_bound(pi, torch.zeros(3), 0.1, torch.zeros(3, dtype=torch.bool))
    with pytest.raises(ValueError):
        exploitation_bound(torch.zeros(2, 3), torch.tensor(1.0))


def test_bounds_finite_and_zero_kl() -> None:
    pi = torch.full((3,), 1 / 3, dtype=torch.float64)
    r = torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64)
    assert torch.isfinite(kl_upper_bound(pi, r, 1e6)) and kl_upper_bound(pi, r, 1e6) < 1e-5
    assert exploitation_bound(r, torch.tensor(0.0, dtype=torch.float64)) == 0
    assert exploitation_bound(r, torch.tensor(-1e-12, dtype=torch.float64)) == 0
