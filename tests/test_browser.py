"""Browser smoke test: the built site in Debian's Chromium, served on 127.0.0.1.

Asserts what a reader would notice: math typeset (no raw TeX), diagrams drawn, no request leaving
localhost, no console error, and search finding a known page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser
LOCAL = {"127.0.0.1", "localhost", ""}


@dataclass
class Visit:
    """A page opened with every request and console error recorded."""

    page: object
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def external(self) -> list[str]:
        return [u for u in self.requests if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).hostname not in LOCAL]


def open_page(browser, url: str, color_scheme: str = "light") -> Visit:
    context = browser.new_context(color_scheme=color_scheme)
    page = context.new_page()
    visit = Visit(page)
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.errors.append(str(e)))
    page.goto(url, wait_until="networkidle")
    return visit


def assert_math_rendered(visit: Visit, where: str) -> int:
    page = visit.page
    page.wait_for_function("document.querySelectorAll('.arithmatex').length === 0 || document.querySelectorAll('.arithmatex .katex').length > 0")
    unrendered = page.eval_on_selector_all(".arithmatex", "els => els.filter(e => !e.querySelector('.katex')).map(e => e.textContent.slice(0, 80))")
    assert not unrendered, f"{where}: raw TeX left: {unrendered[:3]}"
    errors = page.eval_on_selector_all(".katex-error", "els => els.map(e => e.getAttribute('title') || e.textContent)")
    assert not errors, f"{where}: KaTeX errors: {errors[:3]}"
    text = page.inner_text("article")
    assert "$$" not in text and "\\[" not in text, f"{where}: raw $$ or \\[ in the page text"
    return page.eval_on_selector_all(".arithmatex .katex", "els => els.length")


def test_question_page_math_offline(browser, site_url) -> None:
    visit = open_page(browser, site_url + "c-dpo/q14-dpo-derivation/")
    n = assert_math_rendered(visit, "Q14")
    assert n >= 10, f"Q14: only {n} formulas rendered"
    assert visit.page.locator("button[data-md-type='copy'], button.md-clipboard").count() >= 1, "Q14: no copy button on the code"
    assert not visit.external, f"Q14: requests left localhost: {visit.external}"
    assert not visit.errors, f"Q14: console errors: {visit.errors}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_home_diagram_renders_offline(browser, site_url, scheme) -> None:
    visit = open_page(browser, site_url, color_scheme=scheme)
    visit.page.wait_for_selector("div.diagram[data-rendered='true'] svg", timeout=15000)
    assert visit.page.locator("div.diagram[data-rendered='error']").count() == 0
    assert any(u.endswith("mermaid.min.js") for u in visit.requests), "mermaid was not loaded from the site"
    assert not visit.external, f"home: requests left localhost: {visit.external}"
    assert not visit.errors, f"home: console errors: {visit.errors}"


def test_search_finds_known_page(browser, site_url) -> None:
    visit = open_page(browser, site_url)
    page = visit.page
    page.keyboard.press("/")  # Material's search shortcut
    page.keyboard.type("partition function cancels", delay=20)
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    hrefs = page.eval_on_selector_all(".md-search-result__item > a", "els => els.slice(0, 3).map(e => e.href)")
    assert any("q14-dpo-derivation" in h or "q15-partition-function" in h for h in hrefs), f"top-3 search hits: {hrefs}"
    assert not visit.external and not visit.errors
