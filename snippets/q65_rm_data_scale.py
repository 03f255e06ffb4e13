"""Q65 · Reward-model data scale: count prompts, rankings and pairs separately.

InstructGPT (Ouyang et al. 2022, arXiv:2203.02155, §3.5, eq. 1) shows labelers K = 4..9 responses per
prompt and ranks them; one ranking yields C(K, 2) pairwise comparisons, and the reward-model loss
averages over all of them as ONE batch element (the loss itself lives in Q4: ``ranking_loss``).

So InstructGPT's ~33k RM prompts are between 6 · 33k and 36 · 33k pairs, and the 1/C(K,2) weighting
makes every prompt count once whatever its K. The facet checked here: at initialisation (all rewards
equal) the gradient on the response ranked j-th (0 = best) is

    ∂L/∂r_j = −(K − 1 − 2j) / (2 C(K,2)),

linear in rank — a Borda count — and its total size per prompt, floor(K²/2)/(K(K−1)), does not grow with K.

Run: ``python -m snippets.q65_rm_data_scale``
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from snippets.q04_reward_model_training import ranking_loss


def pairs_per_prompt(k: int) -> int:
    """Number of pairwise comparisons C(K,2) = K(K−1)/2 implied by one ranking of K responses."""
    if k < 2:
        raise ValueError(f"a ranking needs at least 2 responses, got K={k}")
    # C(K,2) = K(K−1)/2
    return k * (k - 1) // 2


def borda_gradient(k: int) -> torch.Tensor:
    """Gradient of the K-way ranking loss at equal rewards, ∂L/∂r_j = −(K−1−2j)/(2 C(K,2)), shape (K,).

    Response j = 0 is ranked best. Each pair contributes σ(0) = 1/2 with weight 1/C(K,2); response j wins
    K−1−j pairs and loses j.
    """
    # ∂L/∂r_j = −(wins_j − losses_j) / (2 C(K,2)),  wins_j − losses_j = K − 1 − 2j
    j = torch.arange(k, dtype=torch.float64)
    return -(k - 1 - 2 * j) / (2 * pairs_per_prompt(k))


def main() -> None:
    torch.manual_seed(0)
    # 1. One ranking of K responses is C(K,2) comparisons: 6 for K = 4, 36 for K = 9 ...
    assert [pairs_per_prompt(k) for k in range(4, 10)] == [math.comb(k, 2) for k in range(4, 10)] == [6, 10, 15, 21, 28, 36]
    # ... so "33k prompts" and "33k comparisons" differ by a factor between 6 and 36.
    assert (33_000 * pairs_per_prompt(4), 33_000 * pairs_per_prompt(9)) == (198_000, 1_188_000)

    for k in range(4, 10):
        # 2. At zero margin the gradient is a Borda count, linear in rank (checked against autograd) ...
        r = torch.zeros(1, k, dtype=torch.float64, requires_grad=True)
        ranking_loss(r).sum().backward()
        assert torch.allclose(r.grad[0], borda_gradient(k))
        # ... and each prompt's loss is log 2 whatever K: every prompt enters once.
        assert torch.isclose(ranking_loss(torch.zeros(1, k)), torch.tensor(math.log(2))).all()
    # The gradient's total size per prompt, floor(K²/2)/(K(K−1)), does not grow with K (it falls towards 1/2).
    norms = torch.stack([borda_gradient(k).abs().sum() for k in range(4, 10)])
    assert (norms.diff() <= 1e-12).all() and torch.allclose(norms, torch.tensor([k * k // 2 / (k * (k - 1)) for k in range(4, 10)], dtype=torch.float64))

    # 3. Shuffling the pairs as independent data points instead weights a K = 9 prompt 6 times a K = 4 one.
    pair_level = {k: -F.logsigmoid(torch.zeros(pairs_per_prompt(k))).sum() for k in (4, 9)}
    assert torch.isclose(pair_level[9] / pair_level[4], torch.tensor(6.0))

    # 4. The loss prefers the labelled order: rewards sorted best first score lower than the reverse order.
    r = torch.sort(torch.randn(1, 7), descending=True).values
    assert (ranking_loss(r) < ranking_loss(r.flip(1))).all()
    print("K-way ranking = C(K,2) pairs (6..36); eq. 1 counts each prompt once; zero-margin gradient is a Borda count")


if __name__ == "__main__":
    main()
