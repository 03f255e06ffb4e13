"""Q85 · A staged post-training recipe composes: each stage anchored to the previous checkpoint adds its reward.

Frontier recipes run several KL-regularised stages in sequence — e.g. Tülu 3 (Lambert et al. 2024,
arXiv:2411.15124): SFT → DPO on preferences → RLVR (PPO against verifiers); DeepSeek-R1
(arXiv:2501.12948): cold-start SFT → reasoning RL → rejection sampling + SFT → RL for all scenarios.
If stage k solves max E[r_k] − β_k KL(π ‖ π_{k−1}) exactly (Q5; DPO reaches the same optimum, Q14), then

    π_1 ∝ π_0 e^{r_1/β_1},  π_2 ∝ π_1 e^{r_2/β_2} = π_0 e^{r_1/β_1 + r_2/β_2} / Z,

so the recipe is ONE KL-regularised problem against the SFT model with the summed reward
r_1/β_1 + r_2/β_2: the stages' rewards add, and the KL to the SFT model is that of the combined tilt.
Anchoring the last stage to the SFT model instead would discard everything the earlier stages learned.

Run: ``python -m snippets.q85_frontier_recipe``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import optimal_policy


def staged_policy(pi_sft: torch.Tensor, rewards: list[torch.Tensor], betas: list[float], anchor: str = "previous") -> torch.Tensor:
    """Run KL-regularised stages in sequence on a bandit, each solved exactly (Q5's closed form).

    Args:
        pi_sft: the SFT model's distribution, shape (K,).
        rewards: one reward vector per stage (a preference reward model, a verifier, ...), each shape (K,).
        betas: the KL coefficient of each stage.
        anchor: ``"previous"`` — stage k's reference is stage k−1's output (the usual recipe);
            ``"sft"`` — every stage is anchored to the SFT model.

    Returns:
        the final policy, shape (K,).
    """
    if len(rewards) != len(betas) or not rewards:
        raise ValueError("need one beta per stage and at least one stage")
    if anchor not in ("previous", "sft"):
        raise ValueError(f"anchor must be 'previous' or 'sft', got {anchor!r}")
    pi = pi_sft
    for r, b in zip(rewards, betas):
        # π_k = π_ref exp(r_k/β_k)/Z, with π_ref = π_{k−1} or π_SFT
        pi = optimal_policy(pi if anchor == "previous" else pi_sft, r, b)
    return pi


def main() -> None:
    torch.manual_seed(0)
    k = 12
    dt = torch.float64
    pi_sft = torch.softmax(torch.randn(k, dtype=dt), -1)
    preference_rm = torch.randn(k, dtype=dt)  # stage 2: DPO / RLHF on general preferences
    verifier = (torch.arange(k) % 4 == 0).to(dt)  # stage 3: RLVR, 1 if the answer checks out
    betas = [0.5, 0.25]

    chained = staged_policy(pi_sft, [preference_rm, verifier], betas)
    # 1. The chain equals one KL-regularised problem against the SFT model with the summed, scaled reward.
    combined = preference_rm / betas[0] + verifier / betas[1]
    assert torch.allclose(chained, optimal_policy(pi_sft, combined, 1.0), atol=1e-12)
    # ... so the order of the stages does not matter for the exact end point.
    assert torch.allclose(staged_policy(pi_sft, [verifier, preference_rm], betas[::-1]), chained, atol=1e-12)

    # 2. Both stages' effects survive: versus the SFT model, the final policy is more often verified
    #    correct AND has a higher preference reward than the RLVR stage alone would give.
    rlvr_only = optimal_policy(pi_sft, verifier, betas[1])
    assert (chained * verifier).sum() > (pi_sft * verifier).sum() + 0.3
    assert (chained * preference_rm).sum() > (rlvr_only * preference_rm).sum() + 0.2

    # 3. Anchoring the last stage to the SFT model instead forgets the preference stage entirely.
    forgetful = staged_policy(pi_sft, [preference_rm, verifier], betas, anchor="sft")
    assert torch.allclose(forgetful, rlvr_only, atol=1e-12)
    print("stages anchored to the previous checkpoint compose: pi_final = pi_SFT * exp(r1/b1 + r2/b2) / Z")


if __name__ == "__main__":
    main()
