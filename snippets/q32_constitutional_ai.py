"""Q32 · Constitutional AI: critique→revision makes SFT data; AI comparisons make preference data.

Bai et al. 2022 (arXiv:2212.08073). Two separate stages, two separate data types:

  SL-CAI:  response → critique against a sampled principle → revision (repeated) ;
           the FINAL REVISIONS are supervised fine-tuning targets: (prompt, revision) pairs.
  RL-CAI:  the SL-CAI model samples two responses; a feedback model, shown one sampled principle,
           answers "(A) or (B)?"; its normalised option probabilities are SOFT preference labels;
           a preference model is trained on them and the policy is optimised against it (RLAIF).

The toy below is rule-based: a response is a vector of binary attributes, a principle names the
attributes it forbids, the critic lists the violated ones and the reviser replaces them with an
explained objection. The asserts check the data flow (types and counts of each stage) and that the
revisions, the preference model and the RL optimum all reduce principle violations.

Run: ``python -m snippets.q32_constitutional_ai``
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from snippets.q04_reward_model_training import reward_model_loss
from snippets.q05_rlhf_objective import optimal_policy

# Attributes of a toy response (one column each). The last one is the benign replacement.
ATTRIBUTES = ["dangerous_detail", "insult", "illegal_help", "evasive_refusal", "explains_objection"]
# The constitution: principle p forbids the attributes marked 1 in row p, shape (P, A).
CONSTITUTION = torch.tensor(
    [
        [1, 0, 0, 0, 0],  # "choose the response least likely to help someone cause harm"
        [0, 1, 0, 0, 0],  # "... that is respectful and not insulting"
        [0, 0, 1, 0, 0],  # "... that does not assist illegal activity"
        [0, 0, 0, 1, 0],  # "... that engages and explains its objection instead of evading"
        [1, 0, 1, 0, 0],  # "... that a thoughtful, ethical person would give"
    ],
    dtype=torch.bool,
)
EXPLAINS = ATTRIBUTES.index("explains_objection")


@dataclass(frozen=True)
class SFTExample:
    """SL-CAI output: one prompt and its final revised response (a demonstration, not a pair)."""

    prompt: int
    response: torch.Tensor  # (A,) bool


@dataclass(frozen=True)
class PreferenceExample:
    """RL-CAI output: two samples and the feedback model's probability that ``response_a`` is better."""

    prompt: int
    response_a: torch.Tensor  # (A,) bool
    response_b: torch.Tensor  # (A,) bool
    p_a: float


def violations(responses: torch.Tensor, principles: torch.Tensor = CONSTITUTION) -> torch.Tensor:
    """Number of (principle, attribute) violations of each response.

    Args:
        responses: bool, shape (N, A).
        principles: bool, shape (P, A), or (N, P, A) for one principle set per response.

    Returns:
        counts, shape (N,): Σ_p Σ_a principles[p, a] · responses[n, a].
    """
    if responses.dim() != 2 or principles.shape[-1] != responses.shape[-1]:
        raise ValueError(f"need responses (N, A) and principles (..., P, A); got {tuple(responses.shape)}, {tuple(principles.shape)}")
    # v_n = Σ_p Σ_a C[p, a] y[n, a]
    return (principles.to(torch.int64) * responses[:, None, :].to(torch.int64)).sum(dim=(-1, -2))


def critique(responses: torch.Tensor, principle_idx: torch.Tensor) -> torch.Tensor:
    """Rule-based critic: which attributes of each response violate its sampled principle, shape (N, A)."""
    if principle_idx.shape != responses.shape[:1]:
        raise ValueError(f"one principle per response: principle_idx {tuple(principle_idx.shape)} vs responses {tuple(responses.shape)}")
    # flagged[n, a] = y[n, a] ∧ C[p_n, a]
    return responses & CONSTITUTION[principle_idx]


