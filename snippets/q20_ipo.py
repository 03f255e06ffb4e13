"""Q20 · IPO: a squared loss whose optimum stays finite when preferences are deterministic.

Azar et al. 2023 (arXiv:2310.12036), eq. 17. Write the log-ratio margin of a pair as

    h_θ(x, y_w, y_l) = log [ π_θ(y_w|x) π_ref(y_l|x) ] / [ π_θ(y_l|x) π_ref(y_w|x) ].

DPO minimises −log σ(β h); IPO minimises (h − 1/(2β))² (the paper calls the regulariser τ; TRL calls it β).
On a pair that is preferred with probability p, the population minimisers are

    DPO:  β h* = logit(p)         → +∞ when p = 1 (deterministic preferences)
    IPO:  h*   = (p − 1/2) / β    → 1/(2β) when p = 1.

So on deterministic preferences DPO's margin grows without bound while its gradient vanishes (sigmoid
saturation, not a blow-up), and the β-KL anchor stops mattering; IPO's margin settles at 1/(2β).
Label-noise robustness is a different fix: conservative DPO (label smoothing, Mitchell 2023) and
robust DPO (Chowdhury et al. 2024, arXiv:2403.00409), both also here for comparison.

Run: ``python -m snippets.q20_ipo``
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from snippets.q14_dpo_derivation import dpo_loss, implicit_reward

PairLoss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, float], torch.Tensor]


def log_ratio_margin(
    policy_chosen_logp: torch.Tensor,
    policy_rejected_logp: torch.Tensor,
    ref_chosen_logp: torch.Tensor,
    ref_rejected_logp: torch.Tensor,
) -> torch.Tensor:
    """IPO's h = log π_θ(y_w)/π_ref(y_w) − log π_θ(y_l)/π_ref(y_l) (Azar et al. 2023), shape (B,).

    All four arguments are sequence log-probabilities of shape (B,). DPO's logit is β·h.
    """
    shapes = {tuple(t.shape) for t in (policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp)}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        raise ValueError(
            "the four log-probabilities must all have shape (B,), got "
            f"{[tuple(t.shape) for t in (policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp)]}"
        )
    # h = (log π_θ(y_w) − log π_ref(y_w)) − (log π_θ(y_l) − log π_ref(y_l))
    return implicit_reward(policy_chosen_logp, ref_chosen_logp, 1.0) - implicit_reward(policy_rejected_logp, ref_rejected_logp, 1.0)


def ipo_loss(
    policy_chosen_logp: torch.Tensor,
    policy_rejected_logp: torch.Tensor,
    ref_chosen_logp: torch.Tensor,
    ref_rejected_logp: torch.Tensor,
    beta: float = 0.1,
) -> torch.Tensor:
    """Per-pair IPO loss (h − 1/(2β))² (Azar et al. 2023, eq. 17, with τ written β).

    Args:
        policy_chosen_logp: log π_θ(y_w|x), shape (B,). TRL passes the *token-averaged* log-probability
            here for IPO; the paper uses the summed one.
        policy_rejected_logp: log π_θ(y_l|x), shape (B,).
        ref_chosen_logp: log π_ref(y_w|x), shape (B,).
        ref_rejected_logp: log π_ref(y_l|x), shape (B,).
        beta: regularisation strength β = τ > 0; the target margin is 1/(2β).

    Returns:
        loss per pair, shape (B,). Bounded below by 0 and minimised at h = 1/(2β).
    """
    if beta <= 0:
        raise ValueError(f"beta must be positive, got {beta}")
    # --8<-- [start:ipo]
    # h = log [π_θ(y_w) π_ref(y_l)] / [π_θ(y_l) π_ref(y_w)]
    h = log_ratio_margin(policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp)
    # L_IPO = (h − 1/(2β))²: a regression onto a finite target margin, not a classification
    return (h - 1.0 / (2.0 * beta)) ** 2
    # --8<-- [end:ipo]


def conservative_dpo_loss(
    policy_chosen_logp: torch.Tensor,
    policy_rejected_logp: torch.Tensor,
    ref_chosen_logp: torch.Tensor,
    ref_rejected_logp: torch.Tensor,
    beta: float = 0.1,
    label_smoothing: float = 0.1,
) -> torch.Tensor:
    """Conservative DPO (cDPO, Mitchell 2023): DPO with labels flipped with probability ε, shape (B,).

    L = (1 − ε)·(−log σ(βh)) + ε·(−log σ(−βh)); on p = 1 data its minimiser βh* = logit(1 − ε) is finite.
    Not available in TRL 1.16, whose ``"sigmoid"`` loss ignores ``label_smoothing``.
    """
    if not 0 <= label_smoothing < 0.5:
        raise ValueError(f"label_smoothing must be in [0, 0.5), got {label_smoothing}")
    h = log_ratio_margin(policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp)
    # --8<-- [start:cdpo]
    # L_cDPO = −(1 − ε) log σ(βh) − ε log σ(−βh)
    return -(1 - label_smoothing) * F.logsigmoid(beta * h) - label_smoothing * F.logsigmoid(-beta * h)
    # --8<-- [end:cdpo]


def robust_dpo_loss(
    policy_chosen_logp: torch.Tensor,
    policy_rejected_logp: torch.Tensor,
    ref_chosen_logp: torch.Tensor,
    ref_rejected_logp: torch.Tensor,
    beta: float = 0.1,
    label_smoothing: float = 0.1,
) -> torch.Tensor:
    """Robust DPO (rDPO, Chowdhury et al. 2024, arXiv:2403.00409), shape (B,).

    L = [(1 − ε)·(−log σ(βh)) − ε·(−log σ(−βh))] / (1 − 2ε): an unbiased estimate of the *clean* DPO
    loss when each label was flipped with known probability ε. TRL: ``loss_type="robust"``.
    """
    if not 0 <= label_smoothing < 0.5:
        raise ValueError(f"label_smoothing must be in [0, 0.5), got {label_smoothing}")
    h = log_ratio_margin(policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp)
    # L_rDPO = [−(1 − ε) log σ(βh) + ε log σ(−βh)] / (1 − 2ε)
    return (-(1 - label_smoothing) * F.logsigmoid(beta * h) + label_smoothing * F.logsigmoid(-beta * h)) / (1 - 2 * label_smoothing)


def train_on_deterministic_pair(loss_fn: PairLoss, beta: float = 0.5, steps: int = 600, lr: float = 0.3) -> torch.Tensor:
    """Gradient descent on one pair that is *always* preferred (p = 1), from π_θ = π_ref.

    The policy is a softmax over two responses, y_w = 0 and y_l = 1, with a uniform reference. The
    gradient of the pair loss is exact (the population gradient under p = 1).

    Args:
        loss_fn: a pair loss with the signature of :func:`ipo_loss` or ``dpo_loss``.
        beta: β passed to the loss.
        steps: number of gradient steps.
        lr: step size (IPO is stable for lr < 1/2 on this problem: h moves by −4·lr·(h − 1/(2β))).

    Returns:
        the margin h_t after each step, shape (steps + 1,), starting at h_0 = 0.
    """
    logits = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    ref = torch.log(torch.full((1,), 0.5, dtype=torch.float64))
    margins = torch.empty(steps + 1, dtype=torch.float64)
    for t in range(steps + 1):
        logp = torch.log_softmax(logits, -1)
        margins[t] = (logp[0] - logp[1]).detach()
        if t == steps:
            break
        loss = loss_fn(logp[:1], logp[1:], ref, ref, beta).sum()
        (grad,) = torch.autograd.grad(loss, logits)
        with torch.no_grad():
            logits -= lr * grad
    return margins


def main() -> None:
    torch.manual_seed(0)
    beta = 0.5  # DPO's TL;DR value; at 0.1 the picture is the same, only slower
    target = 1.0 / (2.0 * beta)
    zero = torch.zeros(1, dtype=torch.float64)

    def population(loss_fn: PairLoss, h: torch.Tensor, p: float) -> torch.Tensor:
        # With probability p the pair is labelled (y, y'), margin h; otherwise (y', y), margin −h.
        return p * loss_fn(h, zero, zero, zero, beta) + (1 - p) * loss_fn(-h, zero, zero, zero, beta)

    def slope(loss_fn: PairLoss, h: float, p: float) -> float:
        hh = torch.tensor([h], dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(population(loss_fn, hh, p).sum(), hh)
        return g.item()

    # 1. Population minimisers. IPO: h* = (p − 1/2)/β, finite for every p including p = 1 (h* = 1/(2β)).
    for p in (0.6, 0.8, 0.95, 1.0):
        h_star = (p - 0.5) / beta
        assert abs(slope(ipo_loss, h_star, p)) < 1e-12
        assert slope(ipo_loss, h_star - 0.1, p) < 0 < slope(ipo_loss, h_star + 0.1, p)
    # DPO: β h* = logit(p) for p < 1 ...
    for p in (0.6, 0.8, 0.95):
        assert abs(slope(dpo_loss, torch.logit(torch.tensor(p, dtype=torch.float64)).item() / beta, p)) < 1e-12
    # ... and for p = 1 the slope is negative at every finite margin: there is no minimiser to reach.
    assert all(slope(dpo_loss, m / beta, 1.0) < 0 for m in (0.0, 1.0, 10.0, 30.0))

    # 2. Training on deterministic preferences: IPO's margin converges to 1/(2β); DPO's keeps growing
    #    while its gradient vanishes (saturation, not a gradient blow-up).
    h_ipo = train_on_deterministic_pair(ipo_loss, beta)
    h_dpo = train_on_deterministic_pair(dpo_loss, beta)
    assert torch.isfinite(h_ipo).all() and torch.isfinite(h_dpo).all()
    assert abs(h_ipo[-1].item() - target) < 1e-9
    assert h_dpo[-1] > 5 * target  # already five times IPO's margin ...
    assert (h_dpo[1:] > h_dpo[:-1]).all()  # ... and still rising at every step
    g_first, g_last = slope(dpo_loss, h_dpo[0].item(), 1.0), slope(dpo_loss, h_dpo[-1].item(), 1.0)
    assert abs(g_last) < 0.1 * abs(g_first)  # the push is fading, not exploding
    # The β-KL anchor is ignored: π_θ(y_l) under DPO is driven far below IPO's e^{-1/(2β)}-scaled value.
    assert torch.sigmoid(-h_dpo[-1]) < 0.01 * torch.sigmoid(-h_ipo[-1])

    # 3. Label noise is a different problem. cDPO's minimiser on p = 1 labels is finite: βh* = logit(1 − ε).
    eps = 0.1
    cdpo = lambda a, b, c, d, bt: conservative_dpo_loss(a, b, c, d, bt, eps)  # noqa: E731
    assert abs(slope(cdpo, torch.logit(torch.tensor(1 - eps, dtype=torch.float64)).item() / beta, 1.0)) < 1e-12
    # rDPO is unbiased for the *clean* DPO loss: averaged over labels flipped with probability ε, it equals
    # DPO on the clean labels at every margin, so on clean p = 1 data its optimum is still at +∞.
    rdpo = lambda a, b, c, d, bt: robust_dpo_loss(a, b, c, d, bt, eps)  # noqa: E731
    grid = torch.linspace(-40, 40, 81, dtype=torch.float64)
    noisy = (1 - eps) * rdpo(grid, zero.expand(81), zero.expand(81), zero.expand(81), beta) + eps * rdpo(-grid, zero.expand(81), zero.expand(81), zero.expand(81), beta)
    clean = dpo_loss(grid, zero.expand(81), zero.expand(81), zero.expand(81), beta)
    assert torch.allclose(noisy, clean, atol=1e-12)

    # 4. Stability: extreme log-probabilities give a finite loss and gradient.
    big = torch.tensor([1e4, -1e4], dtype=torch.float64, requires_grad=True)
    out = ipo_loss(big, -big, torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64), beta)
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(big.grad).all()
    print(f"IPO margin -> {h_ipo[-1].item():.6f} = 1/(2 beta); DPO margin after {len(h_dpo) - 1} steps = {h_dpo[-1].item():.1f} and rising")


if __name__ == "__main__":
    main()
