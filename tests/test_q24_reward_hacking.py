"""Bad input and edge cases for snippets/q24_reward_hacking.py."""

from __future__ import annotations

import pytest

from snippets.q24_reward_hacking import proxy_gold_gap
from snippets.q30_overoptimization import goodhart_bandit


def test_q24_gap_is_zero_at_reference_and_checks_shapes() -> None:
    toy = goodhart_bandit(grid=11)
    assert abs(proxy_gold_gap(toy.pi_ref, toy.pi_ref, toy.proxy, toy.gold).item()) < 1e-12
    with pytest.raises(ValueError):
        proxy_gold_gap(toy.pi_ref[:-1], toy.pi_ref, toy.proxy, toy.gold)
