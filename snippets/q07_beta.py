"""Q7 · What β controls: the reward–KL trade-off of the KL-regularised optimum.

For the optimum π*_β(y) = π_ref(y) exp(r(y)/β) / Z(β) of J(π) = E_π[r] − β KL(π‖π_ref)
(Rafailov et al. 2023, arXiv:2305.18290, eq. 4), differentiating in β gives

    d E_{π*}[r] / dβ = −Var_{π*}(r) / β²,     d KL(π*‖π_ref) / dβ = −Var_{π*}(r) / β³,

so both the expected reward and the KL fall monotonically as β grows, and along the frontier
d E[r] / d KL = β: β is the price of one nat of KL in units of reward. Because π* depends on r/β only,
β means nothing without the reward's scale.

Run: ``python -m snippets.q07_beta``
"""

from __future__ import annotations

import math

import torch

from snippets.q05_rlhf_objective import optimal_policy


def beta_sweep(pi_ref: torch.Tensor, reward: torch.Tensor, betas: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Expected reward and KL of the optimum π*_β for each β in a sweep.

    Args:
        pi_ref: reference probabilities, shape (K,), strictly positive.
        reward: reward of each response, shape (K,).
        betas: KL coefficients β > 0, shape (S,).

    Returns:
        (E_{π*_β}[r], KL(π*_β‖π_ref)), each of shape (S,).
    """
    if pi_ref.dim() != 1 or pi_ref.shape != reward.shape:
        raise ValueError(f"pi_ref and reward must both have shape (K,), got {tuple(pi_ref.shape)} and {tuple(reward.shape)}")
    if betas.dim() != 1 or not bool((betas > 0).all()):
        raise ValueError("betas must be a 1-D tensor of positive values")
    # π*_β(y) ∝ π_ref(y) exp(r(y)/β), one row per β; log-space softmax, stable for any β > 0
    pi_star = torch.softmax(torch.log(pi_ref) + reward / betas[:, None], dim=-1)
    # E_{π*}[r] = Σ_y π*(y) r(y)
    exp_reward = (pi_star * reward).sum(-1)
    # KL(π*‖π_ref) = Σ_y π*(y) [log π*(y) − log π_ref(y)], with 0·log 0 = 0
    log_ratio = torch.log(pi_star.clamp_min(1e-300)) - torch.log(pi_ref)
    kl = torch.where(pi_star > 0, pi_star * log_ratio, torch.zeros_like(pi_star)).sum(-1)
    return exp_reward, kl


def beta_for_kl(pi_ref: torch.Tensor, reward: torch.Tensor, target_kl: float, iters: int = 200) -> float:
    """The β whose optimum spends exactly ``target_kl`` nats of KL, by bisection on log β.

    Bisection is valid because KL(π*_β‖π_ref) is strictly decreasing in β (for non-constant reward).
    This is the fixed-point an adaptive KL controller (Ziegler et al. 2019) steers towards.

    Args:
        pi_ref: reference probabilities, shape (K,).
        reward: rewards, shape (K,), not all equal.
        target_kl: desired KL in nats, 0 < target_kl < −log π_ref(argmax r).
        iters: bisection steps.

    Returns:
        β > 0.
    """
    if pi_ref.shape != reward.shape:
        raise ValueError(f"pi_ref {tuple(pi_ref.shape)} and reward {tuple(reward.shape)} must match")
    max_kl = -math.log(pi_ref[reward.argmax()].item())
    if not 0 < target_kl < max_kl:
        raise ValueError(f"target_kl must lie in (0, {max_kl:.4f}) nats for this bandit, got {target_kl}")
    lo, hi = math.log(1e-6), math.log(1e6)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        _, kl = beta_sweep(pi_ref, reward, torch.tensor([math.exp(mid)], dtype=pi_ref.dtype))
        # KL decreases in β: too much KL → raise β
        lo, hi = (mid, hi) if kl.item() > target_kl else (lo, mid)
    return math.exp(0.5 * (lo + hi))


def main() -> None:
    torch.manual_seed(0)
    k = 10
    pi_ref = torch.softmax(torch.randn(k, dtype=torch.float64), -1)
    reward = torch.randn(k, dtype=torch.float64)

    # 1. Monotone trade-off: over a log-spaced sweep, E[r] and KL both strictly decrease as β increases.
    betas = torch.logspace(-1, 2, 61, dtype=torch.float64)
    exp_r, kl = beta_sweep(pi_ref, reward, betas)
    assert (exp_r.diff() < 0).all() and (kl.diff() < 0).all()
    # The sweep uses the one closed form of Q5: the rows equal optimal_policy(π_ref, r, β).
    assert torch.allclose(exp_r[30], (optimal_policy(pi_ref, reward, betas[30].item()) * reward).sum(), atol=1e-12)

    # 2. The derivatives, checked against autograd: dE/dβ = −Var/β², dKL/dβ = −Var/β³, so dE/dKL = β.
    for b in (0.05, 0.3, 2.0):
        beta = torch.tensor([b], dtype=torch.float64, requires_grad=True)
        e, d = beta_sweep(pi_ref, reward, beta)
        de = torch.autograd.grad(e.sum(), beta, retain_graph=True)[0]
        dkl = torch.autograd.grad(d.sum(), beta)[0]
        p = optimal_policy(pi_ref, reward, b)
        var = (p * reward**2).sum() - (p * reward).sum() ** 2
        assert torch.allclose(de, -var / b**2, rtol=1e-8) and torch.allclose(dkl, -var / b**3, rtol=1e-8)
        assert torch.allclose(de / dkl, torch.tensor([b], dtype=torch.float64), rtol=1e-8)

    # 3. Limits: β → ∞ keeps π_ref (E → E_ref[r], KL → 0); β → 0 goes greedy (E → max r, KL → −log π_ref(argmax r)).
    e_inf, kl_inf = beta_sweep(pi_ref, reward, torch.tensor([1e6], dtype=torch.float64))
    assert abs(e_inf.item() - (pi_ref * reward).sum().item()) < 1e-5 and kl_inf.item() < 1e-9
    e_0, kl_0 = beta_sweep(pi_ref, reward, torch.tensor([1e-4], dtype=torch.float64))
    assert abs(e_0.item() - reward.max().item()) < 1e-6
    assert abs(kl_0.item() + pi_ref[reward.argmax()].log().item()) < 1e-6

    # 4. β has the units of reward: scaling r and β by the same c leaves π* unchanged.
    for c in (0.1, 7.0):
        assert torch.allclose(optimal_policy(pi_ref, c * reward, c * 0.3), optimal_policy(pi_ref, reward, 0.3), atol=1e-12)

    # 5. A KL budget fixes β: bisection finds the β that spends exactly 1 nat.
    beta_1 = beta_for_kl(pi_ref, reward, 1.0)
    assert abs(beta_sweep(pi_ref, reward, torch.tensor([beta_1], dtype=torch.float64))[1].item() - 1.0) < 1e-9
    print(f"E[r] and KL strictly decrease in beta; dE/dKL = beta; KL = 1 nat at beta = {beta_1:.4f}")


if __name__ == "__main__":
    main()