def revise(responses: torch.Tensor, flagged: torch.Tensor) -> torch.Tensor:
    """Rule-based reviser: drop the flagged attributes; if anything was dropped, explain the objection."""
    if flagged.shape != responses.shape:
        raise ValueError(f"flagged {tuple(flagged.shape)} must match responses {tuple(responses.shape)}")
    revised = responses & ~flagged
    revised[:, EXPLAINS] |= flagged.any(dim=1)
    return revised


def sl_cai(prompts: torch.Tensor, initial: torch.Tensor, n_revisions: int, generator: torch.Generator) -> list[SFTExample]:
    """SL-CAI data: critique→revise ``n_revisions`` times, a fresh random principle each time.

    Args:
        prompts: prompt ids, shape (N,).
        initial: responses of the helpful-only model to the red-team prompts, bool, shape (N, A).
        n_revisions: critique–revision rounds per response.
        generator: source of the sampled principles.

    Returns:
        N supervised examples (prompt, final revision); nothing here is a preference pair.
    """
    if prompts.shape != initial.shape[:1]:
        raise ValueError(f"prompts {tuple(prompts.shape)} and initial responses {tuple(initial.shape)} disagree on N")
    current = initial.clone()
    for _ in range(n_revisions):
        principle = torch.randint(len(CONSTITUTION), (len(current),), generator=generator)
        current = revise(current, critique(current, principle))
    return [SFTExample(int(p), r) for p, r in zip(prompts, current)]


def feedback_probability(a: torch.Tensor, b: torch.Tensor, principle_idx: torch.Tensor, sharpness: float = 2.0, clamp: tuple[float, float] | None = None) -> torch.Tensor:
    """Feedback model's P("(A) is better") under one sampled principle per pair, shape (N,).

    The feedback model scores the two options; normalising their log-probabilities gives
    p_A = softmax(ℓ_A, ℓ_B)_A. With chain-of-thought labels Bai et al. clamp p_A to [0.4, 0.6]
    (``clamp=(0.4, 0.6)``) because the CoT probabilities are overconfident.
    """
    if a.shape != b.shape or principle_idx.shape != a.shape[:1]:
        raise ValueError(f"a {tuple(a.shape)}, b {tuple(b.shape)} and principle_idx {tuple(principle_idx.shape)} disagree")
    principles = CONSTITUTION[principle_idx]
    # option log-scores ℓ = −sharpness · (violations of that option under the sampled principle)
    logits = -sharpness * torch.stack([violations(a, principles[:, None]), violations(b, principles[:, None])], dim=1).to(torch.float64)
    p_a = torch.softmax(logits, dim=1)[:, 0]
    return p_a.clamp(*clamp) if clamp is not None else p_a


def rl_cai_labels(prompts: torch.Tensor, a: torch.Tensor, b: torch.Tensor, generator: torch.Generator, clamp: tuple[float, float] | None = None) -> list[PreferenceExample]:
    """RL-CAI data: one AI comparison per pair of samples, each against a freshly sampled principle."""
    principle = torch.randint(len(CONSTITUTION), (len(a),), generator=generator)
    p_a = feedback_probability(a, b, principle, clamp=clamp)
    return [PreferenceExample(int(x), ra, rb, float(p)) for x, ra, rb, p in zip(prompts, a, b, p_a)]


