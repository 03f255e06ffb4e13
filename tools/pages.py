"""The one home for reading the site's question pages.

The MkDocs hooks (nav, section tables, backlinks, exports), the contract test and the benchmark
all read pages through this module, so the page contract is defined in exactly one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"

# Section letter -> (folder under docs/, section title). The order here is the nav order.
SECTIONS: dict[str, tuple[str, str]] = {
    "A": ("a-foundations", "Pipeline foundations"),
    "B": ("b-ppo", "PPO and RL specifics"),
    "C": ("c-dpo", "DPO and its family"),
    "D": ("d-failure-modes", "Failure modes"),
    "E": ("e-recipes", "Techniques and recipes"),
    "F": ("f-reward-modeling", "Reward modelling"),
    "G": ("g-evaluation", "Evaluation"),
    "H": ("h-verifiable-rl", "RL on verifiable rewards"),
    "I": ("i-frontier", "2024–2025 methods"),
    "J": ("j-quick-fire", "Quick-fire round"),
}
N_QUESTIONS = 85

# The page skeleton: these level-2 headings, exactly, in this order.
HEADINGS = ["Answer", "Derivation", "Code", "In practice", "Follow-ups", "References"]
REQUIRED_FIELDS = ["id", "section", "title", "short", "summary", "tags", "sources", "snippet", "related"]
ANSWER_MAX_WORDS = 180  # "about 150 words at most"; math and code are not counted

QUESTION_FILE = re.compile(r"^q(\d{2})-[a-z0-9-]+\.md$")
SOURCE_PATTERN = re.compile(r"^(arXiv:\d{4}\.\d{4,5}|doi:10\.\S+|https?://\S+)(\s.*)?$")
INCLUDE_PATTERN = re.compile(r"""^\s*-{1,}8<-{1,}\s+["']([^"':]+)(?::[^"']*)?["']\s*$""", re.M)
PLACEHOLDER = re.compile(r"\b(TODO|TBD|FIXME|lorem ipsum|coming soon|placeholder)\b", re.I)


@dataclass
class Page:
    """A question page: its file, its front matter and its Markdown body."""

    path: Path
    meta: dict[str, Any]
    body: str
    errors: list[str] = field(default_factory=list)

    @property
    def rel(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def docs_path(self) -> str:
        """Path relative to docs/, as MkDocs names it (e.g. ``c-dpo/q14-dpo-derivation.md``)."""
        return self.path.relative_to(DOCS).as_posix()

    @property
    def id(self) -> int:
        return int(self.meta.get("id", 0))

    @property
    def slug(self) -> str:
        return self.path.stem

    @property
    def expected_snippet(self) -> str:
        return f"snippets/{self.slug.replace('-', '_')}.py"

    def headings(self, level: int = 2) -> list[str]:
        return [m.group(1).strip() for m in re.finditer(rf"^{'#' * level} (.+?)\s*$", strip_fences(self.body), re.M)]

    def section_text(self, heading: str) -> str:
        """The Markdown between ``## heading`` and the next level-2 heading."""
        m = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", self.body, re.M | re.S)
        return m.group(1).strip() if m else ""

    def includes(self) -> list[str]:
        return INCLUDE_PATTERN.findall(self.body)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split ``---``-delimited YAML front matter from the body; ({}, text) when there is none."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ValueError("front matter opened with '---' is never closed")
    meta = yaml.safe_load(text[4:end]) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping")
    return meta, text[end + 5 :]


def strip_fences(markdown: str) -> str:
    """Remove fenced code blocks so that '# comment' lines inside code are not read as headings."""
    return re.sub(r"^(\s*)(`{3,}|~{3,}).*?^\1\2\s*$", "", markdown, flags=re.M | re.S)


def question_files() -> list[Path]:
    files = []
    for folder, _ in SECTIONS.values():
        files += sorted(p for p in (DOCS / folder).glob("q*.md") if QUESTION_FILE.match(p.name))
    return files


def load_page(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    try:
        meta, body = split_front_matter(text)
    except (ValueError, yaml.YAMLError) as exc:
        return Page(path, {}, text, [f"{path.relative_to(ROOT)}: bad front matter: {exc}"])
    return Page(path, meta, body)


def load_pages() -> list[Page]:
    """Every question page, in section then id order."""
    return sorted((load_page(p) for p in question_files()), key=lambda p: (str(p.meta.get("section", "")), p.id))


def words(markdown: str) -> int:
    """Words of prose: math, code and link targets are not counted."""
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|\]\([^)]*\)", " ", markdown, flags=re.S)
    return len(re.findall(r"[A-Za-z0-9][\w'’-]*", text))


