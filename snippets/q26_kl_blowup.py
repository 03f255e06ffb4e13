"""Q26 · KL blowup: when β is small and the reward model keeps paying off-distribution.

The KL-regularised optimum π* ∝ π_ref · exp(r/β) (Q5) has a finite KL only if exp(r/β) does not outgrow
π_ref's tail. Take a response feature ℓ ≥ 0 that π_ref makes exponentially rare, π_ref(ℓ) ∝ e^{−ℓ},
and a reward model that keeps rewarding it, r̂ = ℓ (think: length, or a phrase the RM over-rates).
Then π* ∝ e^{−(1 − 1/β)ℓ}:

    β > 1:  π* is Exponential(λ), λ = 1 − 1/β, and KL(π*‖π_ref) = log λ + 1/λ − 1   (finite);
    β ≤ 1:  the tilt beats the tail, all mass runs to the largest ℓ the support allows, and the KL
            grows without bound as that support grows — a KL blowup.

A bounded reward cannot do this: KL(π*‖π_ref) ≤ (max r − E_{π_ref} r)/β and ≤ −log π_ref(argmax r).
The adaptive KL controller of Ziegler et al. 2019 (arXiv:1909.08593, §2.2) raises β whenever the
measured KL exceeds a target and so holds the KL there.

Run: ``python -m snippets.q26_kl_blowup``
"""

from __future__ import annotations

import math

import torch

from snippets.q05_rlhf_objective import optimal_policy
from snippets.q06_why_kl_penalty import kl_upper_bound
from snippets.q07_beta import beta_for_kl
from snippets.q12_grpo import kl_estimate
from snippets.q60_best_of_n import kl_divergence


def exponential_tail_bandit(l_max: float, step: float = 0.01) -> tuple[torch.Tensor, torch.Tensor]:
    """Responses indexed by a feature ℓ on the grid 0, step, …, l_max, with π_ref(ℓ) ∝ e^{−ℓ}.

    Returns:
        (ℓ, π_ref), both shape (K,), K = l_max/step + 1.
    """
    if l_max <= 0 or step <= 0:
        raise ValueError(f"l_max and step must be positive, got {l_max}, {step}")
    ell = torch.arange(0.0, l_max + step / 2, step, dtype=torch.float64)
    # π_ref(ℓ) ∝ exp(−ℓ)
    return ell, torch.softmax(-ell, dim=-1)


def tilted_exponential_kl(beta: float, slope: float = 1.0) -> float:
    """KL(π*‖π_ref) for π_ref = Exponential(1) on [0, ∞) and reward r = slope · ℓ; inf when β ≤ slope.

    π* ∝ e^{−ℓ} e^{slope·ℓ/β} is Exponential(λ) with λ = 1 − slope/β, and
    KL(Exp(λ)‖Exp(1)) = E[log λ − λℓ + ℓ] = log λ + (1 − λ)/λ.
    """
    if beta <= 0:
        raise ValueError(f"beta must be positive, got {beta}")
    lam = 1.0 - slope / beta
    if lam <= 0:
        return math.inf
    # KL = log λ + 1/λ − 1
    return math.log(lam) + 1.0 / lam - 1.0


def adaptive_kl_update(beta: float, kl: float, target: float, gain: float = 0.1) -> float:
    """One step of Ziegler et al.'s proportional controller: β ← β (1 + K_β · clip(KL/target − 1, −0.2, 0.2)).

    Args:
        beta: current KL coefficient β_t > 0.
        kl: KL measured on the current batch.
        target: the KL the controller holds, > 0.
        gain: K_β; 0.1 is this snippet's choice (reference implementations write the gain as n_steps / horizon).

    Returns:
        β_{t+1}.
    """
    if beta <= 0 or target <= 0:
        raise ValueError(f"beta and target must be positive, got {beta}, {target}")
    # e_t = clip((KL − target)/target, −0.2, 0.2)
    error = min(max(kl / target - 1.0, -0.2), 0.2)
    # β_{t+1} = β_t (1 + K_β e_t)
    return beta * (1.0 + gain * error)


