"""Bad input and edge cases for snippets/q25_detect_reward_hacking.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q25_detect_reward_hacking import held_out_reward, stop_index
from snippets.q30_overoptimization import goodhart_bandit


def test_q25_arguments() -> None:
    toy = goodhart_bandit(grid=11)
    with pytest.raises(ValueError):
        held_out_reward(toy, 1.0, -0.1, 0.5, 0)
    with pytest.raises(ValueError):
        stop_index(torch.empty(0))
    assert stop_index(torch.tensor([0.0, 2.0, 1.0])) == 1
