"""Q76 · DAPO's length shaping is a tie-breaker: it can never rank a wrong answer above a right one.

DAPO (Yu et al. 2025, arXiv:2503.14476) adds four changes to GRPO: Clip-Higher (ε_low = 0.2,
ε_high = 0.28), Dynamic Sampling, a token-level policy-gradient loss, and Overlong Reward Shaping —
overlong filtering plus the soft overlong punishment of eq. 13, added to a ±1 correctness reward; and it
drops the KL term. Each piece is checked in isolation in Q49 (whose functions are imported here).

The facet checked here is how the pieces COMBINE. The punishment lies in [−1, 0] and the correctness
reward jumps by 2, so with truncated responses filtered out (they exceed L_max),

    min over finished correct answers of (1 + R_length)  ≥  0  >  −1  ≥  max over wrong answers,

every correct response gets a larger group advantage than every wrong one, and length only orders
answers of the same correctness. A punishment three times steeper would break this: a long right
answer could score below a short wrong one.

Run: ``python -m snippets.q76_dapo_tricks``
"""

from __future__ import annotations

import torch

from snippets.q12_grpo import group_advantages
from snippets.q49_dapo import L_CACHE, L_MAX, informative_groups, overlong_filter, soft_overlong_punishment


def dapo_reward(correct: torch.Tensor, lengths: torch.Tensor, punishment_scale: float = 1.0) -> torch.Tensor:
    """DAPO's per-response reward: ±1 for correctness plus the soft overlong punishment (eq. 13).

    Args:
        correct: True where the final answer is judged equivalent to the reference, any shape.
        lengths: response lengths in tokens, same shape.
        punishment_scale: multiplier on the punishment (1 in DAPO; other values only to show the failure).

    Returns:
        rewards, same shape, float64.
    """
    if correct.shape != lengths.shape:
        raise ValueError(f"correct {tuple(correct.shape)} and lengths {tuple(lengths.shape)} must match")
    # R = (+1 if correct else −1) + scale · R_length(|y|)
    return torch.where(correct.bool(), 1.0, -1.0).to(torch.float64) + punishment_scale * soft_overlong_punishment(lengths)


def main() -> None:
    torch.manual_seed(0)
    n, g = 256, 16
    correct = torch.rand(n, g) < 0.5
    lengths = torch.randint(1_000, L_MAX + 2_000, (n, g))  # some responses run past L_MAX and are truncated
    truncated = lengths > L_MAX

    # 1. On finished responses the correctness gap dominates: worst right ≥ 0 > −1 ≥ best wrong.
    r = dapo_reward(correct, lengths)
    done = ~truncated
    assert r[correct & done].min() >= 0.0 and r[~correct & done].max() <= -1.0

    # 2. Hence, inside every informative group (Q49's dynamic-sampling filter) and after overlong filtering
    #    (Q49), each finished correct response has a larger GRPO advantage than each finished wrong one.
    adv = group_advantages(r)
    keep = informative_groups(correct & done)
    mask = overlong_filter(torch.ones(n * g, 1), truncated.reshape(-1)).reshape(n, g).bool()
    for i in torch.nonzero(keep).flatten().tolist():
        right, wrong = adv[i][correct[i] & mask[i]], adv[i][~correct[i] & mask[i]]
        if right.numel() and wrong.numel():
            assert right.min() > wrong.max()

    # 3. Within the same correctness, shorter is preferred only inside the 4,096-token cache:
    #    two right answers of 10k and 16k tokens tie; 18,432 tokens loses half a point.
    tie = dapo_reward(torch.tensor([True, True]), torch.tensor([10_000, L_MAX - L_CACHE]))
    assert tie[0] == tie[1] == 1.0
    assert dapo_reward(torch.tensor([True]), torch.tensor([18_432])).item() == 0.5

    # 4. Counterfactual: a punishment three times steeper lets a long right answer score below a short
    #    wrong one — length would then compete with correctness instead of breaking ties.
    steep = dapo_reward(torch.tensor([True, False]), torch.tensor([L_MAX, 2_000]), punishment_scale=3.0)
    assert steep[0] < steep[1]
    print("DAPO reward: correctness gap 2 > punishment range 1, so length only breaks ties between equally correct answers")


if __name__ == "__main__":
    main()
