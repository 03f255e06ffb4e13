"""Q30 · Overoptimisation: the gold reward rises, peaks and falls while the proxy reward keeps rising.

Gao, Schulman & Hilton 2023 (arXiv:2210.10760) optimise a policy against a proxy reward model and score
it with a larger "gold" reward model that stands in for human labellers. With d = √KL(π‖π_ref), the gold
score fits

    best-of-n:  R_bon(d) = d (α_bon − β_bon · d)
    RL:         R_RL(d)  = d (α_RL − β_RL · log d),          R(0) := 0,

so it rises, peaks and falls, while the proxy score rises monotonically. This module builds a toy
bandit in which that happens in a few milliseconds: a response has a quality q and a length ℓ, both
standard normal under π_ref; the gold reward values length only up to a point,
r*(y) = q + a·ℓ − c·ℓ², while the proxy reward model is a biased, noisy copy, r̂(y) = q + ℓ + ε.
It is optimised two ways: best-of-n (its exact distribution, from Q60) and the KL-regularised optimum
π_ref·exp(r̂/β)/Z (from Q5). Q24, Q25 and Q31 import this toy from here.

Run: ``python -m snippets.q30_overoptimization``
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from snippets.q05_rlhf_objective import optimal_policy
from snippets.q60_best_of_n import best_of_n_distribution, kl_bound, kl_divergence


@dataclass(frozen=True)
class GoodhartBandit:
    """One prompt with K candidate responses on a (quality, length) grid; every tensor has shape (K,)."""

    pi_ref: torch.Tensor  # reference probabilities, a discretised N(0, I) over (q, ℓ)
    quality: torch.Tensor  # q: what both reward functions agree on
    length: torch.Tensor  # ℓ: standardised length, the feature the proxy over-rewards
    gold: torch.Tensor  # r*(y) = q + a ℓ − c ℓ²
    proxy: torch.Tensor  # r̂(y) = q + bias · ℓ + ε


def goodhart_bandit(
    grid: int = 61,
    half_width: float = 6.0,
    gold_length_slope: float = 0.5,
    gold_length_curvature: float = 0.5,
    proxy_length_bias: float = 1.0,
    noise_sd: float = 0.5,
    seed: int = 0,
) -> GoodhartBandit:
    """The toy: gold r* = q + a ℓ − c ℓ², proxy r̂ = q + bias · ℓ + ε with ε ~ N(0, noise_sd²) per response.

    Args:
        grid: points per axis; K = grid².
        half_width: the grid covers [−half_width, half_width] on both axes.
        gold_length_slope: a, the gold value of length near ℓ = 0 (the gold-optimal length is a / 2c).
        gold_length_curvature: c > 0, how fast too much length hurts under the gold reward.
        proxy_length_bias: the proxy's (linear, never saturating) weight on length.
        noise_sd: standard deviation of the proxy's independent per-response error ε.
        seed: seed of ε.

    Returns:
        the bandit; ``pi_ref`` sums to 1.
    """
    if grid < 3 or half_width <= 0 or gold_length_curvature <= 0 or noise_sd < 0:
        raise ValueError("need grid >= 3, half_width > 0, gold_length_curvature > 0 and noise_sd >= 0")
    axis = torch.linspace(-half_width, half_width, grid, dtype=torch.float64)
    q, ell = (t.reshape(-1) for t in torch.meshgrid(axis, axis, indexing="ij"))
    # π_ref(q, ℓ) ∝ exp(−(q² + ℓ²)/2): a discretised standard normal
    pi_ref = torch.softmax(-(q**2 + ell**2) / 2, dim=-1)
    gen = torch.Generator().manual_seed(seed)
    eps = noise_sd * torch.randn(q.shape, dtype=torch.float64, generator=gen)
    # r*(y) = q + a ℓ − c ℓ²
    gold = q + gold_length_slope * ell - gold_length_curvature * ell**2
    # r̂(y) = q + bias · ℓ + ε
    proxy = q + proxy_length_bias * ell + eps
    return GoodhartBandit(pi_ref, q, ell, gold, proxy)


Method = Literal["kl", "bon"]


def goodhart_curves(
    pi_ref: torch.Tensor,
    proxy: torch.Tensor,
    scores: torch.Tensor,
    method: Method,
    strengths: list[float],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Optimise against ``proxy`` with increasing strength and score each policy with every row of ``scores``.

    Args:
        pi_ref: reference probabilities, shape (K,).
        proxy: the reward being optimised, shape (K,).
        scores: rewards to evaluate with (gold, proxy, held-out RMs, ...), shape (S, K).
        method: ``"kl"`` — the KL-regularised optimum π_ref exp(r̂/β)/Z with β = 1/strength (Q5);
            ``"bon"`` — best-of-n with n = strength.
        strengths: increasing optimisation strengths (1/β, or n), length P.

    Returns:
        d = √KL(π‖π_ref), shape (P,), and the score gains E_π[s] − E_{π_ref}[s], shape (S, P) (Gao's R(0) = 0).
    """
    if scores.dim() != 2 or scores.shape[1] != pi_ref.shape[0] or proxy.shape != pi_ref.shape:
        raise ValueError(f"need pi_ref (K,), proxy (K,), scores (S, K); got {tuple(pi_ref.shape)}, {tuple(proxy.shape)}, {tuple(scores.shape)}")
    if method == "kl":
        pis = torch.stack([optimal_policy(pi_ref, proxy, 1.0 / s) for s in strengths])
    elif method == "bon":
        pis = torch.stack([best_of_n_distribution(pi_ref, proxy, int(s)) for s in strengths])
    else:
        raise ValueError(f"method must be 'kl' or 'bon', got {method!r}")
    # d = √KL(π‖π_ref); clamp the ~1e-17 rounding error of KL(π_ref‖π_ref) before the square root
    d = torch.stack([kl_divergence(p, pi_ref) for p in pis]).clamp_min(0.0).sqrt()
    # R(d) = E_π[s] − E_{π_ref}[s]
    gains = scores @ pis.T - (scores @ pi_ref).unsqueeze(1)
    return d, gains


