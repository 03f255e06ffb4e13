"""The snippet contract: every snippets/qNN_*.py runs in-process, asserts something, and is named after a page."""

from __future__ import annotations

import ast
import importlib
import time
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = sorted(p for p in (ROOT / "snippets").glob("q[0-9][0-9]_*.py"))
ALLOWED_IMPORTS = {"torch", "snippets", "__future__"}


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", SNIPPETS, ids=[p.stem for p in SNIPPETS])
def test_snippet(path: Path) -> None:
    rel = path.relative_to(ROOT)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    import sys

    third_party = _imports(tree) - ALLOWED_IMPORTS - set(sys.stdlib_module_names)
    assert not third_party, f"{rel}: imports {sorted(third_party)}; snippets use torch and the standard library only"
    main = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"), None)
    assert main is not None, f"{rel}: has no main() to run"
    assert any(isinstance(n, ast.Assert) for n in ast.walk(main)), f"{rel}: main() holds no assert"
    assert "if __name__ == \"__main__\":" in path.read_text(encoding="utf-8"), f"{rel}: not runnable as a script"
    page = list((ROOT / "docs").glob(f"*/{path.stem.replace('_', '-')}.md"))
    assert page, f"{rel}: no page docs/*/{path.stem.replace('_', '-')}.md uses it"

    module = importlib.import_module(f"snippets.{path.stem}")
    torch.manual_seed(12345)  # main() must seed itself: a different global seed must not matter
    start = time.perf_counter()
    module.main()
    elapsed = time.perf_counter() - start
    # A loose guard against runaway snippets; `make bench` reports the real timings against the 2 s target.
    assert elapsed < 10, f"{rel}: main() took {elapsed:.1f} s"
