"""Bad input and invariants for snippets/q59_nlhf.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q59_nlhf import exploitability, mirror_descent_step, nash_md_step, preference


def _rps() -> torch.Tensor:
    return torch.tensor([[0.5, 0.9, 0.1], [0.1, 0.5, 0.9], [0.9, 0.1, 0.5]], dtype=torch.float64)


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        preference(torch.ones(2) / 2, torch.ones(3) / 3, _rps())
    with pytest.raises(ValueError):
        exploitability(torch.ones(3) / 3, torch.ones(3, 2))


def test_nash_md_step_size_checked() -> None:
    u = torch.full((3,), 1 / 3, dtype=torch.float64)
    with pytest.raises(ValueError):
        nash_md_step(u, u, _rps(), eta=1.0, tau=2.0)


def test_steps_stay_on_the_simplex_with_extreme_policies() -> None:
    pi = torch.tensor([1 - 2e-300, 1e-300, 1e-300], dtype=torch.float64)
    u = torch.full((3,), 1 / 3, dtype=torch.float64)
    for out in (mirror_descent_step(pi, _rps(), 10.0), nash_md_step(pi, u, _rps(), 0.5, 1.0)):
        assert torch.isfinite(out).all() and torch.isclose(out.sum(), torch.tensor(1.0, dtype=torch.float64))
