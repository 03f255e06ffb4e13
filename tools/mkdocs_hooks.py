"""MkDocs hooks: everything the site derives from the question pages' front matter.

- the nav (sections A–J in order, each question labelled ``Q14 · DPO derivation``);
- the API reference pages for ``snippets/`` (one generated page per section, rendered by mkdocstrings);
- on each question page: where it sits, the command that runs its snippet, and its related questions;
- on each section overview: the table of its questions with their one-line answers;
- the glossary page, from the same abbreviation list that gives every acronym its hover text.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.pages import DOCS, ROOT, SECTIONS, Page, load_pages  # noqa: E402

ABBREVIATIONS = DOCS / "includes" / "abbreviations.md"
_pages: list[Page] = []


def _by_id() -> dict[int, Page]:
    return {p.id: p for p in _pages}


def _link(src_docs_path: str, dst_docs_path: str) -> str:
    """A relative Markdown link target from one docs/ file to another."""
    return os.path.relpath(dst_docs_path, os.path.dirname(src_docs_path) or ".").replace(os.sep, "/")


def _label(p: Page) -> str:
    return f"Q{p.id} · {p.meta.get('short', p.meta.get('title', p.slug))}"


def _module(p: Page) -> str:
    return Path(p.meta["snippet"]).with_suffix("").as_posix().replace("/", ".")


def _extras(folder: Path) -> list[str]:
    """Non-question pages in a section folder (variant maps, notebooks), in name order."""
    out = []
    for f in sorted(folder.iterdir()):
        if f.name == "index.md" or re.match(r"^q\d{2}-", f.name):
            continue
        if f.suffix in (".md", ".ipynb"):
            out.append(f.relative_to(DOCS).as_posix())
    return out


def on_config(config):
    global _pages
    _pages = load_pages()
    nav: list = [
        {"Home": "index.md"},
        {"Start here": ["notation.md", "glossary.md", "contributing.md"]},
    ]
    for letter, (folder, title) in SECTIONS.items():
        d = DOCS / folder
        if not d.is_dir():
            continue
        entries: list = []
        if (d / "index.md").exists():
            entries.append(f"{folder}/index.md")
        entries += [{_label(p): p.docs_path} for p in _pages if p.meta.get("section") == letter]
        entries += _extras(d)
        if entries:
            nav.append({f"{letter} · {title}": entries})
    ref = ["reference/index.md"] + [f"reference/{SECTIONS[s][0]}.md" for s in _sections_with_snippets()]
    nav.append({"API reference": ref})
    nav.append({"Tags": "tags.md"})
    config["nav"] = nav
    return config


def _sections_with_snippets() -> list[str]:
    present = {p.meta.get("section") for p in _pages if p.meta.get("snippet")}
    return [s for s in SECTIONS if s in present]


def on_files(files, config):
    index = [
        "# API reference\n",
        "Every reference function on the site, with its docstring (the equation and tensor shapes) and its source.",
        "Each question's snippet lives in `snippets/qNN_<slug>.py` and runs with `python -m snippets.qNN_<slug>`.\n",
    ]
    for s in _sections_with_snippets():
        folder, title = SECTIONS[s]
        pages = [p for p in _pages if p.meta.get("section") == s and p.meta.get("snippet")]
        index.append(f"- [{s} · {title}]({folder}.md): " + ", ".join(f"Q{p.id}" for p in pages))
        body = [f"# {s} · {title}: snippets\n"]
        for p in pages:
            body.append(f"::: {_module(p)}\n")
            body.append(f"Used on [{_label(p)}](../{p.docs_path}).\n")
        files.append(File.generated(config, f"reference/{folder}.md", content="\n".join(body)))
    files.append(File.generated(config, "reference/index.md", content="\n".join(index) + "\n"))
    return files


def _question_table(src: str, pages: list[Page]) -> str:
    rows = ["| Q | Question | One-line answer |", "|---|---|---|"]
    for p in pages:
        rows.append(f"| {p.id} | [{p.meta['title']}]({_link(src, p.docs_path)}) | {p.meta.get('summary', '')} |")
    return "\n".join(rows)


def _sections_table() -> str:
    rows = ["| Section | Questions |", "|---|---|"]
    for letter, (folder, title) in SECTIONS.items():
        pages = [p for p in _pages if p.meta.get("section") == letter]
        if not pages:
            continue
        target = f"{folder}/index.md" if (DOCS / folder / "index.md").exists() else pages[0].docs_path
        ids = ", ".join(f"[{p.id}]({p.docs_path})" for p in pages)
        rows.append(f"| [{letter} · {title}]({target}) | {ids} |")
    return "\n".join(rows)


def _glossary_table() -> str:
    rows = ["| Term | Stands for |", "|---|---|"]
    for m in re.finditer(r"^\*\[(.+?)\]:\s*(.+)$", ABBREVIATIONS.read_text(encoding="utf-8"), re.M):
        rows.append(f"| {m.group(1)} | {m.group(2)} |")
    return "\n".join(rows)


def _has_marker(markdown: str, name: str) -> bool:
    """A generated-content marker is an HTML comment alone on its line (so prose can mention it)."""
    return re.search(rf"^<!-- {name} -->\s*$", markdown, re.M) is not None


def _fill_marker(markdown: str, name: str, content: str) -> str:
    return re.sub(rf"^<!-- {name} -->\s*$", lambda _: content, markdown, flags=re.M)


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_uri
    if _has_marker(markdown, "glossary"):
        markdown = _fill_marker(markdown, "glossary", _glossary_table())
    if _has_marker(markdown, "questions"):
        folder = Path(src).parent.as_posix()
        letter = next((k for k, (f, _) in SECTIONS.items() if f == folder), None)
        if src == "index.md":
            table = _sections_table()
        else:
            table = _question_table(src, [p for p in _pages if p.meta.get("section") == letter])
        markdown = _fill_marker(markdown, "questions", table)
    p = next((q for q in _pages if q.docs_path == src), None)
    if p is None:
        return markdown
    return _decorate_question(markdown, p)


def _decorate_question(markdown: str, p: Page) -> str:
    src = p.docs_path
    letter = p.meta["section"]
    folder, title = SECTIONS[letter]
    strip = (
        f'<p class="grill-meta">Q{p.id} of 85 · Section {letter}: '
        f'<a href="../">{title}</a></p>\n\n'
    )
    module = _module(p)
    run = (
        f"Run it: `python -m {module}` (seeded, CPU, well under 2 s). "
        f"It is tested by `tests/test_snippets.py::test_snippet[{module.split('.')[-1]}]`; "
        f"its functions are documented in the [API reference][{module}].\n\n"
    )
    markdown = strip + markdown
    markdown = re.sub(r"^## Code\s*$\n", lambda m: m.group(0) + "\n" + run, markdown, count=1, flags=re.M)
    by_id = _by_id()
    related = [by_id[r] for r in p.meta.get("related", []) if r in by_id]
    if related:
        links = "\n".join(f"- [{_label(r)}]({_link(src, r.docs_path)})" for r in related)
        block = f"### Related questions\n\n{links}\n\n"
        markdown = re.sub(r"^## References\s*$", lambda m: block + m.group(0), markdown, count=1, flags=re.M)
    return markdown
