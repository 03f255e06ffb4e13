"""Q68 · PPO's advantage over DPO: it optimises a scalar reward on its own samples, magnitude included.

PPO maximises E_π[r] − β KL(π ‖ π_ref) for whatever scalar r it is given (a reward model, a verifier,
a sum of several) and converges towards π*_r = π_ref exp(r/β)/Z (Ouyang et al. 2022, arXiv:2203.02155;
Rafailov et al. 2023, arXiv:2305.18290, eq. 4). DPO consumes pairs. When a graded signal is binarised
into "chosen beats rejected" pairs — the usual way ratings become DPO data — only the ORDER survives:
two rewards related by any strictly increasing map produce identical pair sets, hence identical DPO
training data, yet different KL-regularised optima. Whatever DPO returns can be right for at most one.

(Coverage — DPO never moves responses outside its pairs — is Q16/Q17's facet, not repeated here.)

Run: ``python -m snippets.q68_ppo_advantage``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import optimal_policy, rlhf_objective


def binarise_to_pairs(reward: torch.Tensor) -> torch.Tensor:
    """All (winner, loser) index pairs with reward[winner] > reward[loser]; exact ties give no pair.

    Args:
        reward: scalar rewards (or ratings) of K responses to one prompt, shape (K,).

    Returns:
        LongTensor of shape (P, 2), rows sorted lexicographically.
    """
    if reward.dim() != 1 or reward.shape[0] < 2:
        raise ValueError(f"reward must have shape (K,) with K >= 2, got {tuple(reward.shape)}")
    idx = torch.arange(reward.shape[0])
    w, l = torch.meshgrid(idx, idx, indexing="ij")
    # keep (w, l) iff r_w > r_l
    keep = reward[w] > reward[l]
    return torch.stack([w[keep], l[keep]], dim=1)


def main() -> None:
    torch.manual_seed(0)
    k, beta = 8, 0.5
    pi_ref = torch.softmax(torch.randn(k, dtype=torch.float64), -1)
    r1 = torch.randn(k, dtype=torch.float64)
    r2 = torch.sinh(2 * r1)  # strictly increasing in r1: same order, very different gaps

    # 1. Binarised preference data cannot tell the two rewards apart: identical pair sets.
    pairs1, pairs2 = binarise_to_pairs(r1), binarise_to_pairs(r2)
    assert pairs1.shape[0] == k * (k - 1) // 2 and torch.equal(pairs1, pairs2)

    # 2. The optima PPO converges to differ substantially (total variation > 0.5) ...
    pi1, pi2 = optimal_policy(pi_ref, r1, beta), optimal_policy(pi_ref, r2, beta)
    assert 0.5 * (pi1 - pi2).abs().sum() > 0.5
    # ... so any single policy learned from the shared pairs is suboptimal for at least one reward.
    # For instance the r1-optimum, judged under r2, misses by more than 1 reward unit:
    gap = rlhf_objective(pi2, pi_ref, r2, beta) - rlhf_objective(pi1, pi_ref, r2, beta)
    assert gap > 1.0

    # 3. PPO's optimum sees magnitudes: doubling one reward gap moves it, with the order unchanged.
    r3 = r1.clone()
    top = int(r1.argmax())
    r3[top] += 1.0  # the best response becomes much better; every pair keeps its winner
    assert torch.equal(binarise_to_pairs(r3), pairs1)
    assert optimal_policy(pi_ref, r3, beta)[top] > pi1[top] + 0.3

    # 4. And a binary verifier reward (no pairs at all) is handled the same way: π* ∝ π_ref e^{r/β}.
    correct = (torch.arange(k) % 3 == 0).double()
    pi_v = optimal_policy(pi_ref, correct, beta)
    ratio = (pi_v / pi_ref)[correct.bool()] / (pi_v / pi_ref)[~correct.bool()].mean()
    assert torch.allclose(ratio, torch.full_like(ratio, torch.exp(torch.tensor(1 / beta)).item()))
    print("binarised pairs keep only the order of a reward; the KL-regularised optimum depends on its magnitudes")


if __name__ == "__main__":
    main()
