"""Bad input for snippets/q62_2023_vs_2025.py."""

from __future__ import annotations

import pytest

from snippets.q62_2023_vs_2025 import STACKS, model_state_bytes


def test_nonpositive_params_raise() -> None:
    with pytest.raises(ValueError):
        model_state_bytes(STACKS[0], 0)


def test_every_stack_trains_the_policy() -> None:
    assert all(model_state_bytes(s, 1.0) >= 16 for s in STACKS)
