"""Q50 · Dr. GRPO: remove GRPO's two normalisers, and with them a length bias and a difficulty bias.

GRPO (DeepSeekMath eq. 3; written out in Liu et al. 2025, arXiv:2503.20783, eq. 3) averages each response's
token terms with 1/|o_i| and scales each advantage by 1/std of the group's rewards:

    J_GRPO = E[ 1/G Σ_i 1/|o_i| Σ_t min(ρ_{i,t} Â_i, clip(ρ_{i,t}, 1 − ε, 1 + ε) Â_i) ],
    Â_i = (R_i − mean(R)) / std(R).

Liu et al. (§3.1) show both factors bias the optimisation:

- response-level length bias: 1/|o_i| gives each token of a long response less weight, so a long *wrong*
  answer is penalised less per token and a short *correct* one is rewarded more — the policy drifts
  towards longer wrong answers;
- question-level difficulty bias: 1/std(R) is largest for prompts whose groups are nearly all right or
  all wrong, so both too-easy and too-hard prompts get more weight than the unbiased objective gives them.

Dr. GRPO ("GRPO Done Right", §3.2) drops both: Ã_i = R_i − mean(R), tokens summed and divided by a
constant (the generation budget, MAX_TOKENS in their Listing 1), and β = 0.

Run: ``python -m snippets.q50_dr_grpo``
"""

from __future__ import annotations

import torch

from snippets.q08_why_ppo import clipped_surrogate
from snippets.q12_grpo import aggregate, group_advantages, grpo_loss


def dr_grpo_loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    rewards: torch.Tensor,
    mask: torch.Tensor,
    max_tokens: int,
    eps: float = 0.2,
) -> torch.Tensor:
    """Dr. GRPO loss: unscaled group advantages, token sum over a constant normaliser, no KL.

    Args:
        logp: log π_θ of each sampled token, shape (N·G, T), the G responses of each prompt contiguous.
        old_logp: log π_θ_old of the same tokens, shape (N·G, T).
        rewards: outcome reward of each response, shape (N, G).
        mask: response-token mask, shape (N·G, T); rows may be empty.
        max_tokens: the constant L_max (generation budget); every response must fit in it.
        eps: PPO clip range.

    Returns:
        scalar loss = −1/(N·G·L_max) Σ_i Σ_t min(ρ Ã_i, clip(ρ, 1 − ε, 1 + ε) Ã_i).
    """
    if rewards.dim() != 2 or rewards.numel() != logp.shape[0]:
        raise ValueError(f"rewards must have shape (N, G) with N·G = {logp.shape[0]} rows of logp, got {tuple(rewards.shape)}")
    if logp.shape != mask.shape:
        raise ValueError(f"logp {tuple(logp.shape)} and mask {tuple(mask.shape)} must match")
    if mask.sum(dim=1).max() > max_tokens:
        raise ValueError(f"a response is longer than max_tokens={max_tokens}")
    # Ã_i = R_i − mean(R): no division by std(R)
    adv = group_advantages(rewards, scale_by_std=False).reshape(-1)
    surrogate = clipped_surrogate(logp, old_logp, adv[:, None], eps)
    # −Σ_{i,t} surrogate / (N·G·L_max): no division by |o_i|
    return -aggregate(surrogate, mask, "constant", max_len=max_tokens)


