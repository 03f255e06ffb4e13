"""Q54 · TDPO: DPO plus token-level (sequential) forward-KL terms.

Zeng et al. 2024, Token-level Direct Preference Optimization (arXiv:2404.11999). Preference labels stay per
response. TDPO writes the Bradley–Terry probability as σ(u − δ) with

    u = β log π_θ(y_w|x)/π_ref(y_w|x) − β log π_θ(y_l|x)/π_ref(y_l|x)          (DPO's margin)
    δ = β D_SeqKL(x, y_l; π_ref‖π_θ) − β D_SeqKL(x, y_w; π_ref‖π_θ),
    D_SeqKL(x, y; π_ref‖π_θ) = Σ_t KL(π_ref(·|x, y_<t) ‖ π_θ(·|x, y_<t)),

and trains with TDPO₁: −log σ(u − δ), or TDPO₂: −log σ(u − α δ₂), δ₂ = β D_SeqKL(y_l) − sg(β D_SeqKL(y_w)),
where sg stops the gradient (the authors' code uses α = 0.5, β = 0.1). The extra term penalises the forward KL
on the rejected response's prefixes — the divergence that grows fastest under DPO.

Run: ``python -m snippets.q54_tdpo``
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from snippets.q05_rlhf_objective import log_partition, optimal_policy
from snippets.q14_dpo_derivation import dpo_loss, implicit_reward, sequence_logprob


def sequential_kl(policy_logits: torch.Tensor, ref_logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """D_SeqKL(x, y; π_ref‖π_θ) = Σ_t KL(π_ref(·|x, y_<t) ‖ π_θ(·|x, y_<t)) over the response positions.

    Args:
        policy_logits: next-token logits of π_θ, shape (B, T, V).
        ref_logits: next-token logits of π_ref at the same positions, shape (B, T, V).
        mask: 1 on response positions, 0 on prompt and padding, shape (B, T). A row of zeros gives 0.

    Returns:
        shape (B,), ≥ 0, and 0 exactly when the two models agree at every masked position.
    """
    if policy_logits.shape != ref_logits.shape or policy_logits.shape[:2] != mask.shape:
        raise ValueError(f"need policy/ref logits (B,T,V) of one shape and mask (B,T); got {tuple(policy_logits.shape)}, {tuple(ref_logits.shape)}, {tuple(mask.shape)}")
    ref_logp = torch.log_softmax(ref_logits, -1)
    # KL_t = Σ_v π_ref(v) [log π_ref(v) − log π_θ(v)]   (forward KL: expectation under the reference)
    per_position = (ref_logp.exp() * (ref_logp - torch.log_softmax(policy_logits, -1))).sum(-1)
    return (per_position * mask.to(per_position.dtype)).sum(-1)


def tdpo_loss(
    policy_chosen_logp: torch.Tensor,
    policy_rejected_logp: torch.Tensor,
    ref_chosen_logp: torch.Tensor,
    ref_rejected_logp: torch.Tensor,
    chosen_seq_kl: torch.Tensor,
    rejected_seq_kl: torch.Tensor,
    beta: float = 0.1,
    alpha: float | None = 0.5,
) -> torch.Tensor:
    """Per-pair TDPO loss (Zeng et al. 2024): TDPO₂ by default, TDPO₁ with ``alpha=None``.

    Args:
        policy_chosen_logp: summed log π_θ(y_w|x), shape (B,).
        policy_rejected_logp: summed log π_θ(y_l|x), shape (B,).
        ref_chosen_logp: summed log π_ref(y_w|x), shape (B,).
        ref_rejected_logp: summed log π_ref(y_l|x), shape (B,).
        chosen_seq_kl: D_SeqKL(x, y_w; π_ref‖π_θ), shape (B,) (from :func:`sequential_kl`, with gradient).
        rejected_seq_kl: D_SeqKL(x, y_l; π_ref‖π_θ), shape (B,).
        beta: β > 0.
        alpha: TDPO₂'s weight α on δ₂ (the chosen side's KL is detached); ``None`` selects TDPO₁.

    Returns:
        loss per pair, shape (B,). With both KL terms zero, or with α = 0, it equals the DPO loss.
    """
    shapes = {tuple(t.shape) for t in (policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp, chosen_seq_kl, rejected_seq_kl)}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        raise ValueError(f"all six inputs must share one shape (B,), got {sorted(shapes)}")
    # u = β log π_θ(y_w)/π_ref(y_w) − β log π_θ(y_l)/π_ref(y_l)
    u = implicit_reward(policy_chosen_logp, ref_chosen_logp, beta) - implicit_reward(policy_rejected_logp, ref_rejected_logp, beta)
    if alpha is None:
        # TDPO₁: δ = β D_SeqKL(y_l) − β D_SeqKL(y_w)
        delta = beta * (rejected_seq_kl - chosen_seq_kl)
        return -F.logsigmoid(u - delta)
    # TDPO₂: δ₂ = β D_SeqKL(y_l) − sg(β D_SeqKL(y_w)), loss −log σ(u − α δ₂)
    delta2 = beta * rejected_seq_kl - beta * chosen_seq_kl.detach()
    return -F.logsigmoid(u - alpha * delta2)


def main() -> None:
    torch.manual_seed(0)
    dt = torch.float64
    b, t, v, beta = 16, 6, 8, 0.1
    # A tiny autoregressive model: the next-token logits depend on the position and the previous token
    # (index v is the start token), so the prefixes of y_w and y_l visit different states.
    ref_logits = torch.randn(t, v + 1, v, dtype=dt)
    chosen, rejected = torch.randint(0, v, (b, t)), torch.randint(0, v, (b, t))
    mask = torch.ones(b, t, dtype=dt)

    def states(table: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        prev = torch.cat([torch.full((b, 1), v), y[:, :-1]], dim=1)
        return table[torch.arange(t), prev]  # (B, T, V)

    def pieces(table: torch.Tensor) -> tuple[torch.Tensor, ...]:
        pw, pl, rw, rl = states(table, chosen), states(table, rejected), states(ref_logits, chosen), states(ref_logits, rejected)
        return (sequence_logprob(pw, chosen, mask), sequence_logprob(pl, rejected, mask),
                sequence_logprob(rw, chosen, mask), sequence_logprob(rl, rejected, mask),
                sequential_kl(pw, rw, mask), sequential_kl(pl, rl, mask))

    # 0. Where the forward KL comes from: at one state, π*(z) ∝ π_ref(z) exp(A(z)/β) with E_{π_ref}[A] = 0 has
    #    log-partition β log Z = β KL(π_ref ‖ π*), so Σ_t A(s_t, y_t) = β log π*(y)/π_ref(y) + β D_SeqKL(y).
    p0 = torch.softmax(torch.randn(v, dtype=dt), -1)
    adv = torch.randn(v, dtype=dt)
    adv = adv - (p0 * adv).sum()
    p_star = optimal_policy(p0, adv, beta)
    assert torch.isclose(beta * log_partition(p0, adv, beta), beta * (p0 * (p0.log() - p_star.log())).sum())

    # 1. Sequential KL: zero at π_θ = π_ref, positive elsewhere, equal to a direct sum over the visited states.
    assert pieces(ref_logits)[4].abs().max() < 1e-12
    theta = (ref_logits + 0.5 * torch.randn(t, v + 1, v, dtype=dt)).requires_grad_(True)
    kl_w = pieces(theta)[4]
    p_ref = torch.softmax(ref_logits, -1)
    direct = sum((p_ref[i, s] * (p_ref[i, s].log() - torch.log_softmax(theta[i, s], -1))).sum()
                 for i, s in enumerate([v] + chosen[0, :-1].tolist()))
    assert (kl_w > 0).all() and torch.allclose(kl_w[0], direct)

    # 2. Reductions to DPO: with no divergence the KL terms vanish; with α = 0 TDPO₂ is DPO for any policy.
    dpo_at_ref = dpo_loss(*pieces(ref_logits)[:4], beta)
    assert torch.allclose(tdpo_loss(*pieces(ref_logits), beta, alpha=None), dpo_at_ref)
    assert torch.allclose(tdpo_loss(*pieces(theta.detach()), beta, alpha=0.0), dpo_loss(*pieces(theta.detach())[:4], beta))

    # 3. Gradient check against the closed form: ∂L/∂D_SeqKL(y_l) = αβσ(−z) for TDPO₂ and βσ(−z) for TDPO₁,
    #    ∂L/∂D_SeqKL(y_w) = −βσ(−z) for TDPO₁ and exactly 0 for TDPO₂ (the stop-gradient), z the sigmoid's argument.
    lp = [x.detach() for x in pieces(theta)]
    kw, kl_ = torch.rand(b, dtype=dt, requires_grad=True), torch.rand(b, dtype=dt, requires_grad=True)
    u = implicit_reward(lp[0], lp[2], beta) - implicit_reward(lp[1], lp[3], beta)
    tdpo_loss(lp[0], lp[1], lp[2], lp[3], kw, kl_, beta, alpha=0.5).sum().backward()
    z2 = u - 0.5 * beta * (kl_ - kw)
    assert torch.allclose(kl_.grad, 0.5 * beta * torch.sigmoid(-z2).detach())
    assert kw.grad is None  # the stop-gradient: no path from the loss back to D_SeqKL(y_w)
    kl_.grad = None
    tdpo_loss(lp[0], lp[1], lp[2], lp[3], kw, kl_, beta, alpha=None).sum().backward()
    z1 = u - beta * (kl_ - kw)
    assert torch.allclose(kl_.grad, beta * torch.sigmoid(-z1).detach()) and torch.allclose(kw.grad, -beta * torch.sigmoid(-z1).detach())

    # 4. Divergence efficiency on a toy (the paper's KL-vs-reward frontier): same data, learning rate and steps.
    #    Both fit every pair; when DPO first reaches the DPO loss that TDPO₂ ends at, its forward KL on the
    #    rejected responses' prefixes is much larger.
    def train(use_tdpo: bool, steps: int = 100, lr: float = 20.0) -> tuple[torch.Tensor, list[tuple[float, float]]]:
        theta = ref_logits.clone().requires_grad_(True)
        path = []
        for _ in range(steps + 1):
            p = pieces(theta)
            path.append((dpo_loss(*p[:4], beta).mean().item(), p[5].mean().item()))
            loss = tdpo_loss(*p, beta, alpha=0.5) if use_tdpo else dpo_loss(*p[:4], beta)
            (grad,) = torch.autograd.grad(loss.mean(), theta)
            with torch.no_grad():
                theta -= lr * grad
        p = [x.detach() for x in pieces(theta)]
        return ((p[0] - p[2]) > (p[1] - p[3])).double().mean(), path

    acc_dpo, path_dpo = train(use_tdpo=False)
    acc_tdpo, path_tdpo = train(use_tdpo=True)
    assert acc_dpo == 1.0 and acc_tdpo == 1.0
    loss_tdpo, kl_tdpo = path_tdpo[-1]
    loss_dpo, kl_dpo = next(point for point in path_dpo if point[0] <= loss_tdpo)
    assert kl_dpo > 1.25 * kl_tdpo
    print(f"at DPO loss {loss_tdpo:.3f}: D_SeqKL(pi_ref||pi_theta) on rejected responses DPO {kl_dpo:.2f} vs TDPO2 {kl_tdpo:.2f}")

if __name__ == "__main__":
    main()
