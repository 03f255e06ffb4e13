"""Quality gate over every built page, in Chromium, as a reader on a phone would meet it.

Each page is opened at 390 px wide (the crawl) and checked for: math typeset with no raw TeX and no KaTeX
error; diagrams drawn; no console error; no request to a non-local host; images loaded; a copy button on
every code block; no sideways scrolling of the page (long equations and code scroll in their own box).
Internal links and anchors are checked statically over the whole site. Dark mode and axe-core
accessibility are checked on one page of each type.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from tests.test_browser import assert_math_rendered, open_page

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the site, as URL paths relative to the root (``c-dpo/q14-…/``)."""
    out = []
    for html in sorted(site.rglob("index.html")):
        rel = html.relative_to(site).parent.as_posix()
        if rel.startswith(("assets", "search")):
            continue
        out.append("" if rel == "." else rel + "/")
    return out


class _LinksAndIds(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def test_internal_links_and_anchors_resolve(built_site) -> None:
    _, site = built_site
    parsed: dict[Path, _LinksAndIds] = {}
    for html in site.rglob("*.html"):
        p = _LinksAndIds()
        p.feed(html.read_text(encoding="utf-8"))
        parsed[html] = p
    broken = []
    for html, p in parsed.items():
        if html.name == "404.html" and html.parent == site:
            continue  # the 404 page links absolutely (it is served at any depth)
        base = "http://site/" + html.relative_to(site).as_posix()
        for href in p.links:
            url = urlparse(urljoin(base, href))
            if url.scheme not in ("http", "https") or url.netloc != "site":
                continue
            target = site / unquote(url.path).lstrip("/")
            if target.is_dir() or url.path.endswith("/"):
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{html.relative_to(site)}: {href} (no file)")
                continue
            if url.fragment and target.suffix == ".html" and not url.fragment.startswith("__"):
                ids = parsed[target].ids if target in parsed else set()
                if unquote(url.fragment) not in ids:
                    broken.append(f"{html.relative_to(site)}: {href} (no anchor)")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:30])


def _check_page(path: str, page, requests: list[str], errors: list[str]) -> list[str]:
    """What is wrong with one loaded page, as readable lines."""
    problems = []
    page.wait_for_load_state("load")
    try:
        page.wait_for_function(
            "[...document.querySelectorAll('.arithmatex')].every(e => e.querySelector('.katex'))"
            " && [...document.querySelectorAll('div.diagram')].every(e => ['true','error'].includes(e.getAttribute('data-rendered')))",
            timeout=20000,
        )
    except Exception:  # noqa: BLE001 — reported below with the details
        problems.append(f"/{path}: math or diagrams never finished rendering")
    report = page.evaluate(
        """() => ({
          rawMath: [...document.querySelectorAll('.arithmatex')].filter(e => !e.querySelector('.katex')).length,
          katexErrors: document.querySelectorAll('.katex-error').length,
          badDiagrams: document.querySelectorAll("div.diagram:not([data-rendered='true'])").length,
          brokenImages: [...document.querySelectorAll('article img')].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
          codeWithoutCopy: [...document.querySelectorAll('article div.highlight pre')].filter(p => !p.closest('.doc-signature, .linenos')).filter(p => !p.querySelector("button[data-md-type='copy'], .md-clipboard")).length,
          sideways: document.documentElement.scrollWidth - window.innerWidth,
        })"""
    )
    external = [u for u in requests if urlparse(u).scheme in ("http", "https") and urlparse(u).hostname not in ("127.0.0.1", "localhost")]
    for key, bad in (
        ("raw TeX", report["rawMath"]),
        ("KaTeX errors", report["katexErrors"]),
        ("undrawn diagrams", report["badDiagrams"]),
        ("broken images", report["brokenImages"]),
        ("code blocks without a copy button", report["codeWithoutCopy"]),
        ("sideways scroll (px)", report["sideways"] if report["sideways"] > 1 else 0),
        ("external requests", external),
        ("console errors", errors),
    ):
        if bad:
            problems.append(f"/{path}: {key}: {bad}")
    return problems


def test_every_page_in_a_phone_browser(browser, built_site, site_url) -> None:
    _, site = built_site
    pages = site_pages(site)
    assert len(pages) > 10, pages
    context = browser.new_context(viewport={"width": 390, "height": 844})
    problems: list[str] = []
    # Pages load three at a time (navigation runs in the browser while Python checks another page).
    for start in range(0, len(pages), 3):
        opened = []
        for path in pages[start : start + 3]:
            page = context.new_page()
            requests: list[str] = []
            errors: list[str] = []
            page.on("request", lambda r, requests=requests: requests.append(r.url))
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.goto(site_url + path, wait_until="commit")
            opened.append((path, page, requests, errors))
        for path, page, requests, errors in opened:
            problems += _check_page(path, page, requests, errors)
            page.close()
    context.close()
    print(f"crawled {len(pages)} pages at 390 px")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


def _page_types(site: Path) -> dict[str, str]:
    pages = site_pages(site)
    pick = {
        "home": "",
        "question": next((p for p in pages if re.search(r"/q\d\d-", "/" + p)), None),
        "section": next((p for p in pages if re.fullmatch(r"[a-j]-[a-z-]+/", p)), None),
        "reference": next((p for p in pages if p.startswith("reference/") and p != "reference/"), None),
        "notebook": next((p for p in pages if (site / p / "index.html").read_text(encoding="utf-8").count("jp-Cell") > 0), None),
        "glossary": "glossary/",
        "tags": "tags/",
    }
    return {k: v for k, v in pick.items() if v is not None}


def test_dark_mode_renders(browser, built_site, site_url) -> None:
    _, site = built_site
    for kind, path in _page_types(site).items():
        visit = open_page(browser, site_url + path, color_scheme="dark")
        scheme = visit.page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        assert scheme == "slate", f"{kind} /{path}: dark palette not applied ({scheme})"
        assert_math_rendered(visit, f"{kind} /{path} (dark)")
        assert not visit.errors, f"{kind} /{path} (dark): console errors {visit.errors}"
        visit.page.context.close()


def test_accessibility_axe(browser, built_site, site_url) -> None:
    _, site = built_site
    failures = []
    for kind, path in _page_types(site).items():
        visit = open_page(browser, site_url + path)
        visit.page.add_script_tag(path=str(AXE))
        result = visit.page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                                     ".map(v => ({id: v.id, impact: v.impact, n: v.nodes.length, help: v.help}))")
        serious = [v for v in result if v["impact"] in ("serious", "critical")]
        if serious:
            failures.append(f"{kind} /{path}: {serious}")
        visit.page.context.close()
    assert not failures, "axe-core serious/critical violations:\n" + "\n".join(failures)