def main() -> None:
    torch.manual_seed(0)
    dt = torch.float64

    # One group of four responses: right & short, right & long, wrong & short, wrong & long.
    rewards = torch.tensor([[1.0, 1.0, 0.0, 0.0]], dtype=dt)
    lengths = torch.tensor([4, 16, 4, 16])
    t_max = 16
    mask = (torch.arange(t_max)[None, :] < lengths[:, None]).to(dt)

    # 1. Per-token weights on-policy (ρ = 1): GRPO gives a token of response i the weight Â_i/(G·|o_i|),
    #    Dr. GRPO the weight Ã_i/(G·L_max) — the same for a short and a long response.
    logp = torch.randn(4, t_max, dtype=dt).requires_grad_(True)
    grpo_loss(logp, logp.detach(), logp.detach(), group_advantages(rewards).reshape(-1), mask, beta=0.0).backward()
    g_grpo = logp.grad.clone()
    logp.grad = None
    dr_grpo_loss(logp, logp.detach(), rewards, mask, max_tokens=t_max).backward()
    g_dr = logp.grad.clone()
    # GRPO: a token of the long wrong answer is pushed down 4× less than a token of the short wrong one.
    assert torch.isclose(g_grpo[3, 0] / g_grpo[2, 0], torch.tensor(4 / 16, dtype=dt))
    assert torch.isclose(g_dr[3, 0], g_dr[2, 0]) and torch.isclose(g_dr[0, 0], -g_dr[2, 0])
    adv_dr = group_advantages(rewards, scale_by_std=False).reshape(-1)
    assert torch.allclose(g_dr, -adv_dr[:, None] / (4 * t_max) * mask)

    # 2. What the length bias does to a length decision. Let the first token of each response choose
    #    "long" with probability σ(φ), one parameter for right answers (φ_R) and one for wrong (φ_W), at
    #    φ = 0 so all four responses are equally likely. Gradient descent on GRPO's loss moves φ_W up
    #    (longer wrong answers) and φ_R down (shorter right answers); Dr. GRPO's gradient is exactly zero.
    for loss_name in ("grpo", "dr_grpo"):
        phi = torch.zeros(2, dtype=dt, requires_grad=True)  # (φ_R, φ_W)
        which = torch.tensor([0, 0, 1, 1])  # responses 0, 1 are right, 2, 3 wrong
        is_long = torch.tensor([False, True, False, True])
        first = torch.where(is_long, torch.nn.functional.logsigmoid(phi[which]), torch.nn.functional.logsigmoid(-phi[which]))
        rest = torch.randn(4, t_max - 1, dtype=dt)  # content tokens: no dependence on φ
        lp = torch.cat([first[:, None], rest], dim=1)
        if loss_name == "grpo":
            loss = grpo_loss(lp, lp.detach(), lp.detach(), group_advantages(rewards).reshape(-1), mask, beta=0.0)
        else:
            loss = dr_grpo_loss(lp, lp.detach(), rewards, mask, max_tokens=t_max)
        (grad,) = torch.autograd.grad(loss, phi)
        if loss_name == "grpo":
            assert grad[0] > 0 and grad[1] < 0, grad  # descent: φ_R ↓ (short right), φ_W ↑ (long wrong)
        else:
            assert torch.allclose(grad, torch.zeros(2, dtype=dt), atol=1e-15), grad

    # 3. Difficulty bias. For G = 16 binary rewards with k correct, the total advantage mass Σ_i|Â_i| of a
    #    prompt is GRPO's = Dr. GRPO's × 1/std(R). That factor is the same for k = 1 (too hard) and k = 15
    #    (too easy) and about twice its value at k = 8: both extremes are up-weighted.
    g = 16
    r = (torch.arange(g)[None, :] < torch.arange(1, g)[:, None]).to(dt)  # row k−1 has k correct, k = 1..15
    mass_grpo = group_advantages(r).abs().sum(1)
    mass_dr = group_advantages(r, scale_by_std=False).abs().sum(1)
    factor = mass_grpo / mass_dr
    assert torch.allclose(factor, 1 / (r.std(dim=1) + 1e-4))
    assert torch.isclose(factor[0], factor[-1]) and factor[0] > 1.9 * factor[7]
    share = lambda mass: (mass[[0, -1]].sum() / mass.sum()).item()  # noqa: E731
    assert share(mass_grpo) > 1.5 * share(mass_dr)  # the extremes' share of the update grows under GRPO

    # 4. Without the std, the group-mean baseline is the leave-one-out (RLOO) baseline up to a constant:
    #    R_i − mean(R) = (G − 1)/G · (R_i − mean_{j≠i} R_j), so Dr. GRPO's gradient is unbiased up to scale.
    rr = torch.rand(5, 8, dtype=dt)
    loo = rr - (rr.sum(1, keepdim=True) - rr) / (rr.shape[1] - 1)
    assert torch.allclose(group_advantages(rr, scale_by_std=False), (rr.shape[1] - 1) / rr.shape[1] * loo)

    # 5. Stability: extreme log-probabilities and an empty response give a finite loss and gradient.
    big = torch.full((4, t_max), -1e4, dtype=dt, requires_grad=True)
    empty = mask.clone()
    empty[1] = 0
    out = dr_grpo_loss(big, torch.zeros(4, t_max, dtype=dt), rewards, empty, max_tokens=t_max)
    out.backward()
    assert torch.isfinite(out) and torch.isfinite(big.grad).all()
    print(f"GRPO: long-wrong token weight {(g_grpo[3, 0] / g_grpo[2, 0]).item():.2f}x short-wrong; std factor k=1/15: {factor[0]:.2f}, k=8: {factor[7]:.2f}")


if __name__ == "__main__":
    main()
