"""Bad input and edge cases for Q76's combined DAPO reward."""

from __future__ import annotations

import pytest
import torch

from snippets.q76_dapo_tricks import dapo_reward
from snippets.q49_dapo import L_MAX


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        dapo_reward(torch.ones(3, dtype=torch.bool), torch.ones(4, dtype=torch.long))


def test_range() -> None:
    lengths = torch.arange(0, L_MAX + 5000, 97)
    for c in (True, False):
        r = dapo_reward(torch.full(lengths.shape, c), lengths)
        lo, hi = (0.0, 1.0) if c else (-2.0, -1.0)
        assert ((r >= lo) & (r <= hi)).all()
