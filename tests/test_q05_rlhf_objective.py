"""Bad input, extreme values and small β for the RLHF objective of Q5."""

from __future__ import annotations

import pytest
import torch

from snippets.q05_rlhf_objective import log_partition, optimal_policy, rlhf_objective


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        rlhf_objective(torch.full((3,), 1 / 3), torch.full((4,), 0.25), torch.zeros(4), 0.1)
    with pytest.raises(ValueError):
        optimal_policy(torch.full((3,), 1 / 3), torch.zeros(4), 0.1)
    with pytest.raises(ValueError):
        log_partition(torch.full((3,), 1 / 3), torch.zeros(4), 0.1)


def test_nonpositive_beta_raises() -> None:
    with pytest.raises(ValueError):
        optimal_policy(torch.full((3,), 1 / 3), torch.zeros(3), 0.0)


def test_extreme_rewards_and_tiny_beta_finite() -> None:
    pi_ref = torch.full((3,), 1 / 3, dtype=torch.float64)
    reward = torch.tensor([1e4, -1e4, 0.0], dtype=torch.float64)
    for beta in (1e-8, 1e-3, 1e3):
        pi = optimal_policy(pi_ref, reward, beta)
        assert torch.isfinite(pi).all() and torch.isfinite(log_partition(pi_ref, reward, beta))
        assert torch.isfinite(rlhf_objective(pi, pi_ref, reward, beta))
    assert optimal_policy(pi_ref, reward, 1e-8)[0] == 1.0
