"""Q24 · Reward hacking: the optimiser spends its budget on the reward model's errors.

A learned reward model r̂ is a proxy for the reward we want, r*. Optimising π against r̂ raises
E_π[r̂] by every route available, including the directions in which r̂ is wrong; past some point those
routes dominate, and E_π[r*] falls while E_π[r̂] keeps rising (Gao et al. 2023, arXiv:2210.10760;
Skalse et al. 2022, arXiv:2209.13085 for a formal definition of hackability).

The toy is Q30's Goodhart bandit: quality q and length ℓ, gold r* = q + ℓ/2 − ℓ²/2 (length helps only up
to ℓ = 1/2), proxy r̂ = q + ℓ + ε (it over-rewards length and has per-response noise ε). The asserts
split the gain of the KL-regularised optimum into what the proxy gets right and what it gets wrong.

Run: ``python -m snippets.q24_reward_hacking``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import optimal_policy
from snippets.q30_overoptimization import KL_STRENGTHS, goodhart_bandit, goodhart_curves


def proxy_gold_gap(pi: torch.Tensor, pi_ref: torch.Tensor, proxy: torch.Tensor, gold: torch.Tensor) -> torch.Tensor:
    """How much of the proxy's gain is error: E_π[r̂ − r*] − E_{π_ref}[r̂ − r*].

    Zero for π = π_ref; it grows when π moves mass onto responses that the proxy over-rates. It needs the
    gold reward, so it is a diagnostic for toys and for audits against human labels, not a training signal.

    Args:
        pi: policy probabilities, shape (..., K).
        pi_ref: reference probabilities, shape (K,).
        proxy: r̂, shape (K,).
        gold: r*, shape (K,).

    Returns:
        the gap, shape (...).
    """
    if not (pi.shape[-1] == pi_ref.shape[0] == proxy.shape[0] == gold.shape[0]) or pi_ref.dim() != 1:
        raise ValueError(f"need pi (..., K) and pi_ref, proxy, gold (K,); got {tuple(pi.shape)}, {tuple(pi_ref.shape)}, {tuple(proxy.shape)}, {tuple(gold.shape)}")
    error = proxy - gold
    # gap = E_π[r̂ − r*] − E_{π_ref}[r̂ − r*]
    return pi @ error - pi_ref @ error


def main() -> None:
    torch.manual_seed(0)
    toy = goodhart_bandit()
    a, c = 0.5, 0.5  # the gold reward's length slope and curvature (goodhart_bandit's defaults)
    noise = toy.proxy - toy.quality - toy.length  # ε, the proxy's per-response error
    length_term = a * toy.length - c * toy.length**2  # the part of r* that depends on length
    scores = torch.stack([toy.gold, toy.proxy, toy.quality, length_term, noise, toy.length, toy.proxy - toy.gold])
    d, (gold, proxy, quality, length_gold, noise_gain, length_gain, gap) = goodhart_curves(
        toy.pi_ref, toy.proxy, scores, "kl", KL_STRENGTHS
    )

    # The proxy and the part it gets right (quality) rise all the way.
    assert (proxy.diff() > 0).all() and (quality.diff() > 0).all()
    # The gold reward rises, then falls below where it started: reward hacking.
    peak = int(gold.argmax())
    assert 0 < peak < len(d) - 1 and gold[peak] > 1.0 and gold[-1] < -0.5
    # Where the gold is lost: the length term. It helps at first (length up to a/2c = 1/2 is good),
    # then the policy keeps buying length because the proxy pays for it linearly.
    assert length_gold[0] > 0 and length_gold[-1] < -3.0
    assert length_gain[-1] > 6 * a / (2 * c)  # mean length ends far past the gold optimum
    # The policy also selects responses whose noise ε happens to be positive: E_π[ε] grows.
    assert noise_gain[0] > 0 and noise_gain[-1] > 0.5
    # The proxy–gold gap (the proxy's error, measured under π) grows monotonically along the path.
    assert (gap.diff() > 0).all() and gap[-1] > 8.0
    # proxy_gold_gap computes the same quantity from a policy directly.
    pi_end = optimal_policy(toy.pi_ref, toy.proxy, 1.0 / KL_STRENGTHS[-1])
    assert torch.allclose(proxy_gold_gap(pi_end, toy.pi_ref, toy.proxy, toy.gold), gap[-1], atol=1e-9)

    # Counterfactual: an unbiased but equally noisy proxy, r* + ε. Over the same range of optimisation
    # the gold reward only rises — noise alone wastes KL (regressional Goodhart), the systematic
    # length error is what turns the curve over.
    honest = toy.gold + noise
    _, (gold_honest,) = goodhart_curves(toy.pi_ref, honest, toy.gold.unsqueeze(0), "kl", KL_STRENGTHS)
    assert (gold_honest.diff() > 0).all() and gold_honest[-1] > 3.0
    print(f"gold peaks at d = {d[peak]:.2f} then falls to {gold[-1]:.2f}; mean length rises to {length_gain[-1]:.2f}")


if __name__ == "__main__":
    main()
