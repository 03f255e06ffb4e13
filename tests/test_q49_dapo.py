"""Bad input and edge cases for snippets/q49_dapo.py."""

from __future__ import annotations

import pytest
import torch

from snippets.q49_dapo import dapo_loss, informative_groups, overlong_filter, soft_overlong_punishment


def test_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        dapo_loss(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2), torch.ones(2, 4))
    with pytest.raises(ValueError):
        dapo_loss(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3), torch.ones(2, 3))
    with pytest.raises(ValueError):
        overlong_filter(torch.ones(2, 3), torch.tensor([True, False, True]))
    with pytest.raises(ValueError):
        informative_groups(torch.ones(4))
    with pytest.raises(ValueError):
        soft_overlong_punishment(torch.tensor([10]), max_len=100, cache=0)


def test_extreme_logprobs_finite() -> None:
    # log-probabilities of magnitude 1e4 (tokens the policy finds nearly impossible): the ratio is formed from
    # their difference, so nothing overflows
    logp = torch.full((2, 2), -1e4, dtype=torch.float64, requires_grad=True)
    old = torch.tensor([[-1e4 + 0.5, -1e4 - 0.5], [-1e4, -1e4 + 3.0]], dtype=torch.float64)
    out = dapo_loss(logp, old, torch.tensor([1.0, -1.0], dtype=torch.float64), torch.ones(2, 2, dtype=torch.float64))
    out.backward()
    assert torch.isfinite(out) and torch.isfinite(logp.grad).all()


def test_fully_masked_batch_gives_zero_not_nan() -> None:
    logp = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    out = dapo_loss(logp, logp.detach(), torch.ones(3, dtype=torch.float64), torch.zeros(3, 4, dtype=torch.float64))
    out.backward()
    assert out.item() == 0.0 and (logp.grad == 0).all()


def test_soft_punishment_matches_trl_docs_example() -> None:
    # TRL's documented example: max_completion_len=100, soft_punish_cache=20, a 90-token completion gets -0.5
    assert soft_overlong_punishment(torch.tensor([90]), max_len=100, cache=20).item() == -0.5


def test_all_groups_uninformative() -> None:
    assert not informative_groups(torch.tensor([[1, 1], [0, 0]])).any()
