"""Q56 · Self-Rewarding Language Models: generate, judge yourself, pair best with worst, DPO, repeat.

Yuan et al. 2024 (arXiv:2401.10020): the model M_t samples N candidate responses per prompt, scores each with
an LLM-as-a-Judge prompt (an additive 5-point rubric), takes the highest- and lowest-scoring candidates as a
preference pair (dropping ties), and trains M_{t+1} from M_t with DPO on those pairs. Policy and judge are
the same model. Here the pair distribution is computed exactly for a bandit, the DPO rounds reuse the loop
of Q58, and the judge is frozen to isolate one risk: whatever the judge over-rewards, every round pushes
further, because each round starts from — and is anchored to — the previous model.

Run: ``python -m snippets.q56_self_rewarding``
"""

from __future__ import annotations

import collections

import torch

from snippets.q58_online_dpo import iterative_dpo


def best_worst_pairs(pi: torch.Tensor, scores: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Exact distribution of (highest-scored, lowest-scored) among n i.i.d. samples from π, ties dropped.

    With responses sorted by score and F(a, b) = (Σ_{b ≤ rank ≤ a} π)^n the probability that every sample lies in
    rank range [b, a], P(max rank = a, min rank = b) = F(a, b) − F(a−1, b) − F(a, b+1) + F(a−1, b+1).

    Args:
        pi: sampling distribution over K responses, shape (K,).
        scores: the judge's score of each response, shape (K,); must be distinct.
        n: candidates sampled per prompt (n ≥ 2).

    Returns:
        winners, losers, weights, each shape (K(K−1)/2,): the pair (best, worst) for every a > b, with weights
        normalised over the pairs that are not ties (a tie means all n samples were the same response).
    """
    if pi.shape != scores.shape or pi.dim() != 1:
        raise ValueError(f"pi {tuple(pi.shape)} and scores {tuple(scores.shape)} must both be (K,)")
    if n < 2 or scores.unique().numel() != scores.numel():
        raise ValueError("need n >= 2 and distinct scores")
    k = pi.shape[0]
    order = torch.argsort(scores)
    cum = torch.cat([pi.new_zeros(1), pi[order].cumsum(0)])
    a, b = torch.arange(k).view(-1, 1), torch.arange(k).view(1, -1)

    def in_range(hi: torch.Tensor, lo: torch.Tensor) -> torch.Tensor:
        # F(hi, lo) = (mass of ranks lo..hi)^n, and 0 for an empty range
        mass = cum[(hi + 1).clamp(0, k)] - cum[lo.clamp(0, k)]
        return torch.where(hi >= lo, mass.clamp_min(0) ** n, pi.new_zeros(()))

    joint = in_range(a, b) - in_range(a - 1, b) - in_range(a, b + 1) + in_range(a - 1, b + 1)
    hi, lo = torch.meshgrid(torch.arange(k), torch.arange(k), indexing="ij")
    keep = hi > lo
    weights = joint[keep]
    return order[hi[keep]], order[lo[keep]], weights / weights.sum().clamp_min(1e-300)


def main() -> None:
    torch.manual_seed(0)
    dt = torch.float64
    # Four kinds of answer: A is the best; B is decent but padded, and the judge over-rewards padding.
    quality = torch.tensor([1.0, 0.7, 0.0, -0.5], dtype=dt)  # A, B, C, D
    judge_bias = torch.tensor([0.0, 0.6, 0.0, 0.2], dtype=dt)
    m0 = torch.tensor([0.2, 0.05, 0.5, 0.25], dtype=dt)  # the SFT model M1 rarely pads

    # 1. The exact pair distribution matches simulation of "sample 4, keep best and worst, drop ties".
    scores = quality + judge_bias
    w, l, p = best_worst_pairs(m0, scores, 4)
    draws = torch.multinomial(m0, 4 * 50_000, replacement=True).view(-1, 4)
    ranked = scores[draws]
    best = draws.gather(1, ranked.argmax(1, keepdim=True)).squeeze(1)
    worst = draws.gather(1, ranked.argmin(1, keepdim=True)).squeeze(1)
    kept = best != worst
    counts = collections.Counter(zip(best[kept].tolist(), worst[kept].tolist()))
    empirical = torch.tensor([counts[(i, j)] for i, j in zip(w.tolist(), l.tolist())], dtype=dt) / kept.sum()
    assert (empirical - p).abs().max() < 0.01

    # 2. Rounds M1 → M2 → … with each round's model as the next round's start and reference.
    def loop(judge: torch.Tensor) -> list[torch.Tensor]:
        return iterative_dpo(m0.log(), lambda pi: best_worst_pairs(pi, judge, 4), rounds=6, steps=30, beta=0.1, lr=1.0, refresh_reference=True)

    honest = loop(quality)
    true_honest = torch.stack([(pi * quality).sum() for pi in honest])
    assert (true_honest[1:] >= true_honest[:-1]).all() and true_honest[-1] > 0.99  # an unbiased judge: steady gains

    biased = loop(scores)
    true_biased = torch.stack([(pi * quality).sum() for pi in biased])
    judged_biased = torch.stack([(pi * scores).sum() for pi in biased])
    assert (judged_biased[1:] > judged_biased[:-1]).all()  # the self-reward rises every round...
    assert true_biased[0] > (m0 * quality).sum() + 0.2  # ...the first rounds really help...
    assert true_biased.max() > true_biased[-1] + 0.15  # ...then true quality falls
    assert biased[-1][1] > 0.9  # as the judge's favourite (padded B) takes over
    print("true quality per round, biased judge: " + ", ".join(f"{x:.2f}" for x in true_biased.tolist()))


if __name__ == "__main__":
    main()
