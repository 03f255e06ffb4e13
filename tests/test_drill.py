"""Drill mode, self-grading, the progress page and the build-time exports (docs/javascripts/drill.js, tools/exports.py).

In Chromium against the built site: drill mode hides and reveals (button and key ``r``), survives navigation
and reloads; ``n`` goes to the next question; a self-grading mark survives a reload and changes the score on
the progress page; export -> reset -> import restores the marks. Statically: the Anki deck, the CSV, the
cheat sheet, llms.txt and questions.json hold all 85 questions, with each page's title and Answer text.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest

from tests.test_browser import open_page
from tools import exports
from tools.pages import N_QUESTIONS, SECTIONS, load_pages

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
PAGES = load_pages()
BY_ID = {p.id: p for p in PAGES}
Q14 = "c-dpo/q14-dpo-derivation/"
Q15 = "c-dpo/q15-partition-function/"


def text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    fragment = re.sub(r'<a class="headerlink".*?</a>', "", fragment, flags=re.S)
    fragment = re.sub(r"</?(p|div|li|ul|ol|br|h\d|tr|td|th|table|section)\b[^>]*>", " ", fragment)  # blocks part words
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def built_answer(site: Path, page) -> str:
    """The text of the ``## Answer`` section of a built question page."""
    source = (site / exports.page_url(page.docs_path) / "index.html").read_text(encoding="utf-8")
    m = re.search(r'<h2 id="answer">.*?</h2>(.*?)<h2 id="derivation">', source, re.S)
    assert m, f"{page.rel}: no Answer section in the built page"
    return text(m.group(1))


def no_link_targets(markdown: str) -> str:
    return re.sub(r"\]\([^)\s]*\)", "]()", markdown)


# --- Build-time exports ----------------------------------------------------------------------------


def test_bands_are_read_from_the_home_page() -> None:
    assert [(b["min"], b["max"]) for b in exports.bands()] == [(0, 39), (40, 59), (60, 74), (75, 85)]
    home = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert all(b["text"] in home for b in exports.bands())


def test_anki_deck_holds_every_answer(built_site) -> None:
    _, site = built_site
    deck = site / exports.ANKI
    assert deck.is_file(), f"{exports.ANKI} was not built"
    lines = deck.read_text(encoding="utf-8").splitlines(keepends=True)
    header = [ln.strip() for ln in lines if ln.startswith("#")]
    for needed in ("#separator:tab", "#html:true", "#tags column:3"):
        assert needed in header, f"Anki header lacks {needed}: {header}"
    rows = list(csv.reader(io.StringIO("".join(ln for ln in lines if not ln.startswith("#"))), delimiter="\t"))
    assert len(rows) == N_QUESTIONS == len(PAGES), f"{len(rows)} cards"
    for row, page in zip(rows, sorted(PAGES, key=lambda p: p.id)):
        assert len(row) == 3, f"Q{page.id}: {len(row)} fields"
        question, answer, tags = row
        assert html.unescape(question) == page.meta["title"], f"Q{page.id}: card question {question!r}"
        assert tags == f"section::{page.meta['section']}"
        assert "\n" not in answer and "\t" not in answer
        assert text(answer) == built_answer(site, page), f"Q{page.id}: the card's answer is not the page's Answer"
        for href in re.findall(r'href="([^"]+)"', answer):
            assert href.startswith("https://"), f"Q{page.id}: relative link {href} on a card"


def test_csv_holds_every_answer(built_site) -> None:
    _, site = built_site
    path = site / exports.CSV
    assert path.is_file(), f"{exports.CSV} was not built"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(rows) == N_QUESTIONS
    site_url = "https://post-training-grill.github.io/post-training-grill/"
    for row in rows:
        page = BY_ID[int(row["id"])]
        assert row["question"] == page.meta["title"]
        assert row["section"] == page.meta["section"] and row["tags"] == f"section::{page.meta['section']}"
        assert row["url"] == site_url + exports.page_url(page.docs_path)
        assert no_link_targets(row["answer"]) == no_link_targets(page.section_text("Answer")), f"Q{page.id}: CSV answer differs"
        for target in re.findall(r"\]\(([^)\s]+)\)", row["answer"]):
            assert target.startswith(site_url), f"Q{page.id}: link {target} is not absolute"
            built = site / target[len(site_url) :].split("#")[0] / "index.html"
            assert built.is_file(), f"Q{page.id}: link {target} names no built page"


