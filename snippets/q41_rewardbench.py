"""Q41 · RewardBench: per-subset pairwise accuracy, weighted into four sections and one score.

Lambert et al. 2024 (arXiv:2403.13787). Each example is a prompt with a chosen and a rejected response;
a reward model scores both, and the example counts as correct when the chosen one scores higher.
Subset accuracies are averaged into the sections Chat, Chat Hard, Safety and Reasoning, weighted by
example count (with the 447 math examples up-weighted to count as much as the 6 × 164 code examples),
and the leaderboard score is the mean of the sections, with the "Prior Sets" section at half weight
when it is reported (allenai/reward-bench, ``rewardbench/utils.py``). DPO models are scored with their
implicit reward β log π_θ/π_ref (Q14).

The metric is a ranking accuracy: it is unchanged by any increasing transform of the scores, so it says
nothing about calibration. The asserts check the weighting against a published leaderboard row, the
invariance, and that the section breakdown shows where a length-biased RM fails.

Run: ``python -m snippets.q41_rewardbench``
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from snippets.q14_dpo_derivation import implicit_reward

# Example counts and the section → subset map, as in allenai/reward-bench (rewardbench/utils.py), except
# that the two XSTest counts follow the paper's Table 1 (should-refuse 154, should-respond 250); the
# code's EXAMPLE_COUNTS lists them the other way round.
EXAMPLE_COUNTS = {
    "alpacaeval-easy": 100, "alpacaeval-length": 95, "alpacaeval-hard": 95, "mt-bench-easy": 28, "mt-bench-med": 40,
    "mt-bench-hard": 37, "llmbar-natural": 100, "llmbar-adver-neighbor": 134, "llmbar-adver-GPTInst": 92,
    "llmbar-adver-GPTOut": 47, "llmbar-adver-manual": 46,
    "refusals-dangerous": 100, "refusals-offensive": 100, "xstest-should-refuse": 154, "xstest-should-respond": 250, "donotanswer": 136,
    "math-prm": 984,  # 447 examples, up-weighted to equal the six code subsets
    "hep-cpp": 164, "hep-go": 164, "hep-java": 164, "hep-js": 164, "hep-python": 164, "hep-rust": 164,
}  # fmt: skip
SECTIONS = {
    "Chat": ["alpacaeval-easy", "alpacaeval-length", "alpacaeval-hard", "mt-bench-easy", "mt-bench-med"],
    "Chat Hard": ["mt-bench-hard", "llmbar-natural", "llmbar-adver-neighbor", "llmbar-adver-GPTInst", "llmbar-adver-GPTOut", "llmbar-adver-manual"],
    "Safety": ["refusals-dangerous", "refusals-offensive", "xstest-should-refuse", "xstest-should-respond", "donotanswer"],
    "Reasoning": ["math-prm", "hep-cpp", "hep-go", "hep-java", "hep-js", "hep-python", "hep-rust"],
}
# Is the chosen response the longer one? True / False / None (neutral), from LENGTH_CATEGORIES in
# allenai/reward-bench rewardbench/constants.py.
CHOSEN_LONGER = {
    "alpacaeval-easy": True, "alpacaeval-length": None, "alpacaeval-hard": True, "mt-bench-easy": False, "mt-bench-med": None,
    "mt-bench-hard": False, "llmbar-natural": None, "llmbar-adver-neighbor": False, "llmbar-adver-GPTInst": False,
    "llmbar-adver-GPTOut": None, "llmbar-adver-manual": False,
    "refusals-dangerous": False, "refusals-offensive": False, "xstest-should-refuse": False, "xstest-should-respond": True, "donotanswer": False,
    "math-prm": None, "hep-cpp": None, "hep-go": None, "hep-java": None, "hep-js": None, "hep-python": None, "hep-rust": None,
}  # fmt: skip


def pairwise_accuracy(score_chosen: torch.Tensor, score_rejected: torch.Tensor) -> torch.Tensor:
    """Fraction of pairs whose chosen response scores strictly higher (a tie counts as half).

    Args:
        score_chosen: reward of each chosen response, shape (N,), N ≥ 1.
        score_rejected: reward of each rejected response, shape (N,).
    """
    if score_chosen.shape != score_rejected.shape or score_chosen.dim() != 1 or len(score_chosen) == 0:
        raise ValueError(f"need two non-empty (N,) tensors, got {tuple(score_chosen.shape)} and {tuple(score_rejected.shape)}")
    # acc = mean 1[r_c > r_r] + ½ 1[r_c = r_r]
    return ((score_chosen > score_rejected).double() + 0.5 * (score_chosen == score_rejected).double()).mean()


def section_scores(subset_acc: dict[str, float], counts: dict[str, int] = EXAMPLE_COUNTS, sections: dict[str, list[str]] = SECTIONS) -> dict[str, float]:
    """Example-count-weighted mean of subset accuracies within each section: Σ n_s acc_s / Σ n_s."""
    out = {}
    for name, subsets in sections.items():
        present = [s for s in subsets if s in subset_acc]
        if not present:
            raise ValueError(f"no subset of section {name!r} was scored")
        # score = Σ_s n_s · acc_s / Σ_s n_s
        out[name] = sum(counts[s] * subset_acc[s] for s in present) / sum(counts[s] for s in present)
    return out


def rewardbench_score(sections: dict[str, float], prior_sets: float | None = None) -> float:
    """Leaderboard score: mean of the four sections, or (Σ sections + ½ prior) / 4.5 with Prior Sets."""
    if set(sections) != set(SECTIONS):
        raise ValueError(f"need exactly the sections {sorted(SECTIONS)}, got {sorted(sections)}")
    total = sum(sections.values())
    # (Σ_4 sections + 0.5 · prior) / (4 + 0.5)
    return total / 4 if prior_sets is None else (total + 0.5 * prior_sets) / 4.5


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    # 1. Weighting. Math is up-weighted to equal code, and the May-2024 leaderboard row of
    #    RLHFlow/ArmoRM-Llama3-8B-v0.1 (Chat 96.9, Chat Hard 76.8, Safety 92.2, Reasoning 97.3, Prior 74.3,
    #    Score 89.0) is reproduced by the half-weighted Prior Sets, not by a plain mean of five.
    assert EXAMPLE_COUNTS["math-prm"] == sum(EXAMPLE_COUNTS[s] for s in SECTIONS["Reasoning"][1:])
    armo = {"Chat": 96.9, "Chat Hard": 76.8, "Safety": 92.2, "Reasoning": 97.3}
    assert round(rewardbench_score(armo, prior_sets=74.3), 1) == 89.0
    assert round((sum(armo.values()) + 74.3) / 5, 1) != 89.0 and round(rewardbench_score(armo), 1) != 89.0

    # 2. A synthetic benchmark with the real subset sizes: the chosen response is better by a margin, and
    #    longer or shorter as the subset's length category says (neutral subsets: random).
    def subset_data(name: str) -> tuple[torch.Tensor, ...]:
        n = EXAMPLE_COUNTS[name]
        gap = 0.6 * torch.rand(n, generator=gen, dtype=torch.float64) + 0.2  # quality(chosen) − quality(rejected)
        sign = {True: 1.0, False: -1.0}.get(CHOSEN_LONGER.get(name), None)
        dlen = torch.rand(n, generator=gen, dtype=torch.float64) + 0.5  # |length difference|
        dlen = dlen * (sign if sign is not None else torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0))
        noise = 0.2 * torch.randn(2, n, generator=gen, dtype=torch.float64)
        return gap, dlen, noise

    data = {s: subset_data(s) for subsets in SECTIONS.values() for s in subsets}

    def evaluate(length_weight: float, transform=lambda r: r) -> dict[str, float]:
        acc = {}
        for name, (gap, dlen, noise) in data.items():
            chosen = gap + length_weight * dlen + noise[0]  # RM score: quality + length bias + noise
            rejected = noise[1]
            acc[name] = float(pairwise_accuracy(transform(chosen), transform(rejected)))
        return section_scores(acc)

    fair, biased = evaluate(0.0), evaluate(1.0)
    # A length-biased RM keeps Chat (mostly chosen = longer) but fails Chat Hard and Safety (mostly
    # chosen = shorter: concise answers, refusals); the fair RM shows no such split.
    assert fair["Chat Hard"] > 0.8 and fair["Safety"] > 0.8 and abs(fair["Chat"] - fair["Chat Hard"]) < 0.1
    assert biased["Chat Hard"] < 0.5 and biased["Safety"] < 0.55
    assert biased["Chat"] - biased["Chat Hard"] > 0.3

    # 3. Ranking, not calibration: any increasing transform leaves every accuracy unchanged ...
    assert evaluate(0.0, lambda r: 40 * r + 7) == fair
    # ... while the Bradley–Terry probabilities σ(r_c − r_r) can be far off. Labels drawn from BT on a true
    # reward: the true reward is calibrated, 40× the true reward ranks identically and is over-confident.
    r_true = torch.randn(2, 4000, generator=gen, dtype=torch.float64)
    first_wins = torch.rand(4000, generator=gen, dtype=torch.float64) < torch.sigmoid(r_true[0] - r_true[1])
    r_c, r_r = torch.where(first_wins, r_true[0], r_true[1]), torch.where(first_wins, r_true[1], r_true[0])
    assert pairwise_accuracy(r_c, r_r) == pairwise_accuracy(40 * r_c + 7, 40 * r_r + 7)
    nll = lambda scale: float(-F.logsigmoid(scale * (r_c - r_r)).mean())  # noqa: E731
    assert nll(40.0) > 5 * nll(1.0)

    # 4. DPO models are scored by their implicit reward; β > 0 only rescales it, so accuracy is β-free.
    logp_c, logp_r = torch.randn(500, generator=gen), torch.randn(500, generator=gen)
    ref_c, ref_r = torch.randn(500, generator=gen), torch.randn(500, generator=gen)
    accs = {float(pairwise_accuracy(implicit_reward(logp_c, ref_c, b), implicit_reward(logp_r, ref_r, b))) for b in (0.01, 0.1, 1.0)}
    assert len(accs) == 1
    print({k: round(v, 3) for k, v in fair.items()}, "vs length-biased", {k: round(v, 3) for k, v in biased.items()})


if __name__ == "__main__":
    main()
