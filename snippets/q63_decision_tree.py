"""Q63 · The 2025 decision tree for choosing a post-training method, as executable data.

The tree on the Q63 page, its clickable leaves and the "where this sits on the tree" link on every
question page are all generated from ``DECISIONS``, ``EDGES``, ``LEAVES`` and ``GROUPS`` below, so the
diagram, the table and this function cannot disagree. ``recommend`` walks the tree with a reader's
answers; ``main`` asserts the tree is well formed and sends the outline's nine scenarios where the
site's pages say they belong.

Run: ``python -m snippets.q63_decision_tree``
"""

from __future__ import annotations

from typing import NamedTuple


class Leaf(NamedTuple):
    """A recommendation: its label, the question page a click opens, and the questions that justify it."""

    label: str
    page: int
    questions: tuple[int, ...]


# Decision nodes: id -> the question asked there.
DECISIONS: dict[str, str] = {
    "start": "Update the weights?",
    "verifier": "Can a program check the answer?",
    "budget": "RL compute per prompt?",
    "signal": "What feedback do you have?",
    "pairs": "Can you label new pairs during training?",
    "fixed": "Is SFT still to do?",
    "loop": "A trusted reward model and RL infrastructure?",
}

# (from, answer, to): the branches, in drawing order.
EDGES: list[tuple[str, str, str]] = [
    ("start", "No: inference only", "bon"),
    ("start", "Yes", "verifier"),
    ("verifier", "Yes", "budget"),
    ("budget", "Large: many rollouts, long reasoning", "dapo"),
    ("budget", "Tight: few rollouts per prompt", "rloo"),
    ("verifier", "No", "signal"),
    ("signal", "Step-level labels on reasoning", "step"),
    ("signal", "Only SFT demonstrations", "spin"),
    ("signal", "Unpaired thumbs up / down", "kto"),
    ("signal", "Preferences that cycle", "nlhf"),
    ("signal", "Preference pairs", "pairs"),
    ("pairs", "No: one fixed data set", "fixed"),
    ("fixed", "Yes: one stage for both", "orpo"),
    ("fixed", "No: SFT is done", "dpo"),
    ("pairs", "Yes: a judge or RM in the loop", "loop"),
    ("loop", "Yes", "ppo"),
    ("loop", "No: relabel pairs each round", "online"),
]

LEAVES: dict[str, Leaf] = {
    "bon": Leaf("Best-of-N with a verifier or reward model", 60, (60, 84)),
    "dapo": Leaf("GRPO family on verifiable rewards: DAPO or Dr. GRPO", 49, (12, 13, 35, 46, 47, 48, 49, 50, 53, 72, 76, 77, 79)),
    "rloo": Leaf("RLOO or REINFORCE++ with a verifier", 51, (51, 52, 78)),
    "step": Leaf("Step-DPO or process rewards", 55, (34, 55, 73)),
    "spin": Leaf("SPIN: self-play on the SFT data", 57, (57, 82)),
    "kto": Leaf("KTO on unpaired binary feedback", 21, (21,)),
    "nlhf": Leaf("Nash learning from human feedback", 59, (59,)),
    "orpo": Leaf("ORPO: SFT and preferences in one stage", 22, (22,)),
    "dpo": Leaf("DPO or SimPO on a fixed preference set", 14, (14, 15, 16, 17, 18, 19, 20, 23, 54, 67, 80)),
    "ppo": Leaf("PPO-based RLHF with a reward model", 8, (8, 9, 10, 11, 68)),
    "online": Leaf("Online or iterative DPO", 58, (36, 56, 58, 81, 83)),
}

# Questions that serve every branch rather than one leaf.
GROUPS: dict[str, Leaf] = {
    "foundations": Leaf("Every branch starts here: SFT, the objective and β", 5, (1, 2, 3, 5, 6, 7, 64, 66)),
    "rewards": Leaf("Where rewards and labels come from", 4, (4, 32, 33, 37, 38, 39, 40, 41, 65, 74)),
    "monitor": Leaf("What to monitor on every branch", 24, (24, 25, 26, 27, 28, 29, 30, 31, 69, 70, 71, 75)),
    "evaluate": Leaf("How to tell whether it worked", 42, (42, 43, 44, 45)),
    "choose": Leaf("Choosing between branches", 61, (61, 62, 63, 85)),
}


def branch_of(question: int) -> str:
    """The leaf or group a question belongs to (each question belongs to exactly one)."""
    hits = [k for k, leaf in {**LEAVES, **GROUPS}.items() if question in leaf.questions]
    if len(hits) != 1:
        raise ValueError(f"question {question} sits in {len(hits)} branches: {hits}")
    return hits[0]


def recommend(answers: dict[str, str]) -> str:
    """Walk the tree from ``start``, taking at each decision the edge whose answer starts with ``answers[node]``.

    Args:
        answers: decision id -> the beginning of the chosen answer, e.g. ``{"start": "Yes", "verifier": "No"}``.

    Returns:
        the leaf id reached.
    """
    node = "start"
    while node in DECISIONS:
        if node not in answers:
            raise ValueError(f"no answer given for decision {node!r}: {DECISIONS[node]}")
        options = [(a, to) for frm, a, to in EDGES if frm == node and a.startswith(answers[node])]
        if len(options) != 1:
            raise ValueError(f"answer {answers[node]!r} matches {len(options)} branches at {node!r}")
        node = options[0][1]
    return node


def main() -> None:
    # Well formed: every edge joins known nodes, every node but the root has one parent, every leaf is reached.
    nodes = set(DECISIONS) | set(LEAVES)
    assert all(frm in DECISIONS and to in nodes for frm, _, to in EDGES)
    parents = [to for _, _, to in EDGES]
    assert sorted(parents) == sorted(nodes - {"start"}), "each node except the root has exactly one parent"
    # Every one of the 85 questions sits in exactly one branch, and every leaf's page is one of its questions.
    assert [branch_of(q) for q in range(1, 86)] and all(leaf.page in leaf.questions for leaf in {**LEAVES, **GROUPS}.values())

    # The outline's nine scenarios land on the leaves its answers name.
    scenarios = {
        "dapo": {"start": "Yes", "verifier": "Yes", "budget": "Large"},  # maths/code with a verifier
        "rloo": {"start": "Yes", "verifier": "Yes", "budget": "Tight"},  # tight compute, verifiable
        "dpo": {"start": "Yes", "verifier": "No", "signal": "Preference pairs", "pairs": "No", "fixed": "No"},
        "online": {"start": "Yes", "verifier": "No", "signal": "Preference pairs", "pairs": "Yes", "loop": "No"},
        "kto": {"start": "Yes", "verifier": "No", "signal": "Unpaired"},
        "orpo": {"start": "Yes", "verifier": "No", "signal": "Preference pairs", "pairs": "No", "fixed": "Yes"},
        "step": {"start": "Yes", "verifier": "No", "signal": "Step-level"},
        "spin": {"start": "Yes", "verifier": "No", "signal": "Only SFT"},
        "bon": {"start": "No"},
    }
    for leaf, answers in scenarios.items():
        assert recommend(answers) == leaf, (leaf, recommend(answers))
    print(f"{len(LEAVES)} leaves, {len(DECISIONS)} decisions; all 85 questions placed; nine outline scenarios routed")


if __name__ == "__main__":
    main()
