"""Q8 · PPO's clipped surrogate: a pessimistic bound that stops gradient where the ratio left its trust region.

PPO (Schulman et al. 2017, arXiv:1707.06347, eq. 7) maximises, per token t,

    L^CLIP_t = min( ρ_t A_t , clip(ρ_t, 1 − ε, 1 + ε) A_t ),   ρ_t = π_θ(a_t|s_t) / π_θ_old(a_t|s_t).

The clip only bites on the side where the update would *improve* the objective: for A > 0 above 1 + ε,
for A < 0 below 1 − ε. A ratio that moved the wrong way (A < 0, ρ > 1 + ε) is *not* clipped: the min
keeps the unclipped, more negative term, so its gradient still pushes the probability back down.

Run: ``python -m snippets.q08_why_ppo``
"""

from __future__ import annotations

import torch


# --8<-- [start:clipped_surrogate]
def clipped_surrogate(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    eps_low: float = 0.2,
    eps_high: float | None = None,
) -> torch.Tensor:
    """Per-token clipped surrogate objective (to be *maximised*).

    Args:
        logp: log π_θ(a_t|s_t) of the sampled tokens, shape (B, T) (or any shape).
        old_logp: log π_θ_old(a_t|s_t) from the policy that sampled them, same shape.
        advantages: A_t, same shape as ``logp`` or broadcastable to it, e.g. (B, 1) for one
            advantage per sequence.
        eps_low: ε for the lower clip bound 1 − ε_low.
        eps_high: ε for the upper clip bound 1 + ε_high; ``None`` means symmetric (= eps_low).
            DAPO's Clip-Higher sets ε_high > ε_low (arXiv:2503.14476).

    Returns:
        min(ρ A, clip(ρ, 1 − ε_low, 1 + ε_high) A), shape of ``logp``.
    """
    if logp.shape != old_logp.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and old_logp {tuple(old_logp.shape)} must match")
    # broadcastable: aligned from the right, each pair of sizes is equal or contains a 1
    # (checked by hand: torch.broadcast_shapes lazily imports sympy, about 1.5 s on first use)
    if any(a != b and 1 not in (a, b) for a, b in zip(reversed(advantages.shape), reversed(logp.shape))):
        raise ValueError(f"advantages {tuple(advantages.shape)} do not broadcast to {tuple(logp.shape)}")
    eps_high = eps_low if eps_high is None else eps_high
    # ρ_t = exp(log π_θ − log π_θ_old); the difference is formed first so large log-probs cannot overflow
    ratio = torch.exp(logp - old_logp.detach())
    # L^CLIP_t = min(ρ_t A_t, clip(ρ_t, 1 − ε_low, 1 + ε_high) A_t)
    return torch.minimum(ratio * advantages, torch.clamp(ratio, 1 - eps_low, 1 + eps_high) * advantages)
# --8<-- [end:clipped_surrogate]


def main() -> None:
    torch.manual_seed(0)
    eps = 0.2
    ratios = torch.linspace(0.5, 1.5, 101, dtype=torch.float64)
    for adv in (1.0, -1.0):
        logp = torch.log(ratios).clone().requires_grad_(True)
        a = torch.full_like(ratios, adv)
        obj = clipped_surrogate(logp, torch.zeros_like(ratios), a, eps)
        obj.sum().backward()
        grad = logp.grad
        # The clipped objective is a lower bound of the unclipped one, ρA, everywhere.
        assert (obj <= ratios * a + 1e-12).all()
        # Where the gradient is exactly zero: past 1+ε for A > 0, below 1−ε for A < 0 — and nowhere else.
        frozen = ratios > 1 + eps if adv > 0 else ratios < 1 - eps
        assert (grad[frozen] == 0).all() and (grad[~frozen] != 0).all()
    # The four cases (page table): which term the min keeps, and the gradient d L / d log ρ.
    #   A > 0, ρ > 1+ε: clipped, L = (1+ε)A, grad 0      A > 0, ρ < 1−ε: unclipped, L = ρA, grad ρA
    #   A < 0, ρ < 1−ε: clipped, L = (1−ε)A, grad 0      A < 0, ρ > 1+ε: unclipped, L = ρA, grad ρA
    cases = [  # (A, ρ, expected L, expected dL/dlog ρ)
        (1.0, 1.5, (1 + eps) * 1.0, 0.0),
        (1.0, 0.5, 0.5, 0.5),
        (-1.0, 0.5, (1 - eps) * -1.0, 0.0),
        (-1.0, 1.5, -1.5, -1.5),
    ]
    for adv, rho, value, slope in cases:
        logp = torch.log(torch.tensor([rho], dtype=torch.float64)).requires_grad_(True)
        a = torch.tensor([adv], dtype=torch.float64)
        obj = clipped_surrogate(logp, torch.zeros(1, dtype=torch.float64), a, eps)
        obj.sum().backward()
        assert torch.isclose(obj, torch.tensor([value], dtype=torch.float64)).all()
        assert torch.isclose(logp.grad, torch.tensor([slope], dtype=torch.float64)).all()
    # The common mistake: for A < 0 a ratio far *above* 1+ε is NOT clipped; its gradient is ρA ≠ 0.
    logp = torch.log(torch.tensor([1.5], dtype=torch.float64)).requires_grad_(True)
    clipped_surrogate(logp, torch.zeros(1, dtype=torch.float64), torch.tensor([-1.0], dtype=torch.float64)).sum().backward()
    assert torch.isclose(logp.grad, torch.tensor([-1.5], dtype=torch.float64)).all()
    print("clip freezes rho>1+eps for A>0 and rho<1-eps for A<0 only; objective <= rho*A everywhere")


if __name__ == "__main__":
    main()
