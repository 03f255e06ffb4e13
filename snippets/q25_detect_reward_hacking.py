"""Q25 · Detecting reward hacking with a held-out reward model — and when that fails.

The reward model used for training cannot reveal its own exploitation: under optimisation its score
only rises. A second reward model that the policy never trained against can: if its errors are
independent of the training RM's, its score turns over where the true reward does, so it flags
hacking and tells you where to stop. If it shares the training RM's blind spot (same data, same
pretrained base), it rises too and flags nothing — the correlated-error failure that Eisenstein et al.
2023 (arXiv:2312.09244) report for reward-model ensembles. Gao et al. 2023 (arXiv:2210.10760) use this
design with a larger gold RM standing in for human labellers.

The toy is Q30's Goodhart bandit; "policies" are the KL-regularised optima at increasing 1/β.

Run: ``python -m snippets.q25_detect_reward_hacking``
"""

from __future__ import annotations

import torch

from snippets.q30_overoptimization import KL_STRENGTHS, GoodhartBandit, goodhart_bandit, goodhart_curves


def held_out_reward(toy: GoodhartBandit, length_slope: float, length_curvature: float, noise_sd: float, seed: int) -> torch.Tensor:
    """A second reward model for the toy: r̂_B = q + b ℓ − c_B ℓ² + ε_B, with its own noise ε_B.

    With ``length_curvature > 0`` it has learned that too much length is bad (say, it was trained on
    independent comparisons that included long responses) — its errors are unrelated to the training
    RM's. With ``length_curvature = 0`` and ``length_slope`` near the training RM's 1.0 it shares the
    training RM's blind spot, "longer is better".

    Args:
        toy: the bandit (gives q and ℓ).
        length_slope: b, the held-out RM's linear weight on length.
        length_curvature: c_B >= 0, its penalty on ℓ².
        noise_sd: standard deviation of its independent per-response error ε_B.
        seed: seed of ε_B.

    Returns:
        r̂_B, shape (K,).
    """
    if noise_sd < 0 or length_curvature < 0:
        raise ValueError(f"noise_sd and length_curvature must be >= 0, got {noise_sd}, {length_curvature}")
    gen = torch.Generator().manual_seed(seed)
    eps = noise_sd * torch.randn(toy.quality.shape, dtype=toy.quality.dtype, generator=gen)
    # r̂_B(y) = q + b ℓ − c_B ℓ² + ε_B
    return toy.quality + length_slope * toy.length - length_curvature * toy.length**2 + eps


def stop_index(held_out_gain: torch.Tensor) -> int:
    """Early-stopping rule: the checkpoint (index along the optimisation path) with the highest held-out score.

    Args:
        held_out_gain: held-out RM gain E_π[r̂_B] − E_{π_ref}[r̂_B] at each checkpoint, shape (P,).

    Returns:
        the index of the checkpoint to keep.
    """
    if held_out_gain.dim() != 1 or len(held_out_gain) == 0:
        raise ValueError(f"held_out_gain must have shape (P,) with P >= 1, got {tuple(held_out_gain.shape)}")
    return int(held_out_gain.argmax())


def main() -> None:
    torch.manual_seed(0)
    toy = goodhart_bandit()
    independent = held_out_reward(toy, length_slope=0.5, length_curvature=0.5, noise_sd=0.5, seed=1)
    correlated = held_out_reward(toy, length_slope=0.9, length_curvature=0.0, noise_sd=0.5, seed=2)
    scores = torch.stack([toy.gold, toy.proxy, independent, correlated])
    d, (gold, train_rm, indep_rm, corr_rm) = goodhart_curves(toy.pi_ref, toy.proxy, scores, "kl", KL_STRENGTHS)

    # The training RM cannot see the problem: its score rises at every checkpoint.
    assert (train_rm.diff() > 0).all()
    best = int(gold.argmax())
    assert gold[best] - gold[-1] > 2.0  # and there is a problem: the last policy lost > 2 gold points

    # An RM with independent errors turns over too; stopping at its peak keeps most of the best gold gain.
    k = stop_index(indep_rm)
    assert 0 < k < len(d) - 1
    assert gold[k] > 0.9 * gold[best]
    # Detection signal: training-RM gain minus held-out gain widens steadily after the held-out peak.
    divergence = train_rm - indep_rm
    assert (divergence[k:].diff() > 0).all() and divergence[-1] > divergence[k] + 3.0

    # An RM that shares the blind spot (its length weight 0.9 vs the training RM's 1.0) keeps rising:
    # its "early stop" is the last checkpoint, where the gold reward is below where it started.
    assert (corr_rm.diff() > 0).all()
    k_corr = stop_index(corr_rm)
    assert k_corr == len(d) - 1 and gold[k_corr] < 0
    print(f"independent held-out RM stops at d = {d[k]:.2f} (gold {gold[k]:.2f} of best {gold[best]:.2f}); correlated one never stops")


if __name__ == "__main__":
    main()
