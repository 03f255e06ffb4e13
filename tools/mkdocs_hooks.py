"""MkDocs hooks: everything the site derives from the question pages' front matter.

- the nav (sections A–J in order, each question labelled ``Q14 · DPO derivation``);
- the API reference pages for ``snippets/`` (one generated page per section, rendered by mkdocstrings);
- on each question page: where it sits, the command that runs its snippet, its related questions, and
  the "verified against TRL" mark where tests/test_trl_oracle.py covers its loss;
- on each section overview: the table of its questions with their one-line answers;
- the glossary page, from the same abbreviation list that gives every acronym its hover text;
- the learner's tools and exports (tools/exports.py): the progress page's tables and data, the drill-mode
  element on each question page, the cheat sheet, the Anki deck, the CSV, llms.txt and questions.json.
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from pathlib import Path

from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from snippets import q63_decision_tree as tree  # noqa: E402
from tools import exports  # noqa: E402
from tools.pages import DOCS, ROOT, SECTIONS, Page, load_pages  # noqa: E402
from tools.trl_marks import trl_mark  # noqa: E402

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
        {"Start here": ["notation.md", "glossary.md", "contributing.md", *exports.NAV_PAGES]},
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
    _add_exports(files, config)
    return files


def _add_exports(files, config) -> None:
    """The cheat sheet page and the downloadable exports (tools/exports.py), generated from the pages."""
    for path, content in exports.generated_files(config, _pages).items():
        files.append(File.generated(config, path, content=content))


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


def _url(docs_path: str) -> str:
    """The directory URL MkDocs gives a page (``c-dpo/q14-x.md`` -> ``c-dpo/q14-x/``)."""
    return docs_path[: -len(".md")] + "/" if not docs_path.endswith("index.md") else docs_path[: -len("index.md")]


def _tree_diagram(src: str) -> str:
    """The mermaid flowchart of snippets/q63_decision_tree.py; every leaf is a link to its question page."""
    by_id = _by_id()
    lines = ["```mermaid", "flowchart LR"]
    for node, ask in tree.DECISIONS.items():
        lines.append(f'  {node}(["{ask}"])')
    for key, leaf in tree.LEAVES.items():
        qs = " · ".join(f"Q{q}" for q in leaf.questions[:4]) + (" …" if len(leaf.questions) > 4 else "")
        lines.append(f'  {key}["{leaf.label}<br/><small>{qs}</small>"]')
    for frm, answer, to in tree.EDGES:
        lines.append(f'  {frm} -->|"{answer}"| {to}')
    for key, leaf in tree.LEAVES.items():
        if leaf.page in by_id:
            target = posixpath.relpath(_url(by_id[leaf.page].docs_path), _url(src).rstrip("/")) + "/"
            lines.append(f'  click {key} "{target}" "Open Q{leaf.page}"')
    lines.append("  classDef leaf fill:#fff3e0,stroke:#e65100,color:#000")
    lines.append("  class " + ",".join(tree.LEAVES) + " leaf")
    lines.append("```")
    return "\n".join(lines)


def _tree_table(src: str) -> str:
    """Each branch, the path to it, and the questions across sections A–J that justify it (linked)."""
    by_id = _by_id()
    paths: dict[str, str] = {}
    parent = {to: (frm, ans) for frm, ans, to in tree.EDGES}
    for key in tree.LEAVES:
        steps, node = [], key
        while node in parent:
            frm, ans = parent[node]
            steps.append(ans)
            node = frm
        paths[key] = " → ".join(reversed(steps))
    rows = ["| Branch | Path through the tree | Questions that justify it |", "|---|---|---|"]
    for key, leaf in {**tree.LEAVES, **tree.GROUPS}.items():
        qs = ", ".join(
            f"[Q{q}]({_link(src, by_id[q].docs_path)})" if q in by_id else f"Q{q}" for q in leaf.questions
        )
        where = paths.get(key, "applies on every branch")
        rows.append(f'| <span id="tree-{key}"></span>**{leaf.label}** | {where} | {qs} |')
    return "\n".join(rows)


def _glossary_table() -> str:
    rows = ["| Term | Stands for |", "|---|---|"]
    for m in re.finditer(r"^\*\[(.+?)\]:\s*(.+)$", ABBREVIATIONS.read_text(encoding="utf-8"), re.M):
        rows.append(f"| {m.group(1)} | {m.group(2)} |")
    return "\n".join(rows)


def _has_marker(markdown: str, name: str) -> bool:
    """A generated-content marker is an HTML comment alone on its line (so prose can mention it)."""
    return re.search(rf"^<!-- {name} -->[ \t]*$", markdown, re.M) is not None


def _fill_marker(markdown: str, name: str, content: str) -> str:
    return re.sub(rf"^<!-- {name} -->[ \t]*$", lambda _: content, markdown, flags=re.M)


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_uri
    # Every page gets the acronyms' hover text. Appended here rather than by pymdownx.snippets'
    # auto_append, which would also append it to each of mkdocstrings' hundreds of docstring renders.
    markdown = markdown + "\n\n" + ABBREVIATIONS.read_text(encoding="utf-8")
    markdown = exports.fill_markers(markdown, src, _pages)
    if _has_marker(markdown, "glossary"):
        markdown = _fill_marker(markdown, "glossary", _glossary_table())
    if _has_marker(markdown, "tree"):
        markdown = _fill_marker(markdown, "tree", _tree_diagram(src))
    if _has_marker(markdown, "tree-table"):
        markdown = _fill_marker(markdown, "tree-table", _tree_table(src))
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
        if src.startswith("reference/"):
            page.meta.setdefault("search", {"exclude": True})  # the same code is on the question pages
        elif src in ("tags.md", "glossary.md", "contributing.md"):
            page.meta.setdefault("search", {"boost": 0.5})  # keep question pages on top of search
        return markdown
    page.meta.setdefault("search", {"boost": 2})
    return _decorate_question(markdown, p)


def _decorate_question(markdown: str, p: Page) -> str:
    src = p.docs_path
    letter = p.meta["section"]
    folder, title = SECTIONS[letter]
    index = DOCS / folder / "index.md"
    section = f"[{title}](index.md)" if index.exists() else title
    branch = tree.branch_of(p.id)
    label = {**tree.LEAVES, **tree.GROUPS}[branch].label
    tree_page = next((q for q in _pages if q.id == 63), None)
    on_tree = f" · On the decision tree: [{label}]({_link(src, tree_page.docs_path)}#tree-{branch})" if tree_page else ""
    strip = f"Q{p.id} of 85 · Section {letter}: {section}{on_tree}\n{{: .grill-meta }}\n\n"
    strip += f"**In one line:** {p.meta.get('summary', '')}\n{{: .grill-summary }}\n\n"
    module = _module(p)
    run = (
        f"Run it: `python -m {module}` (seeded, CPU, well under 2 s). "
        f"It is tested by `tests/test_snippets.py::test_snippet[{module.split('.')[-1]}]`; "
        f"its functions are documented in the [API reference][{module}].\n\n"
    )
    markdown = strip + markdown
    markdown = re.sub(r"^## Code[ \t]*\n", lambda m: m.group(0) + "\n" + run, markdown, count=1, flags=re.M)
    mark = trl_mark(p.id)
    if mark:
        markdown = re.sub(r"^## In practice[ \t]*\n", lambda m: m.group(0) + "\n" + mark, markdown, count=1, flags=re.M)
    by_id = _by_id()
    related = [by_id[r] for r in p.meta.get("related", []) if r in by_id]
    if related:
        links = "\n".join(f"- [{_label(r)}]({_link(src, r.docs_path)})" for r in related)
        block = f"### Related questions\n\n{links}\n\n"
        markdown = re.sub(r"^## References[ \t]*$", lambda m: block + m.group(0), markdown, count=1, flags=re.M)
    return markdown


def on_page_content(html, page, config, files):
    """On each question page, the (empty, JavaScript-filled) drill-mode and self-grading element.

    Code blocks are kept out of the search index: readers search for concepts, and the snippets' source
    would otherwise make up most of the index every visitor downloads.
    """
    html = re.sub(r'<div class="language-(\w+) highlight">', r'<div class="language-\1 highlight" data-search-exclude>', html)
    return exports.drill_placeholder(html, page.file.src_uri, _pages)