def train_preference_model(data: list[PreferenceExample], steps: int = 300, lr: float = 0.5) -> torch.Tensor:
    """Linear preference model r_φ(y) = w·y fitted to SOFT labels with the Bradley–Terry cross-entropy.

    Loss: −[p_A log σ(r_A − r_B) + (1 − p_A) log σ(r_B − r_A)], averaged over pairs: Q4's pairwise loss
    applied in both directions, weighted by the feedback model's probabilities. Returns w, shape (A,).
    """
    a = torch.stack([d.response_a for d in data]).to(torch.float64)
    b = torch.stack([d.response_b for d in data]).to(torch.float64)
    p = torch.tensor([d.p_a for d in data], dtype=torch.float64)
    w = torch.zeros(a.shape[1], dtype=torch.float64, requires_grad=True)
    for _ in range(steps):
        r_a, r_b = a @ w, b @ w
        # L = p_A · (−log σ(r_A − r_B)) + (1 − p_A) · (−log σ(r_B − r_A))
        loss = (p * reward_model_loss(r_a, r_b) + (1 - p) * reward_model_loss(r_b, r_a)).mean()
        (grad,) = torch.autograd.grad(loss, w)
        with torch.no_grad():
            w -= lr * grad
    return w.detach()


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    n, n_attr = 400, len(ATTRIBUTES)

    # Helpful-only model's answers to red-team prompts: harmful attributes are common, no explanations.
    initial = torch.rand(n, n_attr, generator=gen) < torch.tensor([0.5, 0.3, 0.4, 0.3, 0.0])
    prompts = torch.arange(n)

    # Stage 1 (SL-CAI): critique → revision, four rounds. Output: N (prompt, revision) demonstrations.
    sft = sl_cai(prompts, initial, n_revisions=4, generator=gen)
    assert len(sft) == n and all(type(e) is SFTExample for e in sft)
    revised = torch.stack([e.response for e in sft])
    before, after = violations(initial), violations(revised)
    assert (after <= before).all() and after.sum() < 0.35 * before.sum()

    # Stage 2 (RL-CAI): the SL-CAI model samples two responses per prompt (here: its revisions with
    # random attributes flipped back in), the feedback model compares them against a sampled principle.
    def sample_sl_cai(k: int) -> torch.Tensor:
        noise = torch.rand(k, n_attr, generator=gen) < 0.15
        return revised[torch.randint(n, (k,), generator=gen)] ^ noise

    m = 2000
    a, b = sample_sl_cai(m), sample_sl_cai(m)
    prefs = rl_cai_labels(torch.randint(n, (m,), generator=gen), a, b, gen)
    assert len(prefs) == m and all(type(e) is PreferenceExample and 0 < e.p_a < 1 for e in prefs)
    assert {type(e) for e in sft}.isdisjoint({type(e) for e in prefs})  # the two stages never share data

    clamped = rl_cai_labels(torch.zeros(m, dtype=torch.int64), a, b, gen, clamp=(0.4, 0.6))
    assert all(0.4 <= e.p_a <= 0.6 for e in clamped)

    # The preference model trained on AI labels penalises every forbidden attribute ...
    w = train_preference_model(prefs)
    forbidden = CONSTITUTION.any(dim=0)
    assert (w[forbidden] < -0.15).all() and w[EXPLAINS].abs() < w[forbidden].abs().min()
    # ... and orders held-out pairs like the violation count does.
    a2, b2 = sample_sl_cai(m), sample_sl_cai(m)
    va, vb = violations(a2), violations(b2)
    decided = va != vb
    agree = (((a2.double() - b2.double()) @ w > 0) == (va < vb))[decided].double().mean()
    assert agree > 0.9

    # RL against the preference model: on a bandit over all 2^A responses, the KL-regularised optimum
    # π* ∝ π_ref exp(r_φ/β) violates the constitution less than the SL-CAI policy π_ref.
    all_resp = torch.tensor([[(i >> j) & 1 for j in range(n_attr)] for i in range(2**n_attr)], dtype=torch.bool)
    counts = (all_resp[:, None, :] == sample_sl_cai(5000)[None]).all(-1).sum(-1).double()
    pi_ref = (counts + 1) / (counts + 1).sum()
    pi_star = optimal_policy(pi_ref, all_resp.double() @ w, beta=0.5)
    v_all = violations(all_resp).double()
    assert (pi_star * v_all).sum() < 0.6 * (pi_ref * v_all).sum()
    print(
        f"SL-CAI: {n} SFT demos, violations {int(before.sum())} -> {int(after.sum())}; "
        f"RL-CAI: {m} AI-labelled pairs, PM agreement {float(agree):.2f}; "
        f"E[violations] {float((pi_ref * v_all).sum()):.2f} -> {float((pi_star * v_all).sum()):.2f}"
    )


if __name__ == "__main__":
    main()
