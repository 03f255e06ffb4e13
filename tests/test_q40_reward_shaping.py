"""Bad-input and edge-case tests for snippets/q40_reward_shaping.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q40_reward_shaping import repetition_penalty
from snippets.q49_dapo import soft_overlong_punishment


def test_errors() -> None:
    with pytest.raises(ValueError):
        repetition_penalty([torch.arange(5)], max_penalty=0.5)
    with pytest.raises(ValueError):
        repetition_penalty([torch.zeros(2, 3, dtype=torch.int64)])
    with pytest.raises(ValueError):
        soft_overlong_punishment(torch.tensor([10]), max_len=10, cache=0)


def test_repetition_values() -> None:
    # TRL's documented example: n = 2 → [0.0, −0.75]
    out = repetition_penalty([torch.tensor([1, 2, 3, 4]), torch.tensor([5, 5, 5, 5, 5])], n=2)
    assert out.tolist() == [0.0, -0.75]
    assert repetition_penalty([torch.tensor([1, 2]), torch.tensor([], dtype=torch.int64)], n=3).tolist() == [0.0, 0.0]


def test_overlong_is_bounded() -> None:
    out = soft_overlong_punishment(torch.tensor([0, 10**6]), max_len=100, cache=20)
    assert out.tolist() == [0.0, -1.0]