def test_cheat_sheet_llms_txt_and_questions_json(built_site) -> None:
    _, site = built_site
    sheet = (site / "cheat-sheet" / "index.html").read_text(encoding="utf-8")
    cards = re.findall(r'<section class="grill-card">\s*<h3 id="q(\d+)">(.*?)</h3>(.*?)</section>', sheet, re.S)
    assert [int(c[0]) for c in cards] == list(range(1, N_QUESTIONS + 1))
    for qid, heading, body in cards:
        page = BY_ID[int(qid)]
        assert text(heading) == f"Q{qid} · {page.meta['title']}"
        assert text(body) == built_answer(site, page), f"Q{qid}: cheat-sheet answer differs from the page"

    llms = (site / exports.LLMS).read_text(encoding="utf-8").splitlines()
    assert llms[0] == "# Post-Training Grill" and llms[2].startswith("> ")
    sections = [ln for ln in llms if ln.startswith("## ")]
    assert sections == [f"## {s} · {t}" for s, (_, t) in SECTIONS.items()] + ["## Optional"]
    links = [ln for ln in llms if re.match(r"^- \[Q\d+ · .+\]\(https://\S+/\): \S", ln)]
    assert len(links) == N_QUESTIONS

    data = json.loads((site / exports.QUESTIONS_JSON).read_text(encoding="utf-8"))
    assert data["total"] == N_QUESTIONS and len(data["questions"]) == N_QUESTIONS
    assert data["bands"] == exports.bands()
    for q in data["questions"]:
        assert q["title"] == BY_ID[q["id"]].meta["title"] and (site / q["url"] / "index.html").is_file()


# --- In the browser --------------------------------------------------------------------------------


def visible(page, selector: str) -> bool:
    return page.locator(selector).first.is_visible()


def drill_ready(page) -> None:
    page.wait_for_selector(".grill-drill[data-ready] .grill-drill-toggle")


def assert_clean(visit, where: str) -> None:
    assert not visit.external, f"{where}: requests left localhost: {visit.external}"
    assert not visit.errors, f"{where}: console errors: {visit.errors}"


def test_drill_mode_hides_reveals_and_persists(browser, site_url) -> None:
    visit = open_page(browser, site_url + Q14)
    page = visit.page
    drill_ready(page)
    assert visible(page, "h2#answer") and visible(page, ".grill-summary"), "answers must show while drill mode is off"
    assert not visible(page, ".grill-veil")

    page.get_by_role("button", name=re.compile("^Drill mode")).click()
    assert page.get_attribute(".grill-drill-toggle", "aria-pressed") == "true"
    for sel in ("h2#answer", "h2#derivation", ".grill-summary"):
        assert not visible(page, sel), f"drill mode left {sel} visible"
    assert visible(page, "h2#code"), "drill mode must hide only Answer and Derivation"
    page.get_by_role("button", name="Reveal answer").click()
    assert visible(page, "h2#answer") and visible(page, "h2#derivation") and visible(page, ".grill-summary")

    # n: the next question, by instant navigation; the setting holds there and r reveals.
    page.keyboard.press("n")
    page.wait_for_url("**/" + Q15)
    drill_ready(page)
    assert not visible(page, "h2#answer"), "drill mode did not survive navigation"
    page.keyboard.press("r")
    assert visible(page, "h2#answer"), "the key r did not reveal the answer"

    # ... and a reload (a fresh page load reads localStorage).
    page.reload(wait_until="networkidle")
    drill_ready(page)
    assert not visible(page, "h2#answer"), "drill mode did not survive a reload"

    # Following a link to #derivation reveals it; after the last question, n goes to the progress page.
    page.goto(site_url + exports.page_url(BY_ID[85].docs_path) + "#derivation", wait_until="networkidle")
    drill_ready(page)
    assert visible(page, "h2#derivation")
    page.goto(site_url + exports.page_url(BY_ID[85].docs_path), wait_until="networkidle")
    drill_ready(page)
    assert not visible(page, "h2#answer")
    page.keyboard.press("n")
    page.wait_for_url("**/progress/")

    page.goto(site_url + Q14, wait_until="networkidle")
    drill_ready(page)
    page.get_by_role("button", name=re.compile("^Drill mode")).click()
    assert visible(page, "h2#answer") and not visible(page, ".grill-veil"), "turning drill mode off must show the answer"
    assert_clean(visit, "drill mode")
    page.context.close()


def test_without_javascript_answers_are_shown(browser, site_url) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + Q14)
    assert visible(page, "h2#answer") and visible(page, "h2#derivation") and visible(page, ".grill-summary")
    assert not visible(page, ".grill-drill"), "the empty drill element must not show without JavaScript"
    context.close()


def progress_state(page) -> dict:
    page.wait_for_selector("#grill-progress[data-ready]")
    return page.evaluate(
        """() => ({
          score: document.querySelector('.grill-score__n').textContent,
          cold: Object.fromEntries([...document.querySelectorAll('[data-grill-count$=":cold"]')].map(e => [e.dataset.grillCount.split(':')[0], e.textContent])),
          notyet: Object.fromEntries([...document.querySelectorAll('[data-grill-count$=":notyet"]')].map(e => [e.dataset.grillCount.split(':')[0], e.textContent])),
          band: [...document.querySelectorAll('tr.grill-band--current [data-grill-band]')].map(e => e.dataset.min + '-' + e.dataset.max),
        })"""
    )


