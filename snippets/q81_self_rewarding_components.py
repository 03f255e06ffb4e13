"""Q81 · Self-Rewarding LMs: one model plays policy AND judge; pairs are (best, worst) of its own scores.

Yuan et al. 2024 (arXiv:2401.10020): the same model M_t (i) generates N = 4 candidates per new prompt,
(ii) scores each with an LLM-as-a-Judge prompt (an additive 0–5 rubric), sampling the judgement three
times and averaging, (iii) pairs the highest-scored candidate (chosen) with the lowest (rejected),
dropping prompts where they tie, and (iv) trains M_{t+1} on those pairs with DPO. Q56 computes the
exact pair distribution and the multi-round dynamics; the facet checked here is step (ii)–(iii) with a
NOISY judge: averaging three integer judgements both cuts ties (more usable prompts) and raises the share
of pairs whose "chosen" is truly better (cleaner labels) compared with a single judgement.

Run: ``python -m snippets.q81_self_rewarding_components``
"""

from __future__ import annotations

import torch


def best_worst_pair(scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Chosen = highest-scored, rejected = lowest-scored candidate per prompt; ties are dropped.

    Args:
        scores: judge scores, shape (P, N): P prompts, N candidates each.

    Returns:
        chosen index (P,), rejected index (P,), keep mask (P,) — False where max score == min score.
    """
    if scores.dim() != 2 or scores.shape[1] < 2:
        raise ValueError(f"scores must have shape (P, N) with N >= 2, got {tuple(scores.shape)}")
    chosen, rejected = scores.argmax(dim=1), scores.argmin(dim=1)
    # keep ⇔ max_i s_i > min_i s_i (otherwise no preference can be read off)
    keep = scores.amax(dim=1) > scores.amin(dim=1)
    return chosen, rejected, keep


def noisy_judge(quality: torch.Tensor, samples: int, noise: float, generator: torch.Generator) -> torch.Tensor:
    """Mean of ``samples`` integer judgements round(clamp(q + ε, 0, 5)), ε ~ N(0, noise²); shape of ``quality``."""
    if samples < 1:
        raise ValueError(f"need at least one judgement, got {samples}")
    draws = quality.unsqueeze(-1) + noise * torch.randn(*quality.shape, samples, generator=generator, dtype=quality.dtype)
    # an additive 0–5 rubric: integer points, clipped to the scale
    return draws.clamp(0, 5).round().mean(dim=-1)


def main() -> None:
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    p, n = 20_000, 4  # N = 4 candidates per prompt, as in the paper
    quality = 2.5 + 0.5 * torch.randn(p, n, dtype=torch.float64, generator=gen)  # the candidates' true quality

    def stats(samples: int) -> tuple[float, float]:
        chosen, rejected, keep = best_worst_pair(noisy_judge(quality, samples, noise=0.5, generator=gen))
        correct = quality.gather(1, chosen[:, None]) > quality.gather(1, rejected[:, None])
        return keep.double().mean().item(), correct.squeeze(1)[keep].double().mean().item()

    kept_1, acc_1 = stats(1)
    kept_3, acc_3 = stats(3)  # the paper's setting: three judgements, averaged
    # 1. Averaging three judgements leaves fewer ties, so more prompts yield a pair ...
    assert kept_3 > kept_1 + 0.03
    # 2. ... and the pairs it keeps are more often right about which candidate is better.
    assert acc_3 > acc_1 + 0.05
    # 3. The pair really is (argmax, argmin) of the scores, and ties are dropped, not guessed.
    s = torch.tensor([[3.0, 1.0, 4.0, 2.0], [2.0, 2.0, 2.0, 2.0]])
    chosen, rejected, keep = best_worst_pair(s)
    assert chosen[0] == 2 and rejected[0] == 1 and keep.tolist() == [True, False]
    print(f"1 judgement: {kept_1:.2f} of prompts usable, {acc_1:.2f} of pairs correct; "
          f"3 averaged: {kept_3:.2f} usable, {acc_3:.2f} correct")


if __name__ == "__main__":
    main()
