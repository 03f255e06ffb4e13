"""Every TRL knob a page quotes exists in the pinned TRL (docs/includes/trl.yml is the list).

(a) ``trl``-marked, needs the ``trl`` extra: every class, field, default, option value, ``__init__`` parameter,
    method, logged metric and function in ``docs/includes/trl.yml`` exists in the installed TRL, whose version
    is the one the file names; names listed as absent are indeed absent.
(b) No TRL needed: every ``XxxConfig`` / ``XxxTrainer`` name, ``XxxConfig.field`` / ``XxxTrainer.method``,
    ``XxxConfig(field=...)`` / ``XxxTrainer(arg=...)`` and dotted ``trl....`` path in ``docs/**/*.md`` is listed
    in ``trl.yml``, so a page cannot quote a knob that (a) has not checked.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TRL_YML = DOCS / "includes" / "trl.yml"

# transformers 5 deprecation notices that TRL 1.16's own code triggers (TrainingArguments, fused LM head)
QUIET = [
    pytest.mark.filterwarnings("ignore:`gradient_checkpointing` is deprecated:FutureWarning"),
    pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning"),
]
pytestmark = QUIET

CLASS = r"\b([A-Z][A-Za-z0-9]*(?:Config|Trainer))\b"
ATTRIBUTE = CLASS + r"\.([a-z_][a-z0-9_]*)"
CALL = CLASS + r"\(([^()]*)\)"  # Name(arg=..., other=...): every keyword argument is a knob
DOTTED = r"\btrl(?:\.[A-Za-z_][A-Za-z0-9_]*)+"


@cache
def listed() -> dict:
    return yaml.safe_load(TRL_YML.read_text(encoding="utf-8"))


def _page_id(path: Path) -> int | None:
    m = re.match(r"q(\d\d)-", path.name)
    return int(m.group(1)) if m else None


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def names_on_page(path: Path) -> set[str]:
    """The TRL names a page quotes, in the forms ``Name``, ``Name.attr`` (``Name(attr=`` is folded into it)
    and ``trl.dotted.path``."""
    text = path.read_text(encoding="utf-8")
    found = {m.group(1) for m in re.finditer(CLASS, text)}
    found |= {f"{m.group(1)}.{m.group(2)}" for m in re.finditer(ATTRIBUTE, text)}
    for m in re.finditer(CALL, text):
        found |= {f"{m.group(1)}.{k}" for k in re.findall(r"\b([a-z_][a-z0-9_]*)\s*=", m.group(2))}
    found |= {m.group(0) for m in re.finditer(DOTTED, text)}
    return found


def unlisted(path: Path) -> set[str]:
    """Names on the page that ``trl.yml`` does not list (absent names are allowed on their pages only)."""
    data = listed()
    classes, absent = data["classes"], data.get("absent", {})
    known_paths = set(data.get("modules", [])) | set(data.get("functions", {}))
    known_paths |= {f"{spec['module']}.{name}" for name, spec in classes.items()}
    page = _page_id(path)
    missing = set()
    for name in names_on_page(path):
        if name.startswith("trl."):
            if name not in known_paths:
                missing.add(name)
            continue
        cls, _, attr = name.partition(".")
        if cls in absent and page in absent[cls]:
            continue
        spec = classes.get(cls)
        if spec is None:
            missing.add(name)
        elif attr and attr not in {*spec.get("fields", []), *spec.get("init", []), *spec.get("methods", [])}:
            missing.add(name)
    return missing


# ---------------------------------------------------------------------------------------------------------------
# (b) pages against trl.yml — no TRL needed
# ---------------------------------------------------------------------------------------------------------------

PAGES = [p for p in _pages() if names_on_page(p)]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_page_quotes_only_listed_trl_names(path: Path) -> None:
    rel = str(path.relative_to(ROOT))
    extra = unlisted(path)
    assert not extra, (
        f"{rel} quotes TRL names that docs/includes/trl.yml does not list: {sorted(extra)}. "
        "Check them against TRL " + str(listed()["version"]) + " and add them to trl.yml, or fix the page."
    )


def test_trl_yml_shape() -> None:
    data = listed()
    assert set(data) <= {"version", "classes", "functions", "modules", "absent", "verified", "departures", "precision"}
    assert isinstance(data["version"], str) and data["version"].count(".") == 2
    allowed = {"module", "fields", "defaults", "values", "init", "methods", "logs"}
    for name, spec in data["classes"].items():
        assert re.fullmatch(r"[A-Z]\w*(Config|Trainer)", name), name
        assert set(spec) <= allowed and spec["module"].split(".")[0] == "trl", (name, spec)
        for key in ("defaults", "values"):
            assert set(spec.get(key, {})) <= set(spec.get("fields", [])), f"{name}.{key} names an unlisted field"
    page_ids = {_page_id(p) for p in _pages()} - {None}
    for page, entry in data["verified"].items():
        assert page in page_ids, f"verified: no page q{page:02d}"
        assert set(entry) == {"losses", "tol"} and entry["losses"] and 0.0 <= float(entry["tol"]) <= 1e-6, (page, entry)
    for page, entries in data.get("departures", {}).items():
        assert page in data["verified"], f"departures: q{page:02d} is not under verified"
        assert all(set(e) == {"test", "note"} for e in entries), page
    for name, pages in data.get("absent", {}).items():
        assert name not in data["classes"] and set(pages) <= page_ids, name


# ---------------------------------------------------------------------------------------------------------------
# (a) trl.yml against the installed TRL
# ---------------------------------------------------------------------------------------------------------------

trl_only = pytest.mark.trl


def _trl():
    try:
        import trl
    except ImportError as error:  # the optional `trl` extra is not installed (or not importable)
        pytest.skip(f"TRL is not importable ({error}); install the extra: "
                    "pip install -c constraints.txt -c constraints-trl.txt 'trl==1.16.0'")
    return trl


def _class(name: str):
    _trl()
    return getattr(importlib.import_module(listed()["classes"][name]["module"]), name)


def _dataclass_default(cls, field: str):
    f = {f.name: f for f in dataclasses.fields(cls)}[field]
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


@trl_only
def test_installed_trl_is_the_listed_version() -> None:
    assert _trl().__version__ == listed()["version"], "install the pinned TRL: see constraints-trl.txt"


@trl_only
@pytest.mark.parametrize("name", sorted(listed()["classes"]))
def test_class_and_knobs_exist(name: str) -> None:
    spec = listed()["classes"][name]
    cls = _class(name)
    if spec.get("fields") or name.endswith("Config"):
        assert dataclasses.is_dataclass(cls), f"{name} is not a config dataclass"
        fields = {f.name for f in dataclasses.fields(cls)}
        missing = set(spec.get("fields", [])) - fields
        assert not missing, f"{name} has no field(s) {sorted(missing)} in TRL {listed()['version']}"
    for field, value in spec.get("defaults", {}).items():
        assert _dataclass_default(cls, field) == value, f"{name}.{field} defaults to {_dataclass_default(cls, field)!r}"
    if spec.get("values"):
        from tests.trl_adapter import make_config

        for field, values in spec["values"].items():
            for value in values:
                make_config(cls, **{field: [value] if field == "loss_type" and name == "DPOConfig" else value})
                if isinstance(value, str):
                    sources = inspect.getsource(inspect.getmodule(cls))
                    trainer = listed()["classes"].get(name.replace("Config", "Trainer"))
                    if trainer:
                        sources += inspect.getsource(inspect.getmodule(_class(name.replace("Config", "Trainer"))))
                    assert f'"{value}"' in sources or f"'{value}'" in sources, f"{name}.{field}={value!r} is not an option"
    params = set(inspect.signature(cls.__init__).parameters)
    assert not set(spec.get("init", [])) - params, f"{name}.__init__ lacks {sorted(set(spec['init']) - params)}"
    for method in spec.get("methods", []):
        assert callable(getattr(cls, method, None)), f"{name} has no method {method}"
    if spec.get("logs"):
        source = inspect.getsource(inspect.getmodule(cls))
        for metric in spec["logs"]:
            assert f'["{metric}"]' in source or f'[f"{metric}"]' in source, f"{name} does not log {metric!r}"


@trl_only
@pytest.mark.parametrize("path", sorted(listed()["functions"]))
def test_function_exists(path: str) -> None:
    _trl()
    module, _, name = path.rpartition(".")
    fn = getattr(importlib.import_module(module), name)
    params = set(inspect.signature(fn).parameters)
    assert not set(listed()["functions"][path]) - params, f"{path} lacks parameters"


@trl_only
@pytest.mark.parametrize("module", listed()["modules"])
def test_module_exists(module: str) -> None:
    _trl()
    importlib.import_module(module)


ABSENT = sorted(listed().get("absent", {}))


@trl_only
@pytest.mark.parametrize("name", ABSENT)
def test_absent_names_are_absent(name: str) -> None:
    """Names listed as absent are defined nowhere in the installed TRL package."""
    package = Path(_trl().__file__).parent
    definition = re.compile(rf"^\s*(class|def) {name}\b|^{name}\s*=", re.M)
    defining = [p for p in package.rglob("*.py") if definition.search(p.read_text(encoding="utf-8"))]
    assert not defining, f"{name} is defined in {defining}: list it under classes, not absent"
