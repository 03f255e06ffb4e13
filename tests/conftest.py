"""Shared test set-up: the repo root on sys.path and one CPU thread, as the snippets promise."""

from __future__ import annotations

import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

torch.set_num_threads(1)


import pytest  # noqa: E402

DOCS = ROOT / "docs"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items) -> None:
    """Record how many docs/ fences pytest-markdown-docs collected per file (before any -k deselection)."""
    whole_docs = any(DOCS == p or p in DOCS.parents for p in (Path(a.split("::")[0]).resolve() for a in config.args))
    if not (whole_docs and config.getoption("markdowndocs", False)):
        return
    counts: dict[str, int] = {}
    for item in items:
        path = Path(str(item.path))
        if type(item).__name__ == "MarkdownInlinePythonItem" and path.suffix == ".md" and DOCS in path.parents:
            counts[str(path)] = counts.get(str(path), 0) + 1
    config._markdown_docs_collected = counts


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The site, built once per session with ``mkdocs build --strict``: (process, site directory)."""
    from tests.site import build_site

    out = tmp_path_factory.mktemp("site")
    return build_site(out), out


@pytest.fixture(scope="session")
def site_url(built_site):
    """Base URL of the built site served on 127.0.0.1; fails (not skips) if the build failed."""
    from tests.site import serve

    proc, out = built_site
    if proc.returncode != 0:
        pytest.fail("the site did not build; see test_strict_build_is_clean")
    with serve(out) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (no downloaded browser)."""
    from playwright.sync_api import sync_playwright

    from tests.site import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
