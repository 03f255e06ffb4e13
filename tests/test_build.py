"""`mkdocs build --strict` is clean, and the built site holds what the pages promise."""

from __future__ import annotations

import re
from pathlib import Path

from tools.pages import load_pages

ROOT = Path(__file__).resolve().parents[1]


def test_strict_build_is_clean(built_site) -> None:
    proc, site = built_site
    warnings = [ln for ln in (proc.stdout + proc.stderr).splitlines() if re.match(r"^(WARNING|ERROR)\s+-", ln)]
    assert proc.returncode == 0 and not warnings, "mkdocs build --strict failed:\n" + "\n".join(warnings or [proc.stderr[-4000:]])


def test_every_question_page_is_built(built_site) -> None:
    _, site = built_site
    for page in load_pages():
        html = site / Path(page.docs_path).with_suffix("") / "index.html"
        assert html.is_file(), f"{page.rel}: not built at {html.relative_to(site)}"
        text = html.read_text(encoding="utf-8")
        assert 'class="arithmatex"' in text or "$" not in page.body, f"{page.rel}: math was not converted by arithmatex"
        # The snippet is really included (pymdownx.snippets), not left as an --8<-- line.
        assert "--8&lt;--" not in text and "--8<--" not in text, f"{page.rel}: an --8<-- include was left unresolved"


def test_no_third_party_urls_in_assets(built_site) -> None:
    """Nothing the site loads by itself points at a CDN (plain <a href> links to papers are fine)."""
    _, site = built_site
    bad = []
    for html in site.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        for m in re.finditer(r"<(script|link|img|iframe|source|video|audio)\b[^>]*>", text):
            tag = m.group(0)
            if m.group(1) == "link" and not re.search(r'rel="(stylesheet|preload|modulepreload|icon|manifest)"', tag):
                continue  # rel="canonical" and friends name the site, they load nothing
            if re.search(r'\b(src|href)="(https?:)?//', tag):
                bad.append(f"{html.relative_to(site)}: {tag[:120]}")
    assert not bad, "third-party assets:\n" + "\n".join(bad[:20])
