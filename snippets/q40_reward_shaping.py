"""Q40 · Reward shaping: length and repetition penalties on top of a learned reward — and a backfire.

Shaping adds hand-written terms to the reward the policy maximises, r_shaped(y) = r_RM(y) + Σ_j c_j(y).
Two common terms:

- repetition: (1 − #unique n-grams / #n-grams) · p with p ≤ 0, as in TRL's ``get_repetition_penalty_reward``
  (which cites Yeo et al. 2025, arXiv:2502.03373);
- overlong (DAPO, Yu et al. 2025, arXiv:2503.14476, eq. 13): 0 up to L_max − L_cache tokens, then a linear
  ramp to −1 at L_max, and −1 beyond.

A term that depends on the prompt only shifts every response equally and cannot change the optimum
π* ∝ π_ref exp(r/β); any term that helps must change it, and can therefore change it for the worse.
The toy: candidates differ in useful content and in repeated filler; the gold quality saturates with
content, the reward model also pays for raw length. Asserts: the unshaped optimum pads; a length penalty
matched to the RM's bias plus a repetition penalty removes the padding and raises gold quality; a
too-strong length penalty cuts useful content and ends below the unshaped policy.

Run: ``python -m snippets.q40_reward_shaping``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import optimal_policy
from snippets.q49_dapo import soft_overlong_punishment


def repetition_penalty(seqs: list[torch.Tensor], n: int = 3, max_penalty: float = -1.0) -> torch.Tensor:
    """Fraction of repeated n-grams times ``max_penalty``, one value per sequence, shape (B,).

    penalty(y) = (1 − #unique n-grams(y) / #n-grams(y)) · p,  p = ``max_penalty`` ≤ 0;
    sequences shorter than n get 0.
    """
    if max_penalty > 0 or n < 1:
        raise ValueError(f"need n >= 1 and max_penalty <= 0, got n={n}, max_penalty={max_penalty}")
    out = torch.zeros(len(seqs), dtype=torch.float64)
    for i, s in enumerate(seqs):
        if s.dim() != 1:
            raise ValueError(f"sequence {i} must be 1-D token ids, got shape {tuple(s.shape)}")
        if len(s) < n:
            continue
        grams = s.unfold(0, n, 1)  # (L − n + 1, n)
        # (1 − unique/total) · p
        out[i] = (1.0 - len(torch.unique(grams, dim=0)) / len(grams)) * max_penalty
    return out


def main() -> None:
    torch.manual_seed(0)
    # DAPO eq. 13 at the boundaries: 0 at L_max − L_cache, −0.5 half-way, −1 at and beyond L_max.
    assert soft_overlong_punishment(torch.tensor([80, 90, 100, 101]), 100, 20).tolist() == [0.0, -0.5, -1.0, -1.0]

    # Candidates: c useful (distinct) tokens followed by p filler tokens repeating one 3-token phrase.
    contents, paddings = [10, 40, 80, 120, 160, 200, 300], [0, 50, 100, 200, 400]
    c = torch.tensor([ci for ci in contents for _ in paddings], dtype=torch.float64)
    p = torch.tensor([pi for _ in contents for pi in paddings], dtype=torch.float64)
    seqs = [torch.cat([torch.arange(10, 10 + int(ci)), torch.tensor([1, 2, 3]).repeat(int(pi) // 3 + 1)[: int(pi)]]) for ci, pi in zip(c, p)]
    length = c + p
    gold = 1 - torch.exp(-c / 100) - 0.0005 * p  # quality saturates with content; filler mildly hurts
    rm = 1 - torch.exp(-c / 100) + 0.002 * length  # the reward model also pays for raw length
    pi_ref = torch.full_like(gold, 1 / len(gold))
    beta = 0.02

    def gold_of(reward: torch.Tensor) -> float:
        return float((optimal_policy(pi_ref, reward, beta) * gold).sum())

    def padding_of(reward: torch.Tensor) -> float:
        return float((optimal_policy(pi_ref, reward, beta) * p).sum())

    rep = repetition_penalty(seqs)
    assert rep[p == 0].eq(0).all() and (rep[p >= 100] < -0.2).all()

    unshaped = gold_of(rm)
    shaped = rm - 0.002 * length + rep  # cancel the RM's length bias, penalise repeated n-grams
    aggressive = rm - 0.01 * length  # five times the RM's bias
    # 1. The unshaped optimum pads; shaping removes the padding and raises gold quality.
    assert padding_of(rm) > 300 and padding_of(shaped) < 10
    assert gold_of(shaped) > unshaped + 0.15
    # 2. Backfire: an over-strong length penalty also cuts the useful content, below the unshaped policy.
    assert gold_of(aggressive) < unshaped - 0.2
    # 3. Shaping by a prompt-only term (here a constant) is invisible to the optimum.
    assert torch.allclose(optimal_policy(pi_ref, rm + 3.0, beta), optimal_policy(pi_ref, rm, beta))
    print(f"gold quality: unshaped {unshaped:.3f}, shaped {gold_of(shaped):.3f}, over-penalised {gold_of(aggressive):.3f}")


if __name__ == "__main__":
    main()
