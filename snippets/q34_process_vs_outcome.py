"""Q34 · Process vs outcome supervision, compared as best-of-N verifiers (the PRM800K setting).

Lightman et al. 2023 (arXiv:2305.20050) train an outcome reward model (ORM: "is the final answer
right?") and a process reward model (PRM: "is each step right?") and compare them as VERIFIERS that
rerank N solutions from a fixed generator; no policy is trained with RL. A solution's PRM score is the
probability that every step is correct, the product of the per-step probabilities.
Uesato et al. 2022 (arXiv:2211.14275) add the distinction this toy makes visible: outcome supervision
reaches similar final-answer accuracy, but only process-based signals keep the *reasoning* correct.

Toy task: T steps, each wrong with a problem-dependent probability; a wrong step adds ±1 to the running
value, so two opposite errors cancel and give the right answer through wrong reasoning (a false
positive for any final-answer check). Both verifiers see their own label through the same noise.

Run: ``python -m snippets.q34_process_vs_outcome``
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F


def prm_score(step_logits: torch.Tensor, mask: torch.Tensor, reduce: Literal["prod", "min"] = "prod") -> torch.Tensor:
    """Solution-level log-score from per-step correctness logits.

    ``prod`` (Lightman et al.): log Π_t p_t = Σ_t log σ(logit_t) over real steps.
    ``min``: log min_t p_t, the weakest step.

    Args:
        step_logits: logit of P(step t is correct), shape (..., T).
        mask: 1 for real steps, 0 for padding, shape (..., T). A row with no steps scores log 1 = 0.

    Returns:
        log-score, shape (...).
    """
    if step_logits.shape != mask.shape:
        raise ValueError(f"step_logits {tuple(step_logits.shape)} and mask {tuple(mask.shape)} must match")
    # log p_t = log σ(logit_t), stable for any logit
    log_p = F.logsigmoid(step_logits)
    keep = mask.to(torch.bool)
    if reduce == "prod":
        # log Π_t p_t = Σ_t mask_t log p_t
        return torch.where(keep, log_p, torch.zeros_like(log_p)).sum(dim=-1)
    if reduce == "min":
        # log min_t p_t over real steps; padding counts as a certain step (log 1 = 0)
        return torch.where(keep, log_p, torch.zeros_like(log_p)).min(dim=-1).values
    raise ValueError(f"unknown reduction {reduce!r}")


def best_of_n(scores: torch.Tensor) -> torch.Tensor:
    """Index of the highest-scoring of the N candidates for each problem: scores (P, N) → (P,)."""
    if scores.dim() != 2:
        raise ValueError(f"scores must have shape (P, N), got {tuple(scores.shape)}")
    return scores.argmax(dim=1)


def sample_solutions(n_problems: int, n: int, steps: int, can_cancel: bool, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Step-error indicators and final-answer correctness of N sampled solutions per problem.

    Returns:
        step_wrong: bool, shape (P, N, T); final_right: bool, shape (P, N).
    """
    p_err = 0.05 + 0.20 * torch.rand(n_problems, 1, 1, generator=gen)  # problem difficulty
    step_wrong = torch.rand(n_problems, n, steps, generator=gen) < p_err
    sign = torch.where(torch.rand(n_problems, n, steps, generator=gen) < 0.5, -1, 1) if can_cancel else torch.ones(n_problems, n, steps, dtype=torch.int64)
    offset = (step_wrong.to(torch.int64) * sign).sum(dim=-1)
    return step_wrong, offset == 0


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    n_problems, n, steps, skill, noise = 3000, 16, 8, 3.0, 1.0
    mask = torch.ones(n_problems, n, steps)

    def evaluate(can_cancel: bool) -> dict[str, float]:
        step_wrong, final_right = sample_solutions(n_problems, n, steps, can_cancel, gen)
        fully_right = ~step_wrong.any(dim=-1)
        # Both verifiers see their training label (step-level vs final-answer) through the same noise.
        step_logits = skill * torch.where(step_wrong, -1.0, 1.0) + noise * torch.randn(n_problems, n, steps, generator=gen)
        orm_logit = skill * torch.where(final_right, 1.0, -1.0) + noise * torch.randn(n_problems, n, generator=gen)
        picks = {"prm": best_of_n(prm_score(step_logits, mask)), "orm": best_of_n(F.logsigmoid(orm_logit))}
        out = {}
        for name, idx in picks.items():
            chosen_full = fully_right.gather(1, idx[:, None]).squeeze(1)
            chosen_final = final_right.gather(1, idx[:, None]).squeeze(1)
            out[f"{name}_full"] = chosen_full.double().mean().item()
            out[f"{name}_final"] = chosen_final.double().mean().item()
            out[f"{name}_false_pos"] = (chosen_final & ~chosen_full).double().mean().item()
        out["fp_share"] = (final_right & ~fully_right).sum().item() / final_right.sum().item()
        return out

    cancel = evaluate(can_cancel=True)
    # With false positives in the pool, the step-level verifier picks solutions whose every step is right
    # far more often, and picks right-answer-wrong-reasoning solutions far less often ...
    assert cancel["fp_share"] > 0.2
    assert cancel["prm_full"] > cancel["orm_full"] + 0.15
    assert cancel["orm_false_pos"] > 3 * cancel["prm_false_pos"]
    # ... while final-answer accuracy stays similar (Uesato et al.'s finding).
    assert abs(cancel["prm_final"] - cancel["orm_final"]) < 0.06

    # Control: errors that never cancel leave no false positives, and the PRM's advantage disappears.
    control = evaluate(can_cancel=False)
    assert control["fp_share"] == 0 and control["orm_false_pos"] == 0
    assert control["prm_full"] < control["orm_full"] + 0.03
    print(
        f"with cancelling errors: fully-correct picks PRM {cancel['prm_full']:.3f} vs ORM {cancel['orm_full']:.3f}, "
        f"final answer {cancel['prm_final']:.3f} vs {cancel['orm_final']:.3f}; "
        f"without: {control['prm_full']:.3f} vs {control['orm_full']:.3f}"
    )


if __name__ == "__main__":
    main()
