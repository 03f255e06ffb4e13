"""Q71 · A mode-collapse symptom you can measure: pass@1 up, pass@k for large k down.

Mode collapse is mostly a loss of WITHIN-prompt diversity (Kirk et al. 2023, arXiv:2310.06452; entropy
and embedding diversity are Q27's facet). In tasks with a checkable answer it has a sharp signature.
For a prompt whose correct answers carry probability p under the policy, the chance that at least one
of k independent samples is correct is

    pass@k = 1 − (1 − p)^k.

Concentrating each prompt's distribution on the reward model's favourite raises p where that favourite
is right and drives p to 0 where it is wrong, so pass@1 rises while pass@k at large k FALLS below the
reference model's: the curves cross (observed for RLVR by Yue et al. 2025, arXiv:2504.13837).
The toy optimises a noisy reward with the KL-regularised optimum π_ref exp(r/β)/Z (Q5).

Run: ``python -m snippets.q71_mode_collapse_symptom``
"""

from __future__ import annotations

import torch

from snippets.q05_rlhf_objective import optimal_policy


def pass_at_k(p_correct: torch.Tensor, k: int) -> torch.Tensor:
    """Exact pass@k averaged over prompts: mean_x [1 − (1 − p(x))^k].

    Args:
        p_correct: probability that one sample for prompt x is correct, shape (N,), values in [0, 1].
        k: number of independent samples, k >= 1.

    Returns:
        scalar pass@k.
    """
    if k < 1 or p_correct.dim() != 1:
        raise ValueError(f"need k >= 1 and p_correct of shape (N,), got k={k}, shape {tuple(p_correct.shape)}")
    # pass@k = 1 − (1 − p)^k, computed as −expm1(k·log1p(−p)) for accuracy when p is tiny
    return (-torch.expm1(k * torch.log1p(-p_correct.clamp(0.0, 1.0)))).mean()


def main() -> None:
    torch.manual_seed(0)
    n_prompts, k_resp = 400, 12
    pi_ref = torch.softmax(torch.randn(n_prompts, k_resp, dtype=torch.float64), -1)
    correct = torch.zeros(n_prompts, k_resp, dtype=torch.bool)
    correct[:, :2] = True  # two correct answers per prompt (positions are arbitrary)
    proxy = correct.double() + 0.6 * torch.randn(n_prompts, k_resp, dtype=torch.float64)  # an imperfect reward model

    def stats(pi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        p = (pi * correct).sum(-1)
        entropy = -(pi * pi.clamp_min(1e-300).log()).sum(-1).mean()
        return entropy, pass_at_k(p, 1), pass_at_k(p, 64)

    h_ref, p1_ref, p64_ref = stats(pi_ref)
    h_rl, p1_rl, p64_rl = stats(optimal_policy(pi_ref, proxy, 0.05))

    # 1. Within-prompt collapse: mean per-prompt entropy loses more than 80 %.
    assert h_rl < 0.2 * h_ref
    # 2. The crossing: the optimised policy is better at k = 1 and worse at k = 64.
    assert p1_rl > p1_ref + 0.2
    assert p64_rl < p64_ref - 0.05
    # 3. Why: on prompts where the reward model's favourite is wrong, the policy's p(correct) collapses:
    #    at least 10 % of prompts end with p < 0.01 (k = 64 samples then succeed under 48 % of the time),
    #    against under 2 % under π_ref.
    p_rl = (optimal_policy(pi_ref, proxy, 0.05) * correct).sum(-1)
    p_ref = (pi_ref * correct).sum(-1)
    assert (p_rl < 0.01).double().mean() > 0.10 and (p_ref < 0.01).double().mean() < 0.02
    # ... so pass@k of the optimised policy has nearly stopped growing, while the reference's keeps going.
    assert pass_at_k(p_rl, 1024) < pass_at_k(p_ref, 1024) - 0.05
    print(f"pass@1 {p1_ref:.2f} -> {p1_rl:.2f}, pass@64 {p64_ref:.2f} -> {p64_rl:.2f}: collapse shows as crossing pass@k curves")


if __name__ == "__main__":
    main()