def test_self_grading_survives_reload_and_counts(browser, site_url) -> None:
    visit = open_page(browser, site_url + Q14)
    page = visit.page
    drill_ready(page)
    cold = page.get_by_role("button", name="I answered this cold")
    cold.click()
    assert cold.get_attribute("aria-pressed") == "true"
    page.reload(wait_until="networkidle")
    drill_ready(page)
    assert page.get_by_role("button", name="I answered this cold").get_attribute("aria-pressed") == "true", "the mark did not survive a reload"
    assert "1 of 85 answered cold" in page.inner_text(".grill-grade__status")

    page.goto(site_url + "a-foundations/q03-bradley-terry/", wait_until="networkidle")
    drill_ready(page)
    page.get_by_role("button", name="Not yet").click()

    page.goto(site_url + "progress/", wait_until="networkidle")
    state = progress_state(page)
    assert state["score"] == "1" and state["cold"]["C"] == "1" and state["cold"]["all"] == "1" and state["cold"]["A"] == "0"
    assert state["notyet"]["A"] == "1" and state["notyet"]["all"] == "1"
    assert state["band"] == ["0-39"]
    # The next unanswered question is the first one not marked at all: Q1.
    nxt = page.get_by_role("link", name=re.compile("^Next unanswered question"))
    assert nxt.get_attribute("href").endswith("/a-foundations/q01-post-training-pipeline/")
    page.get_by_role("link", name="Random question").click()
    page.wait_for_url(re.compile(r"/[a-j]-[a-z-]+/q\d\d-[a-z0-9-]+/$"))
    drill_ready(page)
    assert_clean(visit, "self-grading")
    page.context.close()


def test_export_reset_import_restores_progress(browser, site_url, tmp_path) -> None:
    visit = open_page(browser, site_url + Q14)
    page = visit.page
    drill_ready(page)
    page.get_by_role("button", name="I answered this cold").click()
    page.goto(site_url + "progress/", wait_until="networkidle")
    assert progress_state(page)["score"] == "1"

    with page.expect_download() as download:
        page.get_by_role("button", name="Export progress (JSON)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert exported["format"] == "post-training-grill-progress" and exported["marks"]["14"]["status"] == "cold"

    page.get_by_role("button", name="Reset progress").click()
    page.get_by_role("button", name="Yes, erase all marks").click()
    assert progress_state(page)["score"] == "0"

    bad = tmp_path / "not-progress.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import progress…").click()
    chooser.value.set_files(str(bad))
    page.wait_for_function("document.querySelector('.grill-message').textContent.startsWith('Could not import')")
    assert progress_state(page)["score"] == "0"

    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import progress…").click()
    chooser.value.set_files(str(saved))
    page.wait_for_function("document.querySelector('.grill-score__n').textContent === '1'")
    assert progress_state(page)["cold"]["C"] == "1"
    page.goto(site_url + Q14, wait_until="networkidle")
    drill_ready(page)
    assert page.get_by_role("button", name="I answered this cold").get_attribute("aria-pressed") == "true"
    assert_clean(visit, "export/import")
    page.context.close()


def test_learner_pages_are_accessible_and_fit_a_phone(browser, site_url) -> None:
    """With drill mode on and a mark set: no sideways scroll at 390 px; axe-core (serious/critical) at desktop
    width as in tests/test_crawl.py — on the progress page and the cheat sheet whole, on a question page
    over the drill and self-grading controls (the rest of that page is the crawl's)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(site_url + Q14, wait_until="networkidle")
    drill_ready(page)
    page.get_by_role("button", name=re.compile("^Drill mode")).click()
    page.get_by_role("button", name="Not yet").click()
    failures = []
    for path, scope in ((Q14, [".grill-drill", ".grill-veil"]), ("progress/", None), ("cheat-sheet/", None)):
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(site_url + path, wait_until="networkidle")
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if sideways > 1:
            failures.append(f"/{path}: scrolls sideways by {sideways}px at 390 px")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async (scope) => (await axe.run(scope ? {include: scope.map(s => [s])} : document, {resultTypes: ['violations']}))"
            ".violations.map(v => ({id: v.id, impact: v.impact, n: v.nodes.length, where: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))",
            scope,
        )
        serious = [v for v in result if v["impact"] in ("serious", "critical")]
        if serious:
            failures.append(f"/{path}: {serious}")
    assert visible(page, "h3#q14"), "the cheat sheet lacks Q14"
    context.close()
    assert not failures, "\n".join(failures)
    assert not errors, f"console errors: {errors}"
