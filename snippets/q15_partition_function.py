"""Q15 · Why the partition function cancels in DPO — and where it would not.

Rafailov et al. 2023 (arXiv:2305.18290), eqs. 4–6 and Lemmas 1–2 / Theorem 1. Inverting the RLHF optimum gives
r(x, y) = β log π*(y|x)/π_ref(y|x) + β log Z(x). Z(x) depends on the prompt only, so in the Bradley–Terry
difference r(x, y_w) − r(x, y_l) of two responses *to the same prompt* it cancels exactly. More generally,
adding any prompt-only term c(x) to the reward changes neither the within-prompt preferences nor the
optimal policy: rewards come in equivalence classes, and β log π/π_ref is the member with Z(x) = 1.
Compare responses to *different* prompts and the β log Z(x) terms no longer cancel.

Run: ``python -m snippets.q15_partition_function``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import log_partition, optimal_policy
from snippets.q14_dpo_derivation import dpo_loss, implicit_reward


def within_prompt_margins(reward: torch.Tensor) -> torch.Tensor:
    """All within-prompt reward differences r(x, y_i) − r(x, y_j).

    Args:
        reward: shape (N, K): N prompts, K candidate responses each.

    Returns:
        shape (N, K, K), entry [n, i, j] = r(x_n, y_i) − r(x_n, y_j). Any c(x_n) added to row n cancels.
    """
    if reward.dim() != 2:
        raise ValueError(f"reward must have shape (N, K), got {tuple(reward.shape)}")
    # Δ_n[i, j] = r(x_n, y_i) − r(x_n, y_j)
    return reward.unsqueeze(-1) - reward.unsqueeze(-2)


def main() -> None:
    torch.manual_seed(0)
    n, k, beta = 5, 6, 0.5
    dt = torch.float64
    # Prompts with very different reward scales, so that their partition functions differ a lot.
    pi_ref = torch.softmax(2 * torch.randn(n, k, dtype=dt), -1)
    reward = torch.randn(n, k, dtype=dt) + 3 * torch.randn(n, 1, dtype=dt)
    pi_star = optimal_policy(pi_ref, reward, beta)
    log_z = log_partition(pi_ref, reward, beta)  # (N,)
    assert log_z.max() - log_z.min() > 1.0, "the toy needs prompts with clearly different Z(x)"

    # 1. The implicit reward of π* equals r − β log Z(x): a different shift for every prompt.
    r_hat = implicit_reward(pi_star.log(), pi_ref.log(), beta)  # (N, K)
    assert torch.allclose(r_hat, reward - beta * log_z.unsqueeze(-1), atol=1e-10)

    # 2. Within a prompt the shift cancels: every pairwise margin of r̂ equals that of r, so the DPO
    #    likelihood built from π* reproduces the Bradley–Terry probability σ(r_i − r_j) for all pairs.
    assert torch.allclose(within_prompt_margins(r_hat), within_prompt_margins(reward), atol=1e-10)
    i, j = torch.triu_indices(k, k, offset=1)
    logp, ref_logp = pi_star.log(), pi_ref.log()
    p_dpo = torch.exp(-dpo_loss(logp[:, i].flatten(), logp[:, j].flatten(), ref_logp[:, i].flatten(), ref_logp[:, j].flatten(), beta))
    p_bt = torch.sigmoid(reward[:, i] - reward[:, j]).flatten()
    assert torch.allclose(p_dpo, p_bt, atol=1e-12)

    # 3. Equivalence classes (DPO Lemmas 1–2): add an arbitrary prompt-only term c(x). The within-prompt
    #    preferences and the optimal policy are unchanged, while log Z(x) absorbs exactly c(x)/β.
    c = 10 * torch.randn(n, 1, dtype=dt)
    assert torch.allclose(within_prompt_margins(reward + c), within_prompt_margins(reward), atol=1e-10)
    assert torch.allclose(optimal_policy(pi_ref, reward + c, beta), pi_star, atol=1e-12)
    assert torch.allclose(log_partition(pi_ref, reward + c, beta), log_z + c.squeeze(-1) / beta, atol=1e-10)

    # 4. Theorem 1's representative: r − β log Z(x) is the member of the class whose own partition
    #    function is 1, and it is exactly the implicit reward β log π*/π_ref.
    r_canonical = reward - beta * log_z.unsqueeze(-1)
    assert torch.allclose(log_partition(pi_ref, r_canonical, beta), torch.zeros(n, dtype=dt), atol=1e-10)

    # 5. Across prompts the cancellation fails: r̂(x_a, y) − r̂(x_b, y') is off from the true difference
    #    by β(log Z(x_b) − log Z(x_a)), so the implicit reward cannot rank responses to different prompts.
    a, b = int(log_z.argmax()), int(log_z.argmin())
    cross_true = reward[a].unsqueeze(-1) - reward[b].unsqueeze(-2)  # (K, K)
    cross_hat = r_hat[a].unsqueeze(-1) - r_hat[b].unsqueeze(-2)
    gap = beta * (log_z[b] - log_z[a])
    assert torch.allclose(cross_hat - cross_true, gap.expand(k, k), atol=1e-10)
    assert gap.abs() > 0.5
    # The induced cross-prompt "preference" probabilities disagree with Bradley–Terry on r.
    assert (torch.sigmoid(cross_hat) - torch.sigmoid(cross_true)).abs().max() > 0.05
    print(f"log Z(x) spans {log_z.min().item():.2f}..{log_z.max().item():.2f}; within-prompt margins exact; "
          f"cross-prompt offset beta*dlogZ = {gap.item():.3f}")


if __name__ == "__main__":
    main()
