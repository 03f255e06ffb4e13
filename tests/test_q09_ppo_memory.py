"""Bad input for the PPO memory calculator (Q9)."""

from __future__ import annotations

import pytest

from snippets.q09_ppo_memory import bytes_per_param, ppo_memory


def test_unknown_dtype_raises() -> None:
    with pytest.raises(ValueError):
        bytes_per_param(trained=True, weights="int3")


def test_negative_params_raise() -> None:
    with pytest.raises(ValueError):
        ppo_memory(70e9, value_params=-1)


def test_zero_models_cost_nothing() -> None:
    out = ppo_memory(1e9, value_params=0, reward_params=0, reference_params=0)
    assert out["total"] == out["policy"] == 16e9
