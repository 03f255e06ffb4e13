"""Q6 · Why the KL penalty: it bounds how far the optimum can exploit a reward model's errors.

The optimum of E_π[r̂] − β KL(π‖π_ref) is π*_β ∝ π_ref exp(r̂/β) (Rafailov et al. 2023, arXiv:2305.18290,
eq. 4). Three exact bounds follow, for any proxy reward r̂ and any β > 0:

    KL(π*_β‖π_ref) ≤ (max r̂ − E_ref[r̂]) / β                         (π* beats π_ref on the objective)
    π*_β(S) ≤ π_ref(S) · exp((max_S r̂ − E_ref[r̂]) / β)               (Jensen: Z ≥ exp(E_ref[r̂]/β))
    |E_{π*}[e] − E_ref[e]| ≤ (max e − min e) · sqrt(KL(π*_β‖π_ref) / 2)  (Pinsker), e = r̂ − r*

The first two say the policy cannot move much mass onto responses the reference (and so the reward
model's training data) rarely produced; the third turns that into a bound on how much of the proxy
reward can be error. Stiennon et al. 2020 (arXiv:2009.01325, §3.4) give the second reason for the term;
on a bandit whose reward model is wrong only off-distribution, the true reward of π*_β rises and then
falls as β shrinks, which is over-optimisation.

Run: ``python -m snippets.q06_why_kl_penalty``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import optimal_policy
from snippets.q07_beta import beta_sweep


def kl_upper_bound(pi_ref: torch.Tensor, proxy_reward: torch.Tensor, beta: float) -> torch.Tensor:
    """Upper bound on KL(π*_β‖π_ref): (max_y r̂(y) − E_{π_ref}[r̂]) / β, a scalar.

    Args:
        pi_ref: reference probabilities, shape (K,).
        proxy_reward: the reward model's scores r̂, shape (K,).
        beta: KL coefficient β > 0.
    """
    if pi_ref.shape != proxy_reward.shape:
        raise ValueError(f"pi_ref {tuple(pi_ref.shape)} and proxy_reward {tuple(proxy_reward.shape)} must match")
    # J(π*) ≥ J(π_ref) ⇒ β KL ≤ E_{π*}[r̂] − E_ref[r̂] ≤ max r̂ − E_ref[r̂]
    return (proxy_reward.max() - (pi_ref * proxy_reward).sum(-1)) / beta


def mass_upper_bound(pi_ref: torch.Tensor, proxy_reward: torch.Tensor, beta: float, subset: torch.Tensor) -> torch.Tensor:
    """Upper bound on the mass π*_β puts on a set S of responses, a scalar.

    Args:
        pi_ref: reference probabilities, shape (K,).
        proxy_reward: r̂, shape (K,).
        beta: β > 0.
        subset: boolean mask of S, shape (K,), at least one True.
    """
    if not (pi_ref.shape == proxy_reward.shape == subset.shape):
        raise ValueError("pi_ref, proxy_reward and subset must have the same shape (K,)")
    if not bool(subset.any()):
        raise ValueError("subset must select at least one response")
    # π*(y) = π_ref(y) e^{r̂(y)/β} / Z and Z ≥ e^{E_ref[r̂]/β}  ⇒  π*(S) ≤ π_ref(S) e^{(max_S r̂ − E_ref[r̂])/β}
    shift = (proxy_reward[subset].max() - (pi_ref * proxy_reward).sum()) / beta
    return pi_ref[subset].sum() * torch.exp(shift)


def exploitation_bound(error: torch.Tensor, kl: torch.Tensor) -> torch.Tensor:
    """Pinsker bound on how much the reward model's error e = r̂ − r* can change between π_ref and π.

    |E_π[e] − E_ref[e]| ≤ (max e − min e) · TV(π, π_ref) ≤ (max e − min e) · sqrt(KL(π‖π_ref)/2).

    Args:
        error: e(y) for each response, shape (K,).
        kl: KL(π‖π_ref) in nats, shape (...).

    Returns:
        the bound, shape (...).
    """
    if error.dim() != 1:
        raise ValueError(f"error must have shape (K,), got {tuple(error.shape)}")
    # (max e − min e) · sqrt(KL / 2)
    return (error.max() - error.min()) * torch.sqrt(kl.clamp_min(0) / 2)


def main() -> None:
    torch.manual_seed(0)
    # Six "in-distribution" responses carry 99% of the reference (SFT) policy's mass; three rare ones share 1%.
    pi_ref = torch.tensor([0.30, 0.25, 0.20, 0.12, 0.08, 0.05] + [0.01 / 3] * 3, dtype=torch.float64)
    pi_ref = pi_ref / pi_ref.sum()
    off = torch.arange(9) >= 6
    # True reward: the in-distribution responses differ in quality; the rare ones are degenerate (r* = −1).
    r_true = torch.tensor([0.0, 0.3, 0.6, 1.0, 1.4, 1.8, -1.0, -1.0, -1.0], dtype=torch.float64)
    # The reward model was trained where π_ref has mass: small errors there, a large over-estimate elsewhere.
    error = torch.cat([0.05 * torch.randn(6, dtype=torch.float64), torch.full((3,), 3.5, dtype=torch.float64)])
    r_hat = r_true + error
    assert r_hat[off].min() > r_hat[~off].max()

    betas = torch.logspace(-2, 1.5, 71, dtype=torch.float64)
    proxy, kl = beta_sweep(pi_ref, r_hat, betas)
    pis = torch.stack([optimal_policy(pi_ref, r_hat, b.item()) for b in betas])
    true = (pis * r_true).sum(-1)
    true_ref = (pi_ref * r_true).sum()

    # 1. Without a meaningful penalty the optimum exploits the reward model: at the smallest β it sits on
    #    an off-distribution response and its true reward is below the reference's.
    assert pis[0, off].sum() > 0.99 and true[0] < true_ref - 0.5
    # 2. A moderate β improves the true reward; the best β is interior, so true reward against KL rises then
    #    falls (the Goodhart curve) even though the proxy reward rises monotonically with KL.
    best = int(true.argmax())
    assert 0 < best < len(betas) - 1 and true[best] > true_ref + 0.15
    assert (proxy.diff() <= 1e-12).all() and (kl.diff() <= 1e-12).all()

    # 3. The three bounds hold at every β.
    for i, b in enumerate(betas.tolist()):
        assert kl[i] <= kl_upper_bound(pi_ref, r_hat, b) + 1e-12
        assert pis[i, off].sum() <= mass_upper_bound(pi_ref, r_hat, b, off) + 1e-12
        drift = (pis[i] * error).sum() - (pi_ref * error).sum()
        assert drift.abs() <= exploitation_bound(error, kl[i]) + 1e-12
    # ...and they bite: at β = 10 the rare responses' mass can grow by at most a factor exp(Δ/β) < 1.5.
    assert mass_upper_bound(pi_ref, r_hat, 10.0, off) < 1.5 * pi_ref[off].sum()
    print(f"true reward: pi_ref {true_ref:.3f}, best beta={betas[best]:.3f} -> {true[best]:.3f}, beta={betas[0]:.2f} -> {true[0]:.3f}")


if __name__ == "__main__":
    main()
