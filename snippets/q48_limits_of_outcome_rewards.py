"""Q48 · Limits of outcome rewards: a verifier is a proxy too, and it only teaches what the policy samples.

Two limits, shown on the addition environment of Q46 (DeepSeek-R1-Zero in miniature):

1. *The verifier can be gamed.* Optimisation pressure finds whatever the checker accepts. A sloppy
   parser that credits a response when the reference number appears anywhere in it is maximised by a
   hedge that lists every number; a format-only reward is maximised without answering better. This is
   the toy version of documented failures: reasoning agents subverting unit tests (Baker et al. 2025,
   arXiv:2503.11926) and LLM-judge verifiers accepting content-free "master key" answers (Zhao et al.
   2025, arXiv:2507.08794).
2. *No sample, no signal.* With a 0/1 outcome reward, a prompt whose G samples are all wrong gives a
   group with zero reward variance, hence zero advantage and zero gradient. What the base policy never
   samples, outcome RL cannot reinforce.

Run: ``python -m snippets.q48_limits_of_outcome_rewards``
"""

from __future__ import annotations

import re

import torch

from snippets.q12_grpo import group_advantages
from snippets.q46_deepseek_r1 import (
    GOLD,
    HARD,
    accuracy_reward,
    base_policy,
    expected_reward,
    format_reward,
    r1_zero_reward,
    render,
    reward_table,
    train_grpo,
)

NUMBER_RE = re.compile(r"\d+")


def lenient_reward(text: str, gold: int) -> float:
    """A sloppy verifier: 1 if the reference number appears anywhere in the response, tags or not.

    It credits a right answer without tags (a real improvement over strict parsing) and also a response
    that lists many numbers (a hole). The reward hacker finds the hole.
    """
    # r = 1[gold ∈ {integers found anywhere in the text}]
    return float(str(gold) in NUMBER_RE.findall(text))


def main() -> None:
    torch.manual_seed(0)
    strict = reward_table(accuracy_reward)  # the property we care about: one tagged, correct answer
    fmt = reward_table(lambda text, gold: format_reward(text))
    base = base_policy()
    p_gold_base = torch.softmax(base["answer"], -1)[torch.arange(len(GOLD)), GOLD]

    def report(policy: dict[str, torch.Tensor]) -> tuple[float, float, float]:
        p_style = torch.softmax(policy["style"], -1)
        p_gold = torch.softmax(policy["answer"], -1)[torch.arange(len(GOLD)), GOLD]
        return expected_reward(policy, strict).mean().item(), p_style[2].item(), p_gold.mean().item()

    # The verifier is the proxy: text in, number out. The hedge fools the lenient one.
    hedge = render(2, 0)
    assert lenient_reward(hedge, 12) == 1.0 and accuracy_reward(hedge, 12) == 0.0

    # 1a. Lenient verifier: the policy learns to hedge. Proxy reward → 1, true accuracy collapses.
    lenient = reward_table(lenient_reward)
    hacked = train_grpo(lenient, base)
    acc_h, p_hedge, _ = report(hacked)
    assert expected_reward(hacked, lenient).mean().item() > 0.95
    assert p_hedge > 0.9 and acc_h < 0.05, (p_hedge, acc_h)

    # 1b. Format-only reward: every response gets tagged, but the answers are no better than the base's.
    formatted = train_grpo(fmt, base)
    _, _, p_gold_fmt = report(formatted)
    assert expected_reward(formatted, fmt).mean().item() > 0.95
    assert p_gold_fmt < p_gold_base.mean().item() + 0.05, (p_gold_fmt, p_gold_base.mean().item())

    # 1c. The strict verifier (R1-Zero's accuracy + format) trains the behaviour we actually want.
    honest = train_grpo(reward_table(r1_zero_reward), base)
    acc_s, p_hedge_s, _ = report(honest)
    assert acc_s > 0.75 and p_hedge_s < 0.05, (acc_s, p_hedge_s)

    # 2. No sample, no signal. On the HARD prompts the base model essentially never samples the right sum
    #    (p ≈ 2e-5), so every group is all-zero, every advantage is 0 and the answer never improves.
    assert (p_gold_base[HARD] < 1e-4).all()
    assert (group_advantages(torch.zeros(6, 8, dtype=torch.float64)) == 0).all()
    p_gold_honest = torch.softmax(honest["answer"], -1)[torch.arange(len(GOLD)), GOLD]
    assert (p_gold_honest[HARD] < 1e-3).all() and (p_gold_honest[~HARD].mean() > 0.9)
    print(f"lenient verifier: hedge {p_hedge:.2f}, true accuracy {acc_h:.2f} | format-only: P(gold) {p_gold_fmt:.2f} (base {p_gold_base.mean().item():.2f}) | strict: accuracy {acc_s:.2f}")


if __name__ == "__main__":
    main()
