"""Q46 · DeepSeek-R1-Zero in miniature: GRPO on a base policy with rule-based rewards, no SFT.

DeepSeek-R1-Zero (DeepSeek-AI 2025, arXiv:2501.12948, §2.2) applies GRPO directly to the base model.
The prompt template asks for the reasoning inside <think></think> and the answer inside
<answer></answer>; the reward is rule-based — an *accuracy* reward (the final answer, in the required
format, checked against the reference) and a *format* reward (the tags are there). No neural reward model
and no supervised fine-tuning come before the RL.

The toy: 100 addition prompts a + b (a, b ∈ 0..9). A response is two tokens — a style (bare answer,
think-then-answer, or a hedge listing every number) and an answer y ∈ 0..18 — rendered to text and scored
by regular expressions, exactly as a verifier scores text. The "base model" knows roughly what a sum is,
mostly answers without tags, and on the six prompts with a + b ≥ 16 forgets the tens digit. GRPO with the
accuracy + format reward turns it into a tagged, accurate answerer. This module is also the environment
that Q48 games with a lenient verifier.

Run: ``python -m snippets.q46_deepseek_r1``
"""

from __future__ import annotations

import re
from collections.abc import Callable

import torch

from snippets.q12_grpo import group_advantages, grpo_loss

STYLES = ("bare", "think", "hedge")
N_ANSWERS = 19  # a + b ∈ 0..18
A, B = torch.meshgrid(torch.arange(10), torch.arange(10), indexing="ij")
A, B = A.reshape(-1), B.reshape(-1)
GOLD = A + B  # shape (P,) with P = 100 prompts
HARD = GOLD >= 16  # the base model drops the tens digit on these

ANSWER_RE = re.compile(r"<think>.*?</think><answer>(\d+)</answer>", re.S)
FORMAT_RE = re.compile(r"<think>.*?</think><answer>.*?</answer>", re.S)


def render(style: int, answer: int) -> str:
    """The text of a response: style 0 bare, 1 think-then-answer, 2 a hedge that lists every sum."""
    if style == 0:
        return f"{answer}"
    if style == 1:
        return f"<think>add the two numbers</think><answer>{answer}</answer>"
    if style == 2:
        return "<think>not sure</think><answer>" + " or ".join(str(v) for v in range(N_ANSWERS)) + "</answer>"
    raise ValueError(f"unknown style {style}")


def accuracy_reward(text: str, gold: int) -> float:
    """R1-Zero accuracy reward: 1 if the whole response is think + answer tags and the answer equals the reference."""
    match = ANSWER_RE.fullmatch(text)
    # r_acc = 1[response is <think>…</think><answer>y</answer> and y = gold]
    return float(match is not None and int(match.group(1)) == gold)


def format_reward(text: str) -> float:
    """R1-Zero format reward: 1 if the reasoning and the answer sit inside their tags."""
    # r_fmt = 1[response matches <think>…</think><answer>…</answer>]
    return float(FORMAT_RE.fullmatch(text) is not None)


def r1_zero_reward(text: str, gold: int) -> float:
    """Accuracy + format. The paper names both rewards but not their weights; here they are summed."""
    return accuracy_reward(text, gold) + format_reward(text)


def language_consistency_reward(cot_words: list[str], is_target: Callable[[str], bool]) -> float:
    """DeepSeek-R1's language-consistency reward: the fraction of chain-of-thought words in the target language.

    Added to the accuracy reward in R1's reasoning-RL stage (not in R1-Zero). An empty chain of thought
    scores 0.
    """
    # r_lang = Num(Words_target) / Num(Words)
    return sum(map(is_target, cot_words)) / len(cot_words) if cot_words else 0.0


def reward_table(reward_fn: Callable[[str, int], float]) -> torch.Tensor:
    """Score every (prompt, style, answer) once by rendering it and running ``reward_fn``: shape (P, 3, 19)."""
    texts = [[render(s, y) for y in range(N_ANSWERS)] for s in range(len(STYLES))]
    return torch.tensor([[[reward_fn(texts[s][y], int(g)) for y in range(N_ANSWERS)] for s in range(len(STYLES))] for g in GOLD], dtype=torch.float64)


def base_policy(style_probs: tuple[float, float, float] = (0.6, 0.3, 0.1)) -> dict[str, torch.Tensor]:
    """The 'pretrained' policy: style logits (3,) shared by all prompts and answer logits (P, 19).

    The answer distribution is ∝ exp(−|y − c|) around c = a + b, except on HARD prompts where c = a + b − 10.
    """
    centre = torch.where(HARD, GOLD - 10, GOLD)
    answer_logits = -(torch.arange(N_ANSWERS)[None, :] - centre[:, None]).abs().to(torch.float64)
    return {"style": torch.tensor(style_probs, dtype=torch.float64).log(), "answer": answer_logits}