def gao_bon(d: torch.Tensor, alpha: float, beta: float) -> torch.Tensor:
    """Gao et al.'s best-of-n form R_bon(d) = d(α_bon − β_bon d); its peak is at d* = α/(2β). β here is Gao's, not the KL coefficient."""
    # R_bon(d) = d (α − β d)
    return d * (alpha - beta * d)


def gao_rl(d: torch.Tensor, alpha: float, beta: float) -> torch.Tensor:
    """Gao et al.'s RL form R_RL(d) = d(α_RL − β_RL log d), with R(0) = 0; its peak is at d* = exp(α/β − 1)."""
    # R_RL(d) = d (α − β log d), and d log d → 0 as d → 0
    return d * (alpha - beta * torch.log(d.clamp_min(1e-300)))


def fit_gao(d: torch.Tensor, gain: torch.Tensor, form: Literal["bon", "rl"]) -> tuple[float, float, float]:
    """Least-squares fit of (α, β) in Gao's form; both forms are linear in (α, β), so this is ordinary least squares.

    Args:
        d: √KL, shape (P,), all > 0.
        gain: gold gain R(d), shape (P,).
        form: ``"bon"`` for d(α − βd) or ``"rl"`` for d(α − β log d).

    Returns:
        (α, β, R²) — R² is the coefficient of determination of the fit.
    """
    if d.shape != gain.shape or d.dim() != 1 or len(d) < 3:
        raise ValueError(f"d and gain must have the same shape (P,), P >= 3; got {tuple(d.shape)}, {tuple(gain.shape)}")
    second = d**2 if form == "bon" else d * torch.log(d.clamp_min(1e-300))
    design = torch.stack([d, -second], dim=1)
    coef = torch.linalg.lstsq(design, gain.unsqueeze(1)).solution.squeeze(1)
    resid = gain - design @ coef
    r2 = 1.0 - (resid**2).sum() / ((gain - gain.mean()) ** 2).sum().clamp_min(1e-300)
    return coef[0].item(), coef[1].item(), r2.item()


# Optimisation strengths used across section D: 1/β for the KL-regularised policy, n for best-of-n.
KL_STRENGTHS = [0.1 * k for k in range(1, 41)]  # 1/β from 0.1 to 4.0
BON_SIZES = [2**k for k in range(0, 25)]  # n from 1 to 2^24


def main() -> None:
    torch.manual_seed(0)
    toy = goodhart_bandit()
    scores = torch.stack([toy.gold, toy.proxy])

    for method, strengths in (("kl", KL_STRENGTHS), ("bon", BON_SIZES)):
        d, (gold, proxy) = goodhart_curves(toy.pi_ref, toy.proxy, scores, method, strengths)
        # More optimisation always moves further from π_ref and always raises the proxy score
        # (d/dt E_t[r̂] = Var_t(r̂) ≥ 0 along the KL path; E[max of n] grows with n for best-of-n).
        assert (d.diff() > 0).all() and (proxy.diff() >= -1e-12).all()
        # Goodhart: the gold gain peaks strictly inside the range, then falls well below its peak.
        peak = int(gold.argmax())
        assert 0 < peak < len(d) - 1, method
        assert gold[peak] > 0.8 and gold[peak] - gold[-1] > 0.8, (method, gold[peak].item(), gold[-1].item())
        # The proxy's lead over the gold is more than 2 points larger at the end than at the gold peak.
        assert (proxy - gold)[-1] > (proxy - gold)[peak] + 2.0

    # Best-of-n's KL is computed exactly (Q60); the textbook log n − (n−1)/n is only an upper bound
    # (Beirami et al. 2024), nearly tight here because no single response has appreciable probability.
    for n in (2, 16, 1024):
        kl_bon = kl_divergence(best_of_n_distribution(toy.pi_ref, toy.proxy, n), toy.pi_ref)
        assert kl_bon <= kl_bound(n) + 1e-9 and kl_bound(n) - kl_bon < 0.05

    # Closed form for the noise-free toy (ε = 0, bias 1): with t = 1/β the tilted policy is N((t, t), I), so
    # KL = t² (d = t) and the gold gain is (1 + a)t − c t² — exactly Gao's best-of-n form, α = 1 + a, β = c.
    clean = goodhart_bandit(grid=121, half_width=8.0, noise_sd=0.0)
    ts = [0.25 * k for k in range(1, 11)]  # t up to 2.5, well inside the grid
    d, (gold,) = goodhart_curves(clean.pi_ref, clean.proxy, clean.gold.unsqueeze(0), "kl", ts)
    t = torch.tensor(ts, dtype=torch.float64)
    assert torch.allclose(d, t, atol=1e-6)
    assert torch.allclose(gold, gao_bon(t, 1.5, 0.5), atol=1e-6)
    alpha, beta, r2 = fit_gao(d, gold, "bon")
    assert abs(alpha - 1.5) < 1e-5 and abs(beta - 0.5) < 1e-5 and r2 > 1 - 1e-9

    # Optimising the gold reward itself never overoptimises: the gold gain is monotone in d.
    _, (gold_on_gold,) = goodhart_curves(toy.pi_ref, toy.gold, toy.gold.unsqueeze(0), "kl", KL_STRENGTHS)
    assert (gold_on_gold.diff() > 0).all()
    print("gold rises then falls for best-of-n and for pi_ref*exp(proxy/beta)/Z while the proxy keeps rising")


if __name__ == "__main__":
    main()
