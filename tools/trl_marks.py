"""The "verified against TRL" mark, rendered from docs/includes/trl.yml (written by the TRL oracle tests).

``verified`` names, per question id, the losses that tests/test_trl_oracle.py proves equal to TRL's own
code (values and gradients, float64) and the tolerance; ``departures`` the places where TRL deliberately
differs from the paper, each pinned by a test. The mark opens the page's ``## In practice`` section.
"""

from __future__ import annotations

from functools import lru_cache

import yaml

from tools.pages import DOCS

TRL_DATA = DOCS / "includes" / "trl.yml"


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load(TRL_DATA.read_text(encoding="utf-8")) if TRL_DATA.exists() else {}


def trl_mark(question_id: int) -> str:
    """Markdown admonition for one page, or '' when no loss of the page is covered."""
    data = _data()
    entry = (data.get("verified") or {}).get(question_id) or (data.get("verified") or {}).get(str(question_id))
    if not entry:
        return ""
    version = data.get("version", "?")
    losses = ", ".join(f"`{name}`" for name in entry["losses"])
    tol = entry["tol"]
    tolerance = "exactly" if tol == 0 else f"within {tol:g}"
    lines = [
        f'!!! success "Verified against TRL {version}"',
        f"    {losses}: the site's reference code equals Hugging Face TRL {version}'s own implementation "
        f"{tolerance}, in value and gradient, in float64 on random inputs with masks and unequal lengths "
        "(`tests/test_trl_oracle.py`).",
    ]
    departures = (data.get("departures") or {}).get(question_id) or (data.get("departures") or {}).get(str(question_id)) or []
    if departures:
        lines.append("")
        lines.append("    Where TRL departs from the paper (each pinned by a test):")
        lines.append("")
        lines += [f"    - {d['note']}" for d in departures]
    return "\n".join(lines) + "\n\n"