def mirror_ascent_step(logpi: torch.Tensor, ref_logpi: torch.Tensor, reward: torch.Tensor, beta: float, lr: float) -> torch.Tensor:
    """One natural-gradient (mirror-ascent) step on J(π) = E_π[r] − β KL(π‖π_ref) for a bandit policy.

    For a softmax policy over K responses the natural-gradient step adds lr times the "advantage"
    r − β log(π/π_ref) to the logits, i.e. π_{k+1} ∝ π_k · exp(lr · (r − β log π_k/π_ref)). Its fixed
    point is π* ∝ π_ref e^{r/β}; it is the idealised update that PPO approximates with sampled tokens.

    Args:
        logpi: log π_k, shape (..., K).
        ref_logpi: log π_ref, shape (..., K).
        reward: r, shape (..., K).
        beta: KL coefficient β >= 0 (0 means no penalty).
        lr: step size > 0.

    Returns:
        log π_{k+1}, shape (..., K), normalised.
    """
    if not (logpi.shape == ref_logpi.shape == reward.shape):
        raise ValueError(f"logpi {tuple(logpi.shape)}, ref_logpi {tuple(ref_logpi.shape)} and reward {tuple(reward.shape)} must match")
    # log π_{k+1} = log π_k + lr (r − β (log π_k − log π_ref)) − log Z
    return torch.log_softmax(logpi + lr * (reward - beta * (logpi - ref_logpi)), dim=-1)


def main() -> None:
    torch.manual_seed(0)

    # 1. β above the critical value (reward slope / tail slope = 1): the KL matches the closed form and
    #    does not depend on how far the support extends.
    for beta in (1.5, 2.0, 3.0):
        kls = []
        for l_max in (40.0, 80.0):
            ell, pi_ref = exponential_tail_bandit(l_max)
            kls.append(kl_divergence(optimal_policy(pi_ref, ell, beta), pi_ref).item())
        assert abs(kls[1] - kls[0]) < 1e-3
        assert abs(kls[1] - tilted_exponential_kl(beta)) < 2e-3

    # 2. β below it: the mass piles up at the edge of the support, and doubling the support adds about
    #    −log of the reference probability out there (≈ 40 nats): KL blowup.
    for beta in (0.9, 0.5):
        kl40, kl80 = (
            kl_divergence(optimal_policy(pi_ref, ell, beta), pi_ref).item()
            for ell, pi_ref in (exponential_tail_bandit(40.0), exponential_tail_bandit(80.0))
        )
        assert kl80 - kl40 > 30.0
        assert math.isinf(tilted_exponential_kl(beta))

    # 3. A bounded (saturating) reward model cannot blow the KL up, however small β gets.
    ell, pi_ref = exponential_tail_bandit(80.0)
    capped = ell.clamp(max=3.0)
    best = capped == capped.max()
    for beta in (1.0, 0.1, 0.01, 0.001):
        kl = kl_divergence(optimal_policy(pi_ref, capped, beta), pi_ref).item()
        assert kl <= kl_upper_bound(pi_ref, capped, beta).item() + 1e-9  # (max r − E_ref r)/β, from Q6
        assert kl <= -math.log(pi_ref[best].sum().item()) + 1e-9

    # 4. Training dynamics (natural-gradient steps, exploitable RM, support up to ℓ = 40).
    ell, pi_ref = exponential_tail_bandit(40.0, step=0.1)
    ref_logpi = pi_ref.log()
    target = 2.0
    fixed, adaptive, beta = ref_logpi.clone(), ref_logpi.clone(), 0.5
    kl_fixed = []
    for _ in range(400):
        kl_fixed.append(kl_divergence(fixed.exp(), pi_ref).item())
        fixed = mirror_ascent_step(fixed, ref_logpi, ell, 0.5, lr=0.1)
        beta = adaptive_kl_update(beta, kl_divergence(adaptive.exp(), pi_ref).item(), target)
        adaptive = mirror_ascent_step(adaptive, ref_logpi, ell, beta, lr=0.1)
    # With a fixed β = 0.5 the KL never decreases and ends far past any sensible budget (the edge of the support).
    assert all(b >= a - 1e-9 for a, b in zip(kl_fixed, kl_fixed[1:])) and kl_fixed[-1] > 10 * target
    # The adaptive controller (same start, β = 0.5) overshoots at first — β can grow by at most 2 % a step —
    # then holds the KL at the target, at the β whose closed-form optimum has exactly that KL.
    kl_adaptive = kl_divergence(adaptive.exp(), pi_ref).item()
    assert abs(kl_adaptive - target) < 0.05 * target
    assert abs(tilted_exponential_kl(beta) - target) < 0.1 * target
    assert abs(beta - beta_for_kl(pi_ref, ell, target)) < 0.02 * beta  # Q7's bisection for the same β

    # 5. Monitoring: the k3 estimator from Q12, averaged over samples from π, recovers the KL.
    samples = torch.multinomial(adaptive.exp(), 20_000, replacement=True, generator=torch.Generator().manual_seed(0))
    k3 = kl_estimate(adaptive[samples].unsqueeze(1), ref_logpi[samples].unsqueeze(1), "k3").mean().item()
    assert abs(k3 - kl_adaptive) < 0.1 * kl_adaptive
    print(f"beta > 1: finite KL; beta <= 1: KL grows with the support; adaptive controller holds KL = {kl_adaptive:.2f} at beta = {beta:.2f}")


if __name__ == "__main__":
    main()
