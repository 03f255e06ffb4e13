"""Q22 · ORPO: SFT plus an odds-ratio penalty, in one stage and without a reference model.

Hong, Lee & Thorne 2024 (arXiv:2403.07691). With the length-normalised likelihood
P_θ(y|x) = exp( (1/|y|) Σ_t log π_θ(y_t | x, y_<t) ) and odds_θ(y|x) = P_θ(y|x) / (1 − P_θ(y|x)),

    L_ORPO = E[ L_SFT + λ · L_OR ],   L_SFT = −(1/|y_w|) log π_θ(y_w|x),
    L_OR   = −log σ( log odds_θ(y_w|x) − log odds_θ(y_l|x) )                    (eq. 7).

log odds = log P − log(1 − P) is computed with log1mexp, which stays finite when P → 1 where the
naive log(1 − exp(·)) returns −inf. The paper and its code use λ = 0.1 (TRL: ``ORPOConfig.beta``).

Run: ``python -m snippets.q22_orpo``
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from snippets.q14_dpo_derivation import sequence_logprob

_LOG_HALF = -math.log(2.0)


def average_logprob(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Length-normalised log-likelihood (1/|y|) Σ_t log π_θ(y_t | x, y_<t), shape (B,).

    Args:
        logits: next-token logits, shape (B, T, V), aligned so that ``logits[:, t]`` predicts ``labels[:, t]``.
        labels: token ids, shape (B, T).
        mask: 1 for response tokens, 0 elsewhere, shape (B, T). An empty row gives 0.

    Returns:
        the mean per-token log-probability of each response, shape (B,). ORPO's log P_θ(y|x), SimPO's
        reward up to β, and TRL's IPO input.
    """
    # (1/|y|) Σ_t log π_θ(y_t|·); |y| clamped to 1 so that an empty row divides 0 by 1
    return sequence_logprob(logits, labels, mask) / mask.to(logits.dtype).sum(dim=-1).clamp_min(1)


def log1mexp(x: torch.Tensor) -> torch.Tensor:
    """log(1 − e^x) for x ≤ 0, accurate everywhere (Mächler 2012), same shape as ``x``.

    Uses log(−expm1(x)) for x > −log 2 (where 1 − e^x cancels catastrophically) and log1p(−e^x) below.
    Each branch only ever sees inputs from its own safe range, so gradients are finite too.
    """
    if (x > 0).any():
        raise ValueError("log1mexp needs x <= 0 (a log-probability)")
    # x > −log 2:  log(1 − e^x) = log(−expm1(x))
    near_zero = torch.log(-torch.expm1(x.clamp(min=_LOG_HALF)))
    # x ≤ −log 2:  log(1 − e^x) = log1p(−e^x)
    far = torch.log1p(-torch.exp(x.clamp(max=_LOG_HALF)))
    return torch.where(x > _LOG_HALF, near_zero, far)


def log_odds(avg_logp: torch.Tensor) -> torch.Tensor:
    """log odds_θ(y|x) = log P − log(1 − P) from log P = the length-normalised log-probability, shape of input.

    log P is clamped to ≤ −(smallest normal number) so that P = 1 exactly (an empty response) gives a large
    finite value instead of +∞.
    """
    tiny = torch.finfo(avg_logp.dtype).tiny
    avg_logp = avg_logp.clamp(max=-tiny)
    # log odds = log P − log(1 − P) = log P − log1mexp(log P)
    return avg_logp - log1mexp(avg_logp)


def orpo_loss(chosen_avg_logp: torch.Tensor, rejected_avg_logp: torch.Tensor, lam: float = 0.1) -> torch.Tensor:
    """Per-pair ORPO loss L_SFT + λ·L_OR (Hong et al. 2024; eq. 7 for L_OR). No reference model.

    Args:
        chosen_avg_logp: length-normalised log π_θ(y_w|x), shape (B,) (see :func:`average_logprob`).
        rejected_avg_logp: length-normalised log π_θ(y_l|x), shape (B,).
        lam: λ, the weight of the odds-ratio term (paper: 0.1).

    Returns:
        loss per pair, shape (B,): the chosen response's mean token NLL plus λ times the odds-ratio loss.
    """
    if chosen_avg_logp.shape != rejected_avg_logp.shape or chosen_avg_logp.dim() != 1:
        raise ValueError(f"need two (B,) tensors, got {tuple(chosen_avg_logp.shape)} and {tuple(rejected_avg_logp.shape)}")
    # --8<-- [start:orpo]
    # L_SFT = −(1/|y_w|) log π_θ(y_w|x): ordinary SFT on the chosen response
    sft = -chosen_avg_logp
    # L_OR = −log σ(log odds(y_w) − log odds(y_l)), odds = P/(1 − P) of the length-normalised likelihood
    odds_ratio = -F.logsigmoid(log_odds(chosen_avg_logp) - log_odds(rejected_avg_logp))
    # L_ORPO = L_SFT + λ L_OR
    return sft + lam * odds_ratio
    # --8<-- [end:orpo]


