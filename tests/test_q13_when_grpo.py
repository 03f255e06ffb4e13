"""Bad input for the GRPO-fit helpers (Q13)."""

from __future__ import annotations

import pytest
import torch

from snippets.q13_when_grpo import binary_group_advantages, zero_signal_probability


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError):
        zero_signal_probability(torch.tensor([1.5]), 8)
    with pytest.raises(ValueError):
        zero_signal_probability(torch.tensor([0.5]), 0)
    with pytest.raises(ValueError):
        binary_group_advantages(0, 8)
    with pytest.raises(ValueError):
        binary_group_advantages(8, 8)


def test_edges() -> None:
    assert torch.equal(zero_signal_probability(torch.tensor([0.0, 1.0]), 16), torch.ones(2))
