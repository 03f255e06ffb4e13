"""The page contract (docs/contributing.md): every question page, checked one by one."""

from __future__ import annotations

import pytest

from tools.pages import contract_errors, duplicate_id_errors, load_pages

PAGES = load_pages()
IDS = {p.id for p in PAGES}


def test_pages_exist() -> None:
    assert PAGES, "no question pages found under docs/<section>/qNN-*.md"


@pytest.mark.parametrize("page", PAGES, ids=[p.slug for p in PAGES])
def test_page_contract(page) -> None:
    errors = contract_errors(page, IDS)
    assert not errors, "\n".join(errors)


def test_ids_unique() -> None:
    errors = duplicate_id_errors(PAGES)
    assert not errors, "\n".join(errors)
