"""Exports and learner's tools generated at build time from the question pages (no second copy of anything).

Called from tools/mkdocs_hooks.py:

- ``cheat-sheet.md``: every question with its ``## Answer`` on one printable page;
- ``downloads/post-training-grill-anki.txt``: an Anki deck (question / answer / ``section::X`` tag);
- ``downloads/post-training-grill.csv``: the same cards as CSV (answer in Markdown, links absolute);
- ``llms.txt``: the llmstxt.org index of the site (title, summary, one linked line per question);
- ``questions.json``: every question's id, section, title and URL, with the sections and the self-grading
  bands of docs/index.md (the drill and progress scripts read the same data, inlined in the progress page);
- on the progress page (docs/progress.md), the section and band tables and the inline question data;
- on each question page, the empty ``.grill-drill`` element that docs/javascripts/drill.js fills in.

Everything here reads pages through tools/pages.py; the Answer text is ``Page.section_text("Answer")``.
"""

from __future__ import annotations

import csv
import html
import io
import json
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.pages import DOCS, N_QUESTIONS, SECTIONS, Page

PROGRESS = "progress.md"
CHEAT_SHEET = "cheat-sheet.md"
NAV_PAGES = [PROGRESS, CHEAT_SHEET]  # listed under "Start here"
ANKI = "downloads/post-training-grill-anki.txt"
CSV = "downloads/post-training-grill.csv"
LLMS = "llms.txt"
QUESTIONS_JSON = "questions.json"
CSV_FIELDS = ["id", "section", "question", "answer", "tags", "url"]
INDEX = DOCS / "index.md"

LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")
BAND_ROW = re.compile(r"^\|\s*(\d+)\s*[–-]\s*(\d+)\s*\|\s*(.+?)\s*\|\s*$", re.M)


# --- URLs and links -------------------------------------------------------------------------------


def page_url(docs_path: str) -> str:
    """The directory URL MkDocs gives a page, relative to the site root (``c-dpo/q14-x.md`` -> ``c-dpo/q14-x/``)."""
    if docs_path == "index.md" or docs_path.endswith("/index.md"):
        return docs_path[: -len("index.md")]
    return docs_path[: -len(".md")] + "/"


def relative_url(from_url: str, to_url: str) -> str:
    """A relative href from one directory URL to another (both relative to the site root)."""
    rel = posixpath.relpath(to_url or ".", from_url.rstrip("/") or ".")
    return "./" if rel == "." else rel.rstrip("/") + "/"


def _rewrite_links(markdown: str, page: Page, target: Callable[[str, str], str]) -> str:
    """Apply ``target(docs_path, fragment)`` to every relative link of ``page`` that names a docs/ file."""

    def repl(m: re.Match) -> str:
        href = m.group(2)
        if re.match(r"^([a-z][a-z0-9+.-]*:|#|/)", href, re.I):
            return m.group(0)
        path, _, fragment = href.partition("#")
        docs_path = posixpath.normpath(posixpath.join(posixpath.dirname(page.docs_path), path))
        return f"[{m.group(1)}]({target(docs_path, fragment)})"

    return LINK.sub(repl, markdown)


def absolute_links(markdown: str, page: Page, site_url: str) -> str:
    """``page``'s Markdown with relative links to other pages turned into absolute URLs on the published site."""

    def target(docs_path: str, fragment: str) -> str:
        url = site_url + (page_url(docs_path) if docs_path.endswith(".md") else docs_path)
        return url + (f"#{fragment}" if fragment else "")

    return _rewrite_links(markdown, page, target)


def root_links(markdown: str, page: Page) -> str:
    """``page``'s Markdown with relative links re-based for a page at the docs root (the cheat sheet)."""
    return _rewrite_links(markdown, page, lambda p, f: p + (f"#{f}" if f else ""))


def answer(page: Page) -> str:
    """The page's 30-second answer: the Markdown of its ``## Answer`` section."""
    return page.section_text("Answer")


# --- Data shared by the progress page, questions.json and the drill script -------------------------


