"""Bad and extreme inputs for the ORPO loss and its helpers (snippets/q22_orpo.py)."""

from __future__ import annotations

import pytest
import torch

from snippets.q22_orpo import average_logprob, log1mexp, log_odds, orpo_loss


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        orpo_loss(torch.zeros(3) - 1, torch.zeros(2) - 1)
    with pytest.raises(ValueError):
        average_logprob(torch.zeros(2, 3, 4), torch.zeros(2, 4, dtype=torch.long), torch.ones(2, 4))


def test_log1mexp_rejects_positive() -> None:
    with pytest.raises(ValueError):
        log1mexp(torch.tensor([0.1]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_extreme_logprobs_are_finite(dtype) -> None:
    w = torch.tensor([-1e4, -1e-30, 0.0, -0.5], dtype=dtype, requires_grad=True)
    l = torch.tensor([-1e-30, -1e4, 0.0, -0.5], dtype=dtype, requires_grad=True)
    out = orpo_loss(w, l, 0.1)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(w.grad).all() and torch.isfinite(l.grad).all()


def test_log_odds_monotone() -> None:
    lp = -torch.logspace(-6, 2, 50, dtype=torch.float64).flip(0)
    assert (log_odds(lp)[1:] > log_odds(lp)[:-1]).all()


def test_fully_masked_rows_give_zero() -> None:
    logits = torch.randn(2, 5, 7)
    labels = torch.randint(0, 7, (2, 5))
    out = average_logprob(logits, labels, torch.zeros(2, 5))
    assert torch.equal(out, torch.zeros(2))
