"""Edge cases for the verifiers of snippets/q53_rlvr.py."""

from __future__ import annotations

from snippets.q53_rlvr import json_schema_reward, math_reward, unit_test_reward


def test_math_reward_edge_cases() -> None:
    assert math_reward("", "1") == 0.0
    assert math_reward(r"\boxed{}", "1") == 0.0
    assert math_reward(r"\boxed{1,000}", "1000") == 1.0
    assert math_reward(r"\boxed{x+1}", "x+1") == 1.0  # non-numeric: exact string match
    assert math_reward(r"\boxed{1/0}", "1") == 0.0


def test_unit_test_reward_survives_broken_programs() -> None:
    assert unit_test_reward("this is not python", "f", [((1,), 1)]) == 0.0
    assert unit_test_reward("def g(x):\n    return x\n", "f", [((1,), 1)]) == 0.0
    assert unit_test_reward("def f(x):\n    return x\n", "f", []) == 1.0  # no tests: vacuous pass, a leak in itself


def test_json_schema_reward_rejects_non_objects() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "number"}}, "required": ["a"]}
    assert json_schema_reward("[1, 2]", schema) == 0.0
    assert json_schema_reward("", schema) == 0.0
    assert json_schema_reward('{"a": 1.5, "extra": 1}', schema) == 1.0  # extra keys allowed unless forbidden
