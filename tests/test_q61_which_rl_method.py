"""Bad input for snippets/q61_which_rl_method.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q61_which_rl_method import advantages_by_method


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        advantages_by_method(torch.zeros(4), torch.zeros(4, 5), torch.ones(3, 5))
    with pytest.raises(ValueError):
        advantages_by_method(torch.zeros(4, 1), torch.zeros(4, 5), torch.ones(4, 5))


def test_equal_rewards_give_zero_group_advantages_and_empty_rows_survive() -> None:
    mask = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]], dtype=torch.float64)
    out = advantages_by_method(torch.ones(2, dtype=torch.float64), torch.zeros(2, 3, dtype=torch.float64), mask)
    for k in ("rloo", "dr_grpo", "grpo"):
        assert torch.equal(out[k], torch.zeros(2, dtype=torch.float64))
    assert torch.isfinite(out["ppo"]).all() and (out["ppo"][1] == 0).all()
