"""The layers: imports run one way, base ← members ← topics ← sessions ← outcomes ← overview, and no module grows
past 500 lines. Read from the source (ast), so a new import against the direction fails here, wherever it sits
(at the top of a module or inside a function)."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = ("consult_portal", "members", "topics", "sessions", "outcomes")
LAYERS = {"base": 0, "members": 1, "topics": 2, "sessions": 3, "outcomes": 4, "overview": 5}
# Only these wire the apps in: they may import anything.
WIRING = ("consult_portal.urls", "consult_portal.celery", "consult_portal.management.commands.")
# The pages above the apps are imported only by the wiring (and among themselves).
ABOVE = ("consult_portal.overview", "consult_portal.demo")
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> str | None:
    top = module.split(".")[0]
    if top in ("members", "topics", "sessions", "outcomes"):
        return top
    if top == "consult_portal":
        return "overview" if module.startswith(ABOVE) else "base"
    return None  # Django, libraries, the standard library


def _imports(path: Path, module: str):
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # `from consult_portal import overview` names a module too
                yield node.lineno, f"{target}.{alias.name}"


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, _module_name(path)


def upward_imports() -> list[str]:
    found = []
    for path, module in _sources():
        if module.startswith(WIRING):
            continue
        own = _layer(module)
        for line, target in _imports(path, module):
            layer = _layer(target)
            if layer is None:
                continue
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if LAYERS[layer] > LAYERS[own]:
                found.append(f"{where} ({own} may not import {layer})")
            elif layer == "overview" and not module.startswith(ABOVE):
                found.append(f"{where} (the pages above the apps are imported only by the URLconf and commands)")
    return sorted(set(found))


def test_imports_run_one_way_from_the_base_up():
    assert upward_imports() == []


def test_the_walk_would_catch_an_upward_import(tmp_path, monkeypatch):
    """A base module importing an app, a members module importing topics, an app importing the overview."""
    for package, source in (
        ("consult_portal", "from outcomes.models import OutcomeItem\n"),
        ("members", "def f():\n    from topics import forms\n"),
        ("sessions", "from consult_portal.overview import stats\n"),
        ("topics", "from ..consult_portal import demo\n"),
    ):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "bad.py").write_text(source, encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    found = upward_imports()
    assert any("consult_portal/bad.py:1 imports outcomes.models (base may not import outcomes)" in f for f in found)
    assert any("members/bad.py:2 imports topics (members may not import topics)" in f for f in found)
    assert any("sessions/bad.py:1 imports consult_portal.overview" in f for f in found)


def test_the_root_of_consult_portal_imports_no_app():
    apps = ("members", "topics", "sessions", "outcomes", "consult_portal.overview", "consult_portal.demo")
    offending = []
    for path in sorted((ROOT / "consult_portal").glob("*.py")):
        module = _module_name(path)
        if module.startswith(WIRING):
            continue
        offending += [f"{path.name}:{line} {t}" for line, t in _imports(path, module) if t.startswith(apps)]
    assert offending == []


def test_no_module_is_over_500_lines():
    roots = [*(ROOT / p for p in PACKAGES), ROOT / "tests", ROOT / "bench"]
    long = [
        f"{path.relative_to(ROOT)}: {n}"
        for root in roots
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.parts and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert long == []
