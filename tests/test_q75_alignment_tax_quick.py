"""Bad input and edge cases for Q75's PPO-ptx objective."""

from __future__ import annotations

import pytest
import torch

from snippets.q75_alignment_tax_quick import ptx_objective


def _args(k: int = 5, d: int = 3) -> list[torch.Tensor]:
    dt = torch.float64
    return [torch.zeros(d, dtype=dt), torch.randn(k, d, dtype=dt), torch.log_softmax(torch.randn(k, dtype=dt), -1),
            torch.randn(k, dtype=dt), torch.randn(k, d, dtype=dt), torch.log_softmax(torch.randn(k, dtype=dt), -1),
            torch.softmax(torch.randn(k, dtype=dt), -1)]


def test_shape_mismatch_raises() -> None:
    args = _args()
    args[0] = torch.zeros(4, dtype=torch.float64)
    with pytest.raises(ValueError):
        ptx_objective(*args, beta=0.1, gamma=0.0)


def test_gamma_zero_is_plain_rl_and_gamma_adds_loglik() -> None:
    args = _args()
    base = ptx_objective(*args, beta=0.5, gamma=0.0)
    with_ptx = ptx_objective(*args, beta=0.5, gamma=2.0)
    loglik = (args[6] * torch.log_softmax(args[5] + args[4] @ args[0], -1)).sum()
    assert torch.allclose(with_ptx - base, 2.0 * loglik)


def test_large_parameters_finite() -> None:
    args = _args()
    args[0] = torch.full((3,), 1e3, dtype=torch.float64, requires_grad=True)
    out = ptx_objective(*args, beta=0.1, gamma=1.0)
    out.backward()
    assert torch.isfinite(out) and torch.isfinite(args[0].grad).all()