def bands(index: Path = INDEX) -> list[dict[str, Any]]:
    """The self-grading bands, read from the "Grading yourself" table of docs/index.md (the one scale)."""
    text = index.read_text(encoding="utf-8")
    m = re.search(r"^## Grading yourself\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        raise ValueError(f"{index}: no '## Grading yourself' section to read the bands from")
    out = [{"min": int(a), "max": int(b), "text": t} for a, b, t in BAND_ROW.findall(m.group(1))]
    edges = [b["min"] for b in out] + [out[-1]["max"] + 1] if out else []
    if not out or edges[0] != 0 or edges[-1] != N_QUESTIONS + 1 or any(b["max"] + 1 != n for b, n in zip(out, edges[1:])):
        raise ValueError(f"{index}: the bands must cover 0–{N_QUESTIONS} without gaps or overlaps, got {out}")
    return out


def questions_data(pages: list[Page]) -> dict[str, Any]:
    """Every question (id, section, title, short label, URL from the site root), the sections and the bands."""
    ordered = sorted(pages, key=lambda p: p.id)
    return {
        "total": N_QUESTIONS,
        "sections": [
            {"letter": s, "title": title, "url": page_url(f"{folder}/index.md"), "count": sum(p.meta.get("section") == s for p in pages)}
            for s, (folder, title) in SECTIONS.items()
        ],
        "bands": bands(),
        "questions": [
            {"id": p.id, "section": p.meta["section"], "title": p.meta["title"], "short": p.meta.get("short", ""), "url": page_url(p.docs_path)}
            for p in ordered
        ],
    }


def _json_for_html(data: Any) -> str:
    """JSON that is safe inside a <script> element (no ``</script>``, no HTML comment openers)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")


# --- Progress page and question pages --------------------------------------------------------------


def _sections_table(pages: list[Page]) -> str:
    rows = ["| Section | Questions | Answered cold | Not yet |", "|---|---|---|---|"]
    for s, (folder, title) in SECTIONS.items():
        n = sum(p.meta.get("section") == s for p in pages)
        link = f"[{s} · {title}]({folder}/index.md)" if (DOCS / folder / "index.md").exists() else f"{s} · {title}"
        rows.append(f'| {link} | {n} | <span data-grill-count="{s}:cold">–</span> | <span data-grill-count="{s}:notyet">–</span> |')
    rows.append(f'| **All sections** | **{len(pages)}** | <span data-grill-count="all:cold">–</span> | <span data-grill-count="all:notyet">–</span> |')
    return "\n".join(rows)


def _bands_table() -> str:
    rows = ["| Score | Where you stand |", "|---|---|"]
    for b in bands():
        rows.append(f'| <span data-grill-band data-min="{b["min"]}" data-max="{b["max"]}">{b["min"]}–{b["max"]}</span> | {b["text"]} |')
    return "\n".join(rows)


def fill_markers(markdown: str, src: str, pages: list[Page]) -> str:
    """On the progress page: ``<!-- progress-sections -->``, ``<!-- progress-bands -->``, ``<!-- progress-data -->``."""
    if src != PROGRESS:
        return markdown
    content = {
        "progress-sections": lambda: _sections_table(pages),
        "progress-bands": lambda: _bands_table(),
        "progress-data": lambda: f'<script type="application/json" id="grill-questions">{_json_for_html(questions_data(pages))}</script>',
    }
    for name, make in content.items():
        markdown = re.sub(rf"^<!-- {name} -->[ \t]*$", lambda _: make(), markdown, flags=re.M)
    return markdown


def drill_placeholder(content_html: str, src: str, pages: list[Page]) -> str:
    """On a question page, an empty ``.grill-drill`` element after the section strip, for drill.js to fill.

    Its data attributes carry what the script needs: the question's id and section, the total, the URL of
    the next question (by id; the progress page after the last one) and of the progress page.
    """
    by_id = {p.id: p for p in pages}
    page = next((p for p in pages if p.docs_path == src), None)
    if page is None:
        return content_html
    here = page_url(src)
    nxt = by_id.get(page.id + 1)
    if nxt is not None:
        next_url, next_label = page_url(nxt.docs_path), f"Q{nxt.id} · {nxt.meta.get('short', nxt.meta['title'])}"
    else:
        next_url, next_label = page_url(PROGRESS), "Your progress"
    attrs = {
        "data-question": page.id,
        "data-section": page.meta["section"],
        "data-total": N_QUESTIONS,
        "data-next": relative_url(here, next_url),
        "data-next-label": next_label,
        "data-progress": relative_url(here, page_url(PROGRESS)),
    }
    div = "<div class=\"grill-drill\" " + " ".join(f'{k}="{html.escape(str(v))}"' for k, v in attrs.items()) + "></div>"
    out, n = re.subn(r'(<p class="grill-meta">.*?</p>)', lambda m: m.group(1) + "\n" + div, content_html, count=1, flags=re.S)
    return out if n else div + "\n" + content_html


# --- Exports ---------------------------------------------------------------------------------------


def cheat_sheet(pages: list[Page]) -> str:
    """The printable cheat sheet: each question, linked to its page, with its ``## Answer`` text."""
    out = [
        "---",
        "title: Cheat sheet — all 85 answers",
        "search:",
        "  exclude: true",  # the answers are already found on their own pages
        "---",
        "",
        f"The {len(pages)} thirty-second answers on one page, taken at build time from each question's *Answer*",
        "section. Print it (Ctrl/⌘ + P): the site's navigation is left out and the answers run in two columns.",
        "The same cards as an [Anki deck](downloads/post-training-grill-anki.txt){ download } or a",
        "[CSV file](downloads/post-training-grill.csv){ download }; your own marks are on [Your progress](progress.md).",
        "{: .grill-cheat-intro }",
        "",
        '<div class="grill-cheat" markdown>',
        "",
    ]
    for s, (folder, title) in SECTIONS.items():
        section = [p for p in pages if p.meta.get("section") == s]
        if not section:
            continue
        out += [f"## {s} · {title} {{ #section-{s.lower()} }}", ""]
        for p in sorted(section, key=lambda p: p.id):
            out += [
                '<section class="grill-card" markdown>',
                "",
                f"### [Q{p.id} · {p.meta['title']}]({p.docs_path}) {{ #q{p.id} }}",
                "",
                root_links(answer(p), p),
                "",
                "</section>",
                "",
            ]
    out += ["</div>", ""]
    return "\n".join(out)


def markdown_renderer(config: Any) -> Callable[[str], str]:
    """Markdown -> HTML with the site's own extensions (so math, abbreviations and symbols match the pages)."""
    import markdown

    extensions = [e for e in config["markdown_extensions"] if isinstance(e, str)]
    md = markdown.Markdown(extensions=extensions, extension_configs=config["mdx_configs"])

    def render(text: str) -> str:
        md.reset()
        return md.convert(text)

    return render


def one_line_html(fragment: str) -> str:
    """HTML on one line (the newlines of wrapped prose become spaces; inside <pre>, <br>)."""
    parts = re.split(r"(<pre\b.*?</pre>)", fragment, flags=re.S)
    return "".join(p.replace("\n", "<br>") if p.startswith("<pre") else re.sub(r"\s*\n\s*", " ", p) for p in parts).strip()


def anki_deck(pages: list[Page], render: Callable[[str], str], site_url: str) -> str:
    """Anki's text-import format: header lines, then question / answer (HTML) / tags, tab-separated."""
    buf = io.StringIO()
    buf.write("#separator:tab\n#html:true\n#tags column:3\n#deck:Post-Training Grill\n#columns:Question\tAnswer\tTags\n")
    w = csv.writer(buf, delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    for p in sorted(pages, key=lambda p: p.id):
        w.writerow([html.escape(p.meta["title"], quote=False), one_line_html(render(absolute_links(answer(p), p, site_url))), f"section::{p.meta['section']}"])
    return buf.getvalue()


def csv_export(pages: list[Page], site_url: str) -> str:
    """The same cards as CSV: id, section, question, answer (Markdown, links absolute), tags, url."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for p in sorted(pages, key=lambda p: p.id):
        w.writerow(
            {
                "id": p.id,
                "section": p.meta["section"],
                "question": p.meta["title"],
                "answer": absolute_links(answer(p), p, site_url),
                "tags": f"section::{p.meta['section']}",
                "url": site_url + page_url(p.docs_path),
            }
        )
    return buf.getvalue()


def llms_txt(pages: list[Page], name: str, description: str, site_url: str) -> str:
    """The llmstxt.org index: ``# title``, ``> summary``, then one section of linked questions per letter."""
    out = [
        f"# {name}",
        "",
        f"> {description}",
        "",
        "Every question page has the same skeleton: Answer (30 seconds), Derivation (formulas checked against",
        "and cited to the primary paper), Code (a PyTorch snippet that asserts the claim), In practice",
        "(hyperparameters and library knob names), Follow-ups and References. Each line below links a question",
        "page and gives its one-line answer.",
        "",
    ]
    for s, (folder, title) in SECTIONS.items():
        section = sorted((p for p in pages if p.meta.get("section") == s), key=lambda p: p.id)
        if not section:
            continue
        out += [f"## {s} · {title}", ""]
        out += [f"- [Q{p.id} · {p.meta['title']}]({site_url}{page_url(p.docs_path)}): {p.meta.get('summary', '')}" for p in section]
        out.append("")
    out += [
        "## Optional",
        "",
        f"- [Notation]({site_url}notation/): the symbols used on every page",
        f"- [Glossary]({site_url}glossary/): every abbreviation the site uses",
        f"- [Cheat sheet]({site_url}cheat-sheet/): all {len(pages)} answers on one page",
        f"- [Answers as CSV]({site_url}{CSV}): id, section, question, answer (Markdown), tags, url",
        f"- [Anki deck]({site_url}{ANKI}): the same cards in Anki's text-import format",
        "",
    ]
    return "\n".join(out)


def generated_files(config: Any, pages: list[Page]) -> dict[str, str]:
    """Every generated file, by its path from the docs root (for ``File.generated`` in ``on_files``)."""
    site_url = config.get("site_url") or ""
    if site_url and not site_url.endswith("/"):
        site_url += "/"
    return {
        CHEAT_SHEET: cheat_sheet(pages),
        ANKI: anki_deck(pages, markdown_renderer(config), site_url),
        CSV: csv_export(pages, site_url),
        LLMS: llms_txt(pages, config["site_name"], config.get("site_description") or "", site_url),
        QUESTIONS_JSON: json.dumps(questions_data(pages), ensure_ascii=False, indent=1) + "\n",
    }
