"""Q53 · RLVR: programmatic verifiers as rewards, and why they can still be gamed.

Reinforcement learning with verifiable rewards (the name is from Tülu 3, Lambert et al. 2024,
arXiv:2411.15124) replaces the learned reward model with a program: r(x, y) = α if the verifier accepts
y and 0 otherwise. This module writes three such programs — exact-match maths, unit tests and a JSON
schema check — and shows where each one is a proxy: a verifier checks *what it checks*, and RL will find
whatever else passes. Agents subverting unit tests (Baker et al. 2025, arXiv:2503.11926) and one-token
"master keys" that fool LLM judges (Zhao et al. 2025, arXiv:2507.08794) are the large-scale versions.

Run: ``python -m snippets.q53_rlvr``
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from typing import Any, Callable

import torch

from snippets.q12_grpo import group_advantages

_BOXED = re.compile(r"\\boxed\{((?:[^{}]|\{[^{}]*\})*)\}")  # one level of nested braces


def _as_number(text: str) -> Fraction | None:
    text = text.strip().strip("$").replace(",", "").replace(" ", "").rstrip(".")
    m = re.fullmatch(r"\\frac\{(-?\d+)\}\{(-?\d+)\}", text)
    if m:
        text = f"{m.group(1)}/{m.group(2)}"
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None


def math_reward(response: str, answer: str) -> float:
    """Exact-match maths verifier: 1.0 iff the response has exactly one ``\\boxed{...}`` equal to ``answer``.

    Numbers are compared as exact fractions ("0.5", "1/2" and "\\frac{1}{2}" match); anything else is
    compared as a whitespace-stripped string. More than one boxed answer scores 0, so listing every
    candidate cannot win.
    """
    boxed = _BOXED.findall(response)
    if len(boxed) != 1:
        return 0.0
    got, want = _as_number(boxed[0]), _as_number(answer)
    if got is not None and want is not None:
        return float(got == want)
    return float(boxed[0].strip() == answer.strip())


def substring_math_reward(response: str, answer: str) -> float:
    """A *lenient* maths verifier (the answer string appears anywhere): the kind RL learns to game."""
    return float(answer in response)


def unit_test_reward(program: str, func_name: str, tests: list[tuple[tuple[Any, ...], Any]], strict_types: bool = False) -> float:
    """Unit-test verifier: 1.0 iff ``func_name`` defined by ``program`` passes every (args, expected) case.

    Args:
        program: Python source that defines ``func_name`` (executed in a fresh namespace; a real RLVR
            system runs it in a sandbox with a time limit).
        func_name: the function under test.
        tests: the test cases the verifier knows about.
        strict_types: also require ``type(result) is type(expected)``, which closes the always-equal hack.
    """
    namespace: dict[str, Any] = {}
    try:
        exec(compile(program, "<response>", "exec"), namespace)  # noqa: S102 - our own strings, see docstring
        fn: Callable[..., Any] = namespace[func_name]
        for args, expected in tests:
            result = fn(*args)
            if strict_types and type(result) is not type(expected):
                return 0.0
            if not result == expected:
                return 0.0
    except Exception:
        return 0.0
    return 1.0


def json_schema_reward(response: str, schema: dict[str, Any]) -> float:
    """JSON-schema verifier for a flat object schema: 1.0 iff ``response`` parses and matches ``schema``.

    Supports ``{"type": "object", "properties": {k: {"type": t}}, "required": [...],
    "additionalProperties": bool}`` with t in string / integer / number / boolean — enough to show the idea.
    """
    types = {"string": str, "integer": int, "number": (int, float), "boolean": bool}
    try:
        obj = json.loads(response)
    except json.JSONDecodeError:
        return 0.0
    if not isinstance(obj, dict) or any(k not in obj for k in schema.get("required", [])):
        return 0.0
    props = schema.get("properties", {})
    if not schema.get("additionalProperties", True) and any(k not in props for k in obj):
        return 0.0
    for key, spec in props.items():
        if key in obj:
            want = types[spec["type"]]
            value = obj[key]
            if isinstance(value, bool) and spec["type"] != "boolean":  # bool is an int in Python
                return 0.0
            if not isinstance(value, want):
                return 0.0
    return 1.0


def main() -> None:
    torch.manual_seed(0)

    # 1. Maths. Strict boxed exact match accepts equivalent forms and rejects hedging; a substring check is gamed
    #    by listing every candidate.
    assert math_reward(r"so the answer is \boxed{1/2}", "0.5") == 1.0
    assert math_reward(r"\boxed{\frac{1}{2}}", "0.5") == 1.0
    assert math_reward(r"\boxed{0.4}", "0.5") == 0.0
    hedge = " ".join(rf"\boxed{{{k}}}" for k in range(100))
    assert math_reward(hedge, "42") == 0.0 and substring_math_reward(hedge, "42") == 1.0
    spray = "The answer is one of " + ", ".join(str(k) for k in range(100))
    assert substring_math_reward(spray, "42") == 1.0
    # ... and exact match has false negatives too: "x = 7" is right but not boxed, so it scores 0 —
    # the policy is trained on *format* as much as on correctness.
    assert math_reward("x = 7", "7") == 0.0

    # 2. Unit tests. Special-casing the visible tests passes them and fails held-out ones; an object whose
    #    __eq__ always returns True passes any `result == expected` check unless the types are checked.
    visible = [((2, 3), 5), ((10, -4), 6)]
    hidden = [((7, 8), 15), ((0, 0), 0)]
    honest = "def add(a, b):\n    return a + b\n"
    memorised = "def add(a, b):\n    return {(2, 3): 5, (10, -4): 6}.get((a, b), 0)\n"
    always_equal = (
        "class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return AlwaysEqual()\n"
    )
    assert unit_test_reward(honest, "add", visible) == 1.0 and unit_test_reward(honest, "add", hidden) == 1.0
    assert unit_test_reward(memorised, "add", visible) == 1.0 and unit_test_reward(memorised, "add", hidden) == 0.0
    assert unit_test_reward(always_equal, "add", visible + hidden) == 1.0
    assert unit_test_reward(always_equal, "add", visible, strict_types=True) == 0.0
    assert unit_test_reward("def add(a, b):\n    raise RuntimeError\n", "add", visible) == 0.0

    # 3. JSON schema. It checks shape, not truth: a well-typed object of nonsense passes; a correct answer
    #    wrapped in one polite sentence fails.
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    assert json_schema_reward('{"name": "Ada Lovelace", "age": 36}', schema) == 1.0
    assert json_schema_reward('{"name": "", "age": -999}', schema) == 1.0
    assert json_schema_reward('Sure! {"name": "Ada Lovelace", "age": 36}', schema) == 0.0
    assert json_schema_reward('{"name": "Ada", "age": true}', schema) == 0.0

    # 4. Optimisation finds the gap. A policy over three strategies — solve (right 40% of the time),
    #    spray every candidate, or give up — trained with group-relative advantages (GRPO's, from Q12):
    #    against the substring verifier it learns to spray; against the strict one it learns to solve.
    def respond(strategy: int, gen: torch.Generator) -> str:
        if strategy == 0:
            right = torch.rand((), generator=gen).item() < 0.4
            return rf"\boxed{{{42 if right else 41}}}"
        if strategy == 1:
            return hedge
        return "I cannot solve this."

    def train(verifier: Callable[[str, str], float], steps: int = 150, group: int = 8, lr: float = 0.5) -> torch.Tensor:
        gen = torch.Generator().manual_seed(0)
        logits = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        for _ in range(steps):
            probs = torch.softmax(logits, -1)
            picks = torch.multinomial(probs.detach(), group, replacement=True, generator=gen)
            rewards = torch.tensor([[verifier(respond(int(s), gen), "42") for s in picks]], dtype=torch.float64)
            adv = group_advantages(rewards)[0]
            # policy gradient: ascend Σ_i Â_i log π(s_i)
            (grad,) = torch.autograd.grad(-(adv * torch.log_softmax(logits, -1)[picks]).mean(), logits)
            with torch.no_grad():
                logits -= lr * grad
        return torch.softmax(logits.detach(), -1)

    lenient, strict = train(substring_math_reward), train(math_reward)
    assert lenient[1] > 0.9  # the lenient verifier is hacked
    assert strict[0] > 0.9 and strict[1] < 0.05  # the strict verifier teaches solving
    print(f"P(spray) under substring verifier = {lenient[1].item():.3f}; P(solve) under strict verifier = {strict[0].item():.3f}")


if __name__ == "__main__":
    main()
