"""Nothing in docs/ is skipped silently.

pytest-markdown-docs runs top-level ```python fences. It does not see fences nested in admonitions or
tabs (Markdown reads them as indented code) and it would run a `--8<--` include line as Python. So:

- every Python fence marked ``notest`` must be an *include*: only `--8<--` lines naming files under
  ``snippets/`` that exist (those files are run by tests/test_snippets.py);
- every other Python fence must sit at column 0, where pytest-markdown-docs collects it;
- and the number of fences pytest-markdown-docs actually collected per file must equal the count here
  (checked in conftest at collection time, see ``test_markdown_docs_collected_every_runnable_fence``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
INCLUDE_LINE = re.compile(r"""^;?-{1,}8<-{1,}\s+["'](?P<path>[^"':]+)(?::[\w-]+)?["']$""")
PY_LANGS = {"py", "python", "python3"}


@dataclass
class Fence:
    path: Path
    line: int
    indent: int
    lang: str
    options: set[str]
    body: list[str]

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def _lang_and_options(info: str) -> tuple[str, set[str]]:
    info = info.strip()
    if info.startswith("{"):
        parts = info.strip("{}").split()
        lang = next((p[1:] for p in parts if p.startswith(".")), "")
        return lang, {p for p in parts if not p.startswith(".")}
    parts = info.split()
    return (parts[0] if parts else ""), set(parts[1:])


def fences(path: Path) -> list[Fence]:
    lines = path.read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        indent, marker = m.group("indent"), m.group("fence")
        lang, options = _lang_and_options(m.group("info"))
        body, j = [], i + 1
        while j < len(lines) and not re.match(rf"^{re.escape(indent)}{marker[0]}{{{len(marker)},}}\s*$", lines[j]):
            body.append(lines[j][len(indent):])
            j += 1
        out.append(Fence(path, i + 1, len(indent.expandtabs(4)), lang, options, body))
        i = j + 1
    return out


def python_fences() -> list[Fence]:
    return [f for p in sorted(DOCS.rglob("*.md")) for f in fences(p) if f.lang in PY_LANGS]


def runnable_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in python_fences():
        if "notest" not in f.options:
            counts[str(f.path)] = counts.get(str(f.path), 0) + 1
    return counts


FENCES = python_fences()


@pytest.mark.parametrize("fence", FENCES, ids=[f.where for f in FENCES])
def test_python_fence_is_run_or_is_an_include(fence: Fence) -> None:
    text = [ln.strip() for ln in fence.body if ln.strip()]
    if "notest" in fence.options:
        assert text, f"{fence.where}: empty `notest` fence"
        for ln in text:
            m = INCLUDE_LINE.match(ln)
            assert m, f"{fence.where}: a `notest` fence may only hold --8<-- includes, found {ln!r}"
            target = ROOT / m.group("path")
            assert target.is_file(), f"{fence.where}: include target {m.group('path')} does not exist"
            assert m.group("path").startswith("snippets/"), f"{fence.where}: include {m.group('path')} is not a tested snippet"
    else:
        assert fence.indent == 0, (
            f"{fence.where}: runnable python fence is nested (indent {fence.indent}) inside an admonition or tab, "
            "where pytest-markdown-docs cannot see it; move it to the top level or include a snippet"
        )
        assert not any(INCLUDE_LINE.match(ln) for ln in text), (
            f"{fence.where}: a --8<-- include in a runnable fence; mark it {{.python notest}}"
        )


def test_markdown_docs_collected_every_runnable_fence(pytestconfig) -> None:
    collected = getattr(pytestconfig, "_markdown_docs_collected", None)
    if collected is None:
        pytest.skip("docs/ was not part of this run's collection")
    expected = runnable_counts()
    missing = {f: n for f, n in expected.items() if collected.get(f, 0) != n}
    assert not missing, f"pytest-markdown-docs collected {collected} but these files hold runnable fences: {missing}"
