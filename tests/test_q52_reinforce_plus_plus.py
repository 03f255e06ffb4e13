"""Bad input, empty rows and constant batches for REINFORCE++ (Q52)."""

from __future__ import annotations

import pytest
import torch

from snippets.q52_reinforce_plus_plus import global_normalize, reinforce_pp_advantages


def test_bad_shapes_raise() -> None:
    with pytest.raises(ValueError):
        global_normalize(torch.zeros(2, 3), torch.ones(3, 2))
    with pytest.raises(ValueError):
        reinforce_pp_advantages(torch.zeros(5), torch.zeros(5, 2), torch.zeros(5, 2), torch.ones(5, 2), group_size=2)


def test_constant_and_empty_batches_are_finite() -> None:
    assert (global_normalize(torch.full((3, 4), 2.0), torch.ones(3, 4)) == 0).all()
    assert (global_normalize(torch.randn(3, 4), torch.zeros(3, 4)) == 0).all()


def test_extreme_logprobs_finite() -> None:
    logp = torch.full((2, 3), -1e4, dtype=torch.float64)
    ref = torch.full((2, 3), -1e4 + 2.0, dtype=torch.float64)
    a = reinforce_pp_advantages(torch.tensor([1.0, 0.0], dtype=torch.float64), logp, ref, torch.ones(2, 3), beta=0.01)
    assert torch.isfinite(a).all()
