"""Q31 · Mitigating overoptimisation: what the KL penalty really buys, and what ensembles do and do not fix.

1. KL penalty ≈ early stopping. Gao et al. 2023 (arXiv:2210.10760) found that adding a KL penalty to RL
   against a proxy RM did not improve the gold-reward-vs-KL frontier; it behaved like stopping earlier.
   Under idealised natural-gradient (mirror-ascent) dynamics this is exact: the unpenalised run passes
   through π_ref·exp(t·r̂)/Z at time t, and the penalised run moves along the *same* family and stops
   at t = 1/β — so both trace one gold-vs-KL curve and the penalty only picks a point on it.
2. Ensembles mitigate but do not eliminate. Conservative aggregation of several RMs — worst-case (WCO,
   the minimum) or uncertainty-weighted (UWO, mean − λ·variance) — reduces overoptimisation (Coste et
   al. 2023, arXiv:2310.02743), but only where members disagree; errors they share survive (Eisenstein
   et al. 2023, arXiv:2312.09244).

The toy is Q30's Goodhart bandit (proxy over-rewards length ℓ; gold pays for length only up to a point).

Run: ``python -m snippets.q31_mitigate_overoptimization``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import optimal_policy
from snippets.q26_kl_blowup import mirror_ascent_step
from snippets.q30_overoptimization import KL_STRENGTHS, goodhart_bandit, goodhart_curves


def ensemble_reward(members: torch.Tensor, kind: str = "wco", lam: float = 1.0) -> torch.Tensor:
    """Aggregate an ensemble of reward models' scores (Coste et al. 2023).

    mean: (1/M) Σ_m r_m;  wco (worst-case): min_m r_m;  uwo (uncertainty-weighted): mean − λ · Var_m(r_m).

    Args:
        members: scores of M reward models, shape (M, ...) with M >= 2.
        kind: ``"mean"``, ``"wco"`` or ``"uwo"``.
        lam: λ >= 0, UWO's weight on the members' disagreement.

    Returns:
        aggregated reward, shape (...).
    """
    if members.dim() < 2 or members.shape[0] < 2:
        raise ValueError(f"members must have shape (M, ...) with M >= 2, got {tuple(members.shape)}")
    if kind == "mean":
        return members.mean(0)
    if kind == "wco":
        # R_WCO = min_m r_m
        return members.min(0).values
    if kind == "uwo":
        # R_UWO = mean_m r_m − λ Var_m r_m   (population variance over members)
        return members.mean(0) - lam * members.var(0, unbiased=False)
    raise ValueError(f"kind must be 'mean', 'wco' or 'uwo', got {kind!r}")


def main() -> None:
    torch.manual_seed(0)
    toy = goodhart_bandit()
    ref_logpi = toy.pi_ref.log()

    # 1. KL penalty = early stopping, under natural-gradient dynamics.
    lr, beta, steps = 0.05, 0.5, 400
    free, penalised = ref_logpi.clone(), ref_logpi.clone()
    for k in range(1, steps + 1):
        free = mirror_ascent_step(free, ref_logpi, toy.proxy, 0.0, lr)
        penalised = mirror_ascent_step(penalised, ref_logpi, toy.proxy, beta, lr)
        # unpenalised after k steps = the β-optimum with 1/β = k·lr ...
        assert torch.allclose(free.exp(), optimal_policy(toy.pi_ref, toy.proxy, 1.0 / (k * lr)), atol=1e-10)
        # ... and the penalised run sits on the same family, at 1/β_k = (1 − (1 − lr·β)^k)/β < 1/β.
        t_k = (1 - (1 - lr * beta) ** k) / beta
        assert torch.allclose(penalised.exp(), optimal_policy(toy.pi_ref, toy.proxy, 1.0 / t_k), atol=1e-10)
    # So the penalised run converges to the point the free run passes at t = 1/β and never leaves the
    # free run's gold-vs-KL curve: the penalty chooses where to stop, it does not move the frontier.
    assert torch.allclose(penalised.exp(), optimal_policy(toy.pi_ref, toy.proxy, beta), atol=1e-4)

    # 2. Ensembles. Five RMs share the quality term and, on average, the length bias; each has its own noise,
    #    plus noise that all of them share (they saw the same comparisons).
    gen = torch.Generator().manual_seed(10)
    m, size = 5, toy.quality.shape[0]
    shared = 0.5 * torch.randn(size, dtype=torch.float64, generator=gen)
    own = 0.5 * torch.randn(m, size, dtype=torch.float64, generator=gen)
    spread = torch.linspace(-1.0, 1.0, m, dtype=torch.float64).unsqueeze(1)
    herded = toy.quality + toy.length + shared + own  # same length weight: members differ only in noise
    diverse = toy.quality + (1.0 + 0.25 * spread) * toy.length + shared + own  # members disagree about length
    single = herded[m // 2]

    def gold_curve(reward: torch.Tensor) -> torch.Tensor:
        return goodhart_curves(toy.pi_ref, reward, toy.gold.unsqueeze(0), "kl", KL_STRENGTHS)[1][0]

    g_single = gold_curve(single)
    # An ensemble whose members share the exploited error gains nothing, however it is aggregated.
    for kind in ("mean", "wco", "uwo"):
        assert gold_curve(ensemble_reward(herded, kind)).max() < g_single.max() + 0.05
    # Diverse members + conservative aggregation: a clearly higher gold peak ...
    for kind in ("wco", "uwo"):
        g = gold_curve(ensemble_reward(diverse, kind))
        assert g.max() > g_single.max() + 0.15
    # ... but the shared part of the error is still there: pushed far enough, WCO's gold falls again.
    g_wco = gold_curve(ensemble_reward(diverse, "wco"))
    assert g_wco.max() - g_wco[-1] > 0.5
    print(f"single RM gold peak {g_single.max():.2f}; diverse WCO ensemble peak {g_wco.max():.2f}, then falls to {g_wco[-1]:.2f}")


if __name__ == "__main__":
    main()
