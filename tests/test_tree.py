"""The 2025 decision tree (Q63): every leaf links to its question page, every page links back to the tree.

The tree's data live in snippets/q63_decision_tree.py; the diagram, the branch table and the back-links
are generated from it by tools/mkdocs_hooks.py. These tests read the built site, and click a leaf in Chromium.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from snippets import q63_decision_tree as tree
from tests.test_browser import open_page
from tools.pages import load_pages

PAGES = {p.id: p for p in load_pages()}
TREE_PAGE = PAGES.get(63)


def _html(site: Path, page) -> str:
    return (site / Path(page.docs_path).with_suffix("") / "index.html").read_text(encoding="utf-8")


def test_all_85_questions_have_pages() -> None:
    missing = sorted(set(range(1, 86)) - set(PAGES))
    assert not missing, f"questions without a page: {missing}"


def test_every_leaf_page_exists() -> None:
    for key, leaf in tree.LEAVES.items():
        assert leaf.page in PAGES, f"leaf {key!r} opens Q{leaf.page}, which has no page"


def test_tree_page_holds_clickable_leaves(built_site) -> None:
    _, site = built_site
    html = _html(site, TREE_PAGE)
    for key, leaf in tree.LEAVES.items():
        target = Path(PAGES[leaf.page].docs_path).with_suffix("").name
        assert re.search(rf'click {key} (?:"|&quot;)[./]*(?:[a-j]-[a-z-]+/)?{target}/(?:"|&quot;)', html), f"leaf {key!r} has no click link to {target}"
    for key in {**tree.LEAVES, **tree.GROUPS}:
        assert f'id="tree-{key}"' in html, f"branch row tree-{key} missing from the table"


@pytest.mark.parametrize("qid", sorted(PAGES), ids=[f"q{q:02d}" for q in sorted(PAGES)])
def test_page_links_back_to_its_branch(built_site, qid: int) -> None:
    _, site = built_site
    branch = tree.branch_of(qid)
    html = _html(site, PAGES[qid])
    assert re.search(rf'href="[./]*(?:(?:i-frontier/)?q63-decision-tree/)?#tree-{branch}"', html), (
        f"{PAGES[qid].rel}: no back-link to the decision tree's row tree-{branch}"
    )


@pytest.mark.browser
def test_clicking_a_leaf_opens_its_question(browser, site_url) -> None:
    visit = open_page(browser, site_url + Path(TREE_PAGE.docs_path).with_suffix("").as_posix() + "/")
    page = visit.page
    page.wait_for_selector("div.diagram[data-rendered='true'] svg", timeout=20000)
    leaf = tree.LEAVES["dpo"]
    target = Path(PAGES[leaf.page].docs_path).with_suffix("").as_posix()
    node = page.locator("div.diagram svg g.node", has_text=leaf.label.split(":")[0][:20]).first
    with page.expect_navigation():
        node.click()
    assert page.url.rstrip("/").endswith(target), f"clicking the DPO leaf went to {page.url}"
    assert not visit.errors and not visit.external