def response_logp(policy: dict[str, torch.Tensor], prompt: torch.Tensor, style: torch.Tensor, answer: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Token log-probabilities of sampled responses and their mask.

    Args:
        policy: ``{"style": (3,), "answer": (P, 19)}`` logits.
        prompt: prompt index of each response, shape (B,).
        style: the sampled style token (0 bare, 1 think, 2 hedge), shape (B,).
        answer: the sampled answer token y ∈ 0..18, shape (B,).

    Returns:
        logp (B, 2) — log π(style), log π(answer | prompt) — and mask (B, 2); a hedge has no answer token.
    """
    if not prompt.shape == style.shape == answer.shape or prompt.dim() != 1:
        raise ValueError("prompt, style and answer must be vectors of one shape (B,)")
    style_lp = torch.log_softmax(policy["style"], -1)[style]
    answer_lp = torch.log_softmax(policy["answer"], -1)[prompt, answer]
    mask = torch.stack([torch.ones_like(style_lp), (style != 2).to(style_lp.dtype)], dim=1)
    return torch.stack([style_lp, answer_lp], dim=1), mask


def expected_reward(policy: dict[str, torch.Tensor], table: torch.Tensor) -> torch.Tensor:
    """Exact E_{(s,y)∼π}[r] per prompt, shape (P,): Σ_s Σ_y π(s) π(y|x) r(x, s, y) over all 57 responses."""
    p_style = torch.softmax(policy["style"], -1)
    p_answer = torch.softmax(policy["answer"], -1)
    return torch.einsum("s,py,psy->p", p_style, p_answer, table)


def train_grpo(
    table: torch.Tensor,
    policy: dict[str, torch.Tensor],
    steps: int = 150,
    n_prompts: int = 16,
    group: int = 8,
    lr: float = 0.1,
    beta: float = 0.001,
    seed: int = 0,
) -> dict[str, torch.Tensor]:
    """On-policy GRPO against a reward table (P, 3, 19): sample G responses per prompt, group-normalise, step.

    ``beta`` is the KL coefficient to the starting policy (R1's first RL stage used 0.001).
    Returns the trained logits.
    """
    gen = torch.Generator().manual_seed(seed)
    ref = {k: v.detach() for k, v in policy.items()}
    params = {k: v.detach().clone().requires_grad_(True) for k, v in policy.items()}
    opt = torch.optim.Adam(params.values(), lr=lr)
    for _ in range(steps):
        with torch.no_grad():
            prompt = torch.randint(0, len(GOLD), (n_prompts,), generator=gen).repeat_interleave(group)
            style = torch.multinomial(torch.softmax(params["style"], -1), n_prompts * group, replacement=True, generator=gen)
            answer = torch.multinomial(torch.softmax(params["answer"][prompt], -1), 1, generator=gen).squeeze(1)
            rewards = table[prompt, style, answer].reshape(n_prompts, group)
        advantages = group_advantages(rewards).reshape(-1)
        logp, mask = response_logp(params, prompt, style, answer)
        ref_logp, _ = response_logp(ref, prompt, style, answer)
        loss = grpo_loss(logp, logp.detach(), ref_logp, advantages, mask, beta=beta)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {k: v.detach() for k, v in params.items()}


def main() -> None:
    torch.manual_seed(0)
    # 1. The verifier is text in, number out. Only a tagged, single, correct integer earns the accuracy reward.
    assert accuracy_reward(render(1, 12), 12) == 1.0 and format_reward(render(1, 12)) == 1.0
    assert accuracy_reward(render(0, 12), 12) == 0.0  # right number, wrong format
    assert accuracy_reward(render(2, 0), 12) == 0.0 and format_reward(render(2, 0)) == 1.0  # a hedge is not an answer
    assert language_consistency_reward(["first", "add", "然后", "carry"], str.isascii) == 0.75

    # 2. R1-Zero: GRPO from the base policy with accuracy + format rewards, no SFT stage.
    acc_table, fmt_table = reward_table(accuracy_reward), reward_table(lambda text, gold: format_reward(text))
    base = base_policy()
    trained = train_grpo(reward_table(r1_zero_reward), base)
    acc0, acc1 = expected_reward(base, acc_table).mean().item(), expected_reward(trained, acc_table).mean().item()
    fmt1 = expected_reward(trained, fmt_table).mean().item()
    assert acc0 < 0.2 and acc1 > 0.75, (acc0, acc1)  # pass@1 under the strict verifier
    assert fmt1 > 0.95, fmt1
    # The six prompts the base model never solves stay unsolved: no sample is ever right, so every
    # group's rewards are equal and its advantages are exactly zero (Q48).
    assert expected_reward(trained, acc_table)[HARD].max().item() < 0.01
    print(f"R1-Zero toy: accuracy {acc0:.2f} -> {acc1:.2f}, format {expected_reward(base, fmt_table).mean().item():.2f} -> {fmt1:.2f}")


if __name__ == "__main__":
    main()