def main() -> None:
    torch.manual_seed(0)
    f64 = dict(dtype=torch.float64)

    # 1. log1mexp is accurate where the naive form breaks. For tiny |x|, log(1 − e^x) = log(−x) + x/2 + x²/24 + …;
    #    for very negative x it is log1p(−e^x) (Python's math module as the reference).
    xs = torch.tensor([-1e-20, -1e-10, -1e-5], **f64)
    taylor = torch.log(-xs) + xs / 2 + xs**2 / 24
    assert torch.allclose(log1mexp(xs), taylor, rtol=1e-14, atol=0)
    far = torch.tensor([-1.0, -50.0, -700.0], **f64)
    assert torch.allclose(log1mexp(far), torch.tensor([math.log1p(-math.exp(v)) for v in far.tolist()], **f64), rtol=1e-14, atol=1e-300)
    # The naive forms (including log1p(−exp(x)), the form ORPO's reference code uses) return −inf here.
    assert torch.isinf(torch.log(1 - torch.exp(xs[:1]))) and torch.isinf(torch.log1p(-torch.exp(xs[:1])))
    x32 = torch.tensor([-1e-8], dtype=torch.float32, requires_grad=True)
    log1mexp(x32).sum().backward()
    assert torch.isfinite(log1mexp(x32.detach())).all() and torch.isfinite(x32.grad).all()

    # 2. The gradient has the paper's form: ∂L_OR/∂log P_w = −δ/(1 − P_w), ∂L_OR/∂log P_l = +δ/(1 − P_l),
    #    with δ = [1 + odds(y_w)/odds(y_l)]^(−1) (Hong et al. 2024's gradient analysis), checked against autograd.
    lw = (-torch.rand(16, **f64) * 3 - 0.05).requires_grad_(True)
    ll = (-torch.rand(16, **f64) * 3 - 0.05).requires_grad_(True)
    lam = 0.1
    (orpo_loss(lw, ll, lam) + lw).sum().backward()  # remove L_SFT's −1 so only λ·L_OR is left in lw.grad
    pw, pl = lw.detach().exp(), ll.detach().exp()
    delta = 1.0 / (1.0 + (pw / (1 - pw)) / (pl / (1 - pl)))
    assert torch.allclose(lw.grad, -lam * delta / (1 - pw)) and torch.allclose(ll.grad, lam * delta / (1 - pl))

    # 3. Length normalisation: a response twice as long with the same per-token log-probs has the same P,
    #    hence the same odds and the same loss; the summed log-probability doubles.
    logits = torch.randn(1, 1, 5, **f64).expand(2, 8, 5)
    labels = torch.full((2, 8), 3)
    mask = torch.tensor([[1] * 4 + [0] * 4, [1] * 8], **f64)
    avg, total = average_logprob(logits, labels, mask), sequence_logprob(logits, labels, mask)
    assert torch.isclose(avg[0], avg[1]) and torch.isclose(total[1], 2 * total[0])
    assert average_logprob(logits, labels, torch.zeros_like(mask)).eq(0).all()  # empty rows: 0, not NaN

    # 4. Why the odds-ratio term: on a unigram toy where y_w = (a, a, b) and y_l = (a, a, c) share most tokens,
    #    SFT alone first *raises* the rejected response's likelihood; λ = 0.1 of L_OR ends with the rejected
    #    response clearly less likely than SFT leaves it, at no cost to the chosen one. No reference model.
    chosen, rejected = torch.tensor([0, 0, 1]), torch.tensor([0, 0, 2])

    def train(lam_: float, steps: int = 80, lr: float = 1.5) -> tuple[list[float], float, float]:
        theta = torch.zeros(4, **f64, requires_grad=True)
        rej_traj = []
        for _ in range(steps):
            logp = torch.log_softmax(theta, -1)
            cw, cl = logp[chosen].mean().reshape(1), logp[rejected].mean().reshape(1)
            rej_traj.append(cl.item())
            (g,) = torch.autograd.grad(orpo_loss(cw, cl, lam_).sum(), theta)
            with torch.no_grad():
                theta -= lr * g
        logp = torch.log_softmax(theta, -1)
        return rej_traj, logp[chosen].mean().item(), logp[rejected].mean().item()

    sft_traj, sft_w, sft_l = train(0.0)
    _, orpo_w, orpo_l = train(0.1)
    assert max(sft_traj) > sft_traj[0] + 0.1  # SFT drags the similar rejected response up at first
    assert orpo_l < sft_l - 0.1 and orpo_w > sft_w - 0.01
    big = orpo_loss(torch.tensor([-1e4, -1e-30], **f64), torch.tensor([-1e-30, -1e4], **f64))
    assert torch.isfinite(big).all()
    print(f"ORPO: rejected mean log-prob {orpo_l:.3f} vs SFT's {sft_l:.3f}; chosen {orpo_w:.3f} vs {sft_w:.3f}")


if __name__ == "__main__":
    main()
