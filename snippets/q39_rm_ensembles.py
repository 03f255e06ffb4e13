"""Q39 · Reward-model ensembles with an uncertainty penalty: less overoptimisation, not none.

Coste et al. 2023 (arXiv:2310.02743) optimise against an ensemble of M reward models combined
conservatively: worst-case optimisation (WCO) takes the minimum, uncertainty-weighted optimisation (UWO)
the mean minus λ times the ensemble variance; "mean − k·std" is the common variant. Eisenstein et al.
2023 (arXiv:2312.09244) find that ensembles mitigate but do not eliminate reward hacking: members that
share a pretraining base make the same errors, and an error every member makes is invisible to their
disagreement.

The Goodhart toy comes from Q30 (``goodhart_bandit``): gold r* = q + 0.5ℓ − 0.5ℓ², and every member
shares the proxy's length error, r̂_m = q + ℓ + σ(y)·ε_m(y), with independent errors ε_m whose scale σ(y)
grows away from the data (members disagree off-distribution). The policy is the KL-regularised optimum
π_ref exp(r/β)/Z for 1/β up to 4; gold curves are averaged over 32 independent draws of the ensemble.

Run: ``python -m snippets.q39_rm_ensembles``
"""

from __future__ import annotations

from typing import Literal

import torch

from snippets.q05_rlhf_objective import optimal_policy
from snippets.q30_overoptimization import KL_STRENGTHS, goodhart_bandit, goodhart_curves

Combine = Literal["mean", "mean_minus_std", "uwo", "wco"]


def conservative_reward(rewards: torch.Tensor, method: Combine, coef: float = 1.0) -> torch.Tensor:
    """Combine an ensemble's rewards into one (Coste et al. 2023).

    - ``mean``: r̄ = (1/M) Σ_m r_m
    - ``mean_minus_std``: r̄ − k · std_m(r_m)           (k = ``coef``)
    - ``uwo``: r̄ − λ · (1/M) Σ_m (r_m − r̄)²             (λ = ``coef``; the population variance)
    - ``wco``: min_m r_m

    Args:
        rewards: one row per ensemble member, shape (M, ...), M ≥ 2.

    Returns:
        combined reward, shape (...).
    """
    if rewards.dim() < 1 or rewards.shape[0] < 2:
        raise ValueError(f"need at least 2 members along dim 0, got shape {tuple(rewards.shape)}")
    mean = rewards.mean(dim=0)
    if method == "mean":
        return mean
    if method == "mean_minus_std":
        # r̄ − k·std (sample std over members)
        return mean - coef * rewards.std(dim=0)
    if method == "uwo":
        # r̄ − λ·Var_m(r_m)
        return mean - coef * rewards.var(dim=0, unbiased=False)
    if method == "wco":
        return rewards.min(dim=0).values
    raise ValueError(f"unknown method {method!r}")


def gold_drop(gold_gain: torch.Tensor) -> torch.Tensor:
    """Overoptimisation: peak gold gain minus the gold gain at the strongest optimisation, shape (...)."""
    # drop = max_t R(t) − R(t_max)
    return gold_gain.max(dim=-1).values - gold_gain[..., -1]


def mean_gold_gain(pi_ref: torch.Tensor, rewards: torch.Tensor, gold: torch.Tensor, strengths: list[float]) -> torch.Tensor:
    """Gold gain E_π[r*] − E_{π_ref}[r*] of π ∝ π_ref exp(r/β), averaged over D reward draws, per strength 1/β.

    Args:
        pi_ref: reference probabilities, shape (K,).
        rewards: D independent draws of the reward being optimised, shape (D, K).
        gold: the gold reward r*, shape (K,).
        strengths: optimisation strengths 1/β, length P.

    Returns:
        mean gold gain, shape (P,).
    """
    if rewards.dim() != 2 or rewards.shape[1] != pi_ref.shape[0] or gold.shape != pi_ref.shape:
        raise ValueError(f"need pi_ref (K,), rewards (D, K), gold (K,); got {tuple(pi_ref.shape)}, {tuple(rewards.shape)}, {tuple(gold.shape)}")
    ref = pi_ref.expand_as(rewards)
    # R(1/β) = mean_d Σ_y π*_d(y) r*(y) − Σ_y π_ref(y) r*(y)
    gains = [(optimal_policy(ref, rewards, 1.0 / s) @ gold).mean() - pi_ref @ gold for s in strengths]
    return torch.stack(gains)


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    toy = goodhart_bandit(noise_sd=0.0)  # proxy = q + ℓ: the error every member shares
    strengths = KL_STRENGTHS[3::4]  # 1/β = 0.4, 0.8, …, 4.0
    scale = 0.2 * (toy.quality**2 + toy.length**2).sqrt()  # members disagree more off-distribution
    n_members, n_draws = 5, 32

    def ensemble(base: torch.Tensor) -> torch.Tensor:  # (M, D, K): D independent draws of an M-member ensemble
        return base + scale * torch.randn(n_members, n_draws, base.shape[0], generator=gen, dtype=torch.float64)

    def drop(rewards: torch.Tensor) -> torch.Tensor:
        return gold_drop(mean_gold_gain(toy.pi_ref, rewards, toy.gold, strengths))

    members = ensemble(toy.proxy)
    single = drop(members.reshape(-1, members.shape[-1]))  # every member, optimised on its own
    penalised = drop(conservative_reward(members, "mean_minus_std"))
    uwo = drop(conservative_reward(members, "uwo"))
    _, (shared_only,) = goodhart_curves(toy.pi_ref, toy.proxy, toy.gold.unsqueeze(0), "kl", strengths)

    # 1. A single RM overoptimises; the conservative ensembles cut the gold drop substantially ...
    assert single > 4.0
    assert penalised < 0.85 * single and uwo < 0.85 * single
    # 2. ... but not to zero: the shared length error alone already produces a large drop.
    assert gold_drop(shared_only) > 1.0 and min(penalised, uwo) > 0.5 * gold_drop(shared_only)

    # 3. Why: disagreement is blind to shared error. The members' std is identical whether or not they
    #    share the length error, so the penalty cannot point at it.
    noise = members - toy.proxy
    assert torch.allclose((toy.proxy + noise).std(0), (toy.gold + noise).std(0))

    # 4. Control: members whose errors are all independent (centred on the gold reward) do not overoptimise
    #    under the penalty at these strengths; the gold gain keeps rising.
    control = mean_gold_gain(toy.pi_ref, conservative_reward(ensemble(toy.gold), "mean_minus_std"), toy.gold, strengths)
    assert gold_drop(control) < 1e-9 and control[-1] > 3.0
    print(
        f"gold drop: single RM {float(single):.2f}, mean-std ensemble {float(penalised):.2f}, UWO {float(uwo):.2f}, "
        f"shared error alone {float(gold_drop(shared_only)):.2f}; independent-error control {float(gold_drop(control)):.2f}"
    )


if __name__ == "__main__":
    main()