def contract_errors(page: Page, all_ids: set[int]) -> list[str]:
    """Everything that is wrong with one page, each message naming the file."""
    f = page.rel
    errs = list(page.errors)
    if errs:
        return errs
    meta = page.meta
    for key in REQUIRED_FIELDS:
        if key not in meta or meta[key] in (None, "", []) and key != "related":
            errs.append(f"{f}: front matter lacks `{key}`")
    m = QUESTION_FILE.match(page.path.name)
    pid = meta.get("id")
    if not isinstance(pid, int) or not 1 <= pid <= N_QUESTIONS:
        errs.append(f"{f}: `id` must be an integer in 1..{N_QUESTIONS}, got {pid!r}")
    elif m and int(m.group(1)) != pid:
        errs.append(f"{f}: file name says q{m.group(1)} but `id` is {pid}")
    sec = meta.get("section")
    if sec not in SECTIONS:
        errs.append(f"{f}: `section` must be one of A–J, got {sec!r}")
    elif page.path.parent.name != SECTIONS[sec][0]:
        errs.append(f"{f}: section {sec} pages live in docs/{SECTIONS[sec][0]}/")
    if "tags" in meta and not (isinstance(meta["tags"], list) and all(isinstance(t, str) for t in meta["tags"])):
        errs.append(f"{f}: `tags` must be a list of strings")
    sources = meta.get("sources")
    if not isinstance(sources, list) or not sources:
        errs.append(f"{f}: `sources` must be a non-empty list")
    else:
        for s in sources:
            if not isinstance(s, str) or not SOURCE_PATTERN.match(s):
                errs.append(f"{f}: source {s!r} must start with arXiv:NNNN.NNNNN, doi:10.… or a URL")
    snippet = meta.get("snippet")
    if snippet:
        if snippet != page.expected_snippet:
            errs.append(f"{f}: `snippet` must be {page.expected_snippet} (named after the page), got {snippet}")
        if not (ROOT / snippet).is_file():
            errs.append(f"{f}: snippet {snippet} does not exist")
        if snippet not in page.includes():
            errs.append(f"{f}: the page does not include {snippet} with --8<--")
        elif snippet not in page.section_text("Code"):
            errs.append(f"{f}: {snippet} must be included under `## Code`")
    related = meta.get("related", [])
    if not isinstance(related, list):
        errs.append(f"{f}: `related` must be a list of ids")
    else:
        for r in related:
            if not isinstance(r, int) or not 1 <= r <= N_QUESTIONS:
                errs.append(f"{f}: `related` names unknown question id {r!r}")
            if r == pid:
                errs.append(f"{f}: `related` names the page itself")
    heads = page.headings()
    if heads != HEADINGS:
        missing = [h for h in HEADINGS if h not in heads]
        if missing:
            errs.append(f"{f}: missing heading(s) {', '.join('## ' + h for h in missing)}")
        else:
            errs.append(f"{f}: level-2 headings must be exactly {HEADINGS} in order, got {heads}")
    if page.headings(1):
        errs.append(f"{f}: no level-1 heading; the title comes from front matter")
    n = words(page.section_text("Answer"))
    if n > ANSWER_MAX_WORDS:
        errs.append(f"{f}: `## Answer` has {n} words; the 30-second answer keeps to about 150")
    for h in HEADINGS:
        if h in heads and not page.section_text(h):
            errs.append(f"{f}: `## {h}` is empty")
    hit = PLACEHOLDER.search(page.body + yaml.safe_dump(meta))
    if hit:
        errs.append(f"{f}: placeholder marker {hit.group(0)!r}")
    return errs


def duplicate_id_errors(pages: list[Page]) -> list[str]:
    seen: dict[int, str] = {}
    errs = []
    for p in pages:
        if p.id in seen:
            errs.append(f"{p.rel}: duplicate id {p.id} (also {seen[p.id]})")
        seen.setdefault(p.id, p.rel)
    return errs
