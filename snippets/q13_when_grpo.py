"""Q13 · When GRPO fits: cheap, verifiable, sequence-level rewards on prompts the policy sometimes solves.

GRPO (Shao et al. 2024, arXiv:2402.03300) scores G samples of one prompt and uses
Â_i = (r_i − mean r) / std r. Three consequences decide where it fits:

1. A group whose rewards are all equal carries no signal. With a 0/1 verifier and success rate p this
   happens with probability p^G + (1 − p)^G — most groups on prompts that are far too hard or too easy.
2. With k correct answers out of G and the sample std, a correct answer gets
   Â = sqrt((G − k)(G − 1) / (k G)) and a wrong one −sqrt(k (G − 1) / ((G − k) G)): a rare success
   on a hard prompt gets a large push. That is the point of the method on verifiable tasks.
3. The std division makes the advantages invariant to the scale of the group's rewards. With a noisy
   reward model, a near-tie (rewards differing by noise) gets unit-size advantages — RM noise becomes a
   full-size update. Dr. GRPO (Liu et al. 2025, arXiv:2503.20783) drops the division.

And the memory saving: no value model (and with a verifier, no reward network) — see Q9.

Run: ``python -m snippets.q13_when_grpo``
"""

from __future__ import annotations

import math

import torch

from snippets.q09_ppo_memory import ppo_memory
from snippets.q12_grpo import group_advantages


def zero_signal_probability(p: torch.Tensor, group_size: int) -> torch.Tensor:
    """Probability that all G binary rewards of a group are equal, P = p^G + (1 − p)^G.

    Args:
        p: per-sample success probability of each prompt, any shape, values in [0, 1].
        group_size: G ≥ 1, samples per prompt.

    Returns:
        P, same shape as ``p``: the chance that GRPO's group advantages are all zero for that prompt.
    """
    if group_size < 1:
        raise ValueError(f"group_size must be >= 1, got {group_size}")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("p must lie in [0, 1]")
    # P(all equal) = P(all correct) + P(all wrong) = p^G + (1 − p)^G
    return p**group_size + (1 - p) ** group_size


def binary_group_advantages(k: int, group_size: int) -> tuple[float, float]:
    """Closed-form GRPO advantages (sample std, no epsilon) for k correct answers out of G.

    With r ∈ {0, 1}: mean = k/G and sample std s = sqrt(k (G − k) / (G (G − 1))), so
    Â_correct = (1 − k/G)/s = sqrt((G − k)(G − 1)/(k G)) and Â_wrong = −(k/G)/s = −sqrt(k (G − 1)/((G − k) G)).

    Args:
        k: number of correct answers, 0 < k < G.
        group_size: G ≥ 2.

    Returns:
        (advantage of each correct answer, advantage of each wrong answer).
    """
    if group_size < 2 or not 0 < k < group_size:
        raise ValueError(f"need G >= 2 and 0 < k < G, got k={k}, G={group_size}")
    g = group_size
    # Â_correct = sqrt((G − k)(G − 1) / (k G)),  Â_wrong = −sqrt(k (G − 1) / ((G − k) G))
    return math.sqrt((g - k) * (g - 1) / (k * g)), -math.sqrt(k * (g - 1) / ((g - k) * g))


def main() -> None:
    torch.manual_seed(0)
    g, n_prompts = 8, 20000

    # 1. Zero-signal groups: Monte Carlo with group_advantages vs the closed form p^G + (1 − p)^G.
    for p in (0.05, 0.5, 0.95):
        rewards = (torch.rand(n_prompts, g) < p).double()
        dead = (group_advantages(rewards) == 0).all(dim=1).double().mean()
        expected = zero_signal_probability(torch.tensor(p, dtype=torch.float64), g)
        assert abs(dead - expected) < 0.015  # > 4 binomial standard errors at N = 20 000
    # On a prompt solved 5 % of the time, G = 8 wastes 0.95^8 ≈ 66 % of groups; G = 64 wastes 3.7 %.
    hard = torch.tensor(0.05, dtype=torch.float64)
    assert 0.65 < zero_signal_probability(hard, 8) < 0.67 and 0.03 < zero_signal_probability(hard, 64) < 0.04

    # 2. Closed form of the binary advantages; a lone success among G = 8 gets Â = sqrt(7·7/8) ≈ 2.47.
    for k in range(1, g):
        r = torch.tensor([[1.0] * k + [0.0] * (g - k)], dtype=torch.float64)
        a_plus, a_minus = binary_group_advantages(k, g)
        adv = group_advantages(r, eps=0.0)[0]
        assert torch.allclose(adv[:k], torch.full((k,), a_plus, dtype=torch.float64))
        assert torch.allclose(adv[k:], torch.full((g - k,), a_minus, dtype=torch.float64))
    # A lone success (k = 1) is pushed G − 1 = 7 times harder than each success on an easy prompt (k = G − 1).
    assert math.isclose(binary_group_advantages(1, g)[0], math.sqrt(49 / 8))
    assert math.isclose(binary_group_advantages(1, g)[0] / binary_group_advantages(g - 1, g)[0], g - 1)

    # 3. Scale invariance: a near-tie under a noisy reward model gets the same unit-size advantages as a
    #    real 0/1 difference; without the std division (Dr. GRPO) it stays at the noise's scale.
    tie = 0.7 + 1e-3 * torch.randn(1, g, dtype=torch.float64)
    real = torch.tensor([[1.0, 0.0] * (g // 2)], dtype=torch.float64)
    a_tie, a_real = group_advantages(tie, eps=0.0), group_advantages(real, eps=0.0)
    one = torch.tensor(1.0, dtype=torch.float64)
    assert torch.isclose(a_tie.std(), one) and torch.isclose(a_real.std(), one)
    raw_tie, raw_real = group_advantages(tie, scale_by_std=False), group_advantages(real, scale_by_std=False)
    assert raw_tie.abs().max() < 1e-2 * raw_real.abs().max()

    # 4. Memory (Q9): GRPO with a verifier keeps policy + reference only — half of PPO's model states.
    ppo, grpo = ppo_memory(70e9), ppo_memory(70e9, value_params=0, reward_params=0)
    assert math.isclose(grpo["total"], 0.5 * ppo["total"])
    print("zero-signal groups = p^G + (1-p)^G; lone success gets sqrt((G-1)^2/G); "
          "std scaling turns near-ties into unit advantages; no critic halves model-state memory")


if __name__ == "__main__":
    main()
