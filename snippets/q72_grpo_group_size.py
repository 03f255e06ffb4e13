"""Q72 · GRPO group size G: the group-mean baseline's noise falls as 1/G, and so does the silent-group rate.

GRPO (Shao et al. 2024, arXiv:2402.03300) uses the mean reward of the G samples of a prompt as the
baseline. With i.i.d. rewards of variance σ² per prompt,

    Var(r̄_G) = σ² / G,      Var(r_i − r̄_G) = σ² (1 − 1/G),

so the baseline's own noise, injected into every advantage, shrinks as 1/G, while the advantage keeps
most of the reward's spread. With 0/1 verifiable rewards and pass rate p, a group is silent (all equal,
zero advantage) with probability p^G + (1 − p)^G (imported from Q35): hard prompts need large groups to
produce any signal at all. DeepSeekMath used G = 64, DAPO 16; TRL's GRPOConfig defaults to 8.

Run: ``python -m snippets.q72_grpo_group_size``
"""

from __future__ import annotations

import torch

from snippets.q12_grpo import group_advantages
from snippets.q35_outcome_rewards_reasoning import zero_signal_probability


def baseline_variance(reward_var: float, group_size: int) -> tuple[float, float]:
    """(Var of the group-mean baseline, Var of the mean-centred advantage) for i.i.d. rewards of variance σ².

    Args:
        reward_var: σ², the per-prompt variance of one sample's reward.
        group_size: G ≥ 2.

    Returns:
        (σ²/G, σ²(1 − 1/G)).
    """
    if group_size < 2 or reward_var < 0:
        raise ValueError(f"need G >= 2 and a non-negative variance, got G={group_size}, var={reward_var}")
    # Var(r̄) = σ²/G ;  Var(r_i − r̄) = σ² − 2σ²/G + σ²/G = σ²(1 − 1/G)
    return reward_var / group_size, reward_var * (1 - 1 / group_size)


def main() -> None:
    torch.manual_seed(0)
    p, n_groups = 0.3, 20_000
    sigma2 = p * (1 - p)  # variance of a 0/1 reward with pass rate p
    for g in (2, 4, 8, 16, 64):
        rewards = torch.bernoulli(torch.full((n_groups, g), p, dtype=torch.float64))
        var_base, var_adv = baseline_variance(sigma2, g)
        # 1. The baseline's variance across groups is σ²/G (within 5 %: the Monte Carlo error is ~1 %).
        assert abs(rewards.mean(1).var().item() / var_base - 1) < 0.05
        # 2. The mean-centred advantage (GRPO without std, Q12) keeps variance σ²(1 − 1/G).
        adv = group_advantages(rewards, scale_by_std=False)
        assert abs(adv.var().item() / var_adv - 1) < 0.05
        # 3. Silent groups (GRPO's std-normalised advantage exactly 0) occur at the rate p^G + (1−p)^G.
        silent = (group_advantages(rewards) == 0).all(1).double().mean()
        expected = zero_signal_probability(torch.tensor(p, dtype=torch.float64), g)
        assert (silent - expected).abs() < 4 * (expected * (1 - expected) / n_groups).sqrt() + 1e-12

    # 4. Choosing G for hard prompts: at pass rate 5 %, G = 4 leaves over 80 % of groups silent; G = 64 under 5 %.
    hard = torch.tensor(0.05, dtype=torch.float64)
    informative = {g: 1 - zero_signal_probability(hard, g).item() for g in (4, 8, 16, 64)}
    assert informative[4] < 0.2 and informative[64] > 0.95
    assert informative[4] < informative[8] < informative[16] < informative[64]
    print("Var(baseline) = sigma^2/G, Var(advantage) = sigma^2(1-1/G); informative groups at p=0.05: "
          + ", ".join(f"G={g}: {v:.2f}" for g, v in informative.items()))


if __name__ == "__main__":
    main()
