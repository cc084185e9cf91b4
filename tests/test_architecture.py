"""The rooms of ARCHITECTURE.md hold: no room imports one it may not, no import cycle in the
front end (type-only imports aside), and no module grows past the size one person reads whole.

Python imports are read with ``ast`` (relative and absolute, at module level and inside
functions); TypeScript imports with a pattern over ``import ... from "./x"`` lines.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "segwidget"
FRONT_END = ROOT / "js" / "src"
MAX_LINES = 400

# room -> the rooms its modules may import at module level (the flow of data, DESIGN.md).
ALLOWED = {
    "results": set(),
    "savefile": {"results"},
    "analysis": {"results", "savefile"},
    "view": {"analysis", "results", "savefile"},
    "report": {"view", "results"},
    "demo": {"analysis", "results"},
    "": {"analysis", "results", "savefile", "view", "report", "demo"},  # segwidget/__init__.py
}
# Imports deferred to a call, for a convenience on a lower room's object: ``Results.save`` and
# ``save_html`` (results -> savefile, report), ``SegExplorer.save_html`` (view -> report).
DEFERRED = {"results": {"savefile", "report"}, "view": {"report"}}

# front-end folder -> the folders it may import; widget.ts (the entry) imports any.
TS_ALLOWED = {
    "data": set(),
    "view": {"data"},
    "compare": {"data", "view"},
    "report": {"data", "view", "compare"},
    "": {"data", "view", "compare", "report"},
}


def _room(module: str) -> str:
    """``segwidget.results.core`` -> ``results``; ``segwidget`` -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(absolute segwidget module imported, whether the import is deferred into a function)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, deferred: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = deferred or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    target = ".".join([*base, child.module] if child.module else base)
                else:
                    target = child.module or ""
                if target.startswith("segwidget"):
                    names = [f"{target}.{a.name}" for a in child.names] if not child.module else []
                    found.extend((t, inner) for t in (names or [target]))
            elif isinstance(child, ast.Import):
                found.extend((a.name, inner) for a in child.names if a.name.startswith("segwidget"))
            visit(child, inner)

    visit(tree, False)
    return found


PY_MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "static" not in p.parts)


@pytest.mark.parametrize("path", PY_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_python_rooms_import_only_what_they_may(path: Path) -> None:
    room = _room(_module_name(path))
    for target, deferred in _imports(path):
        other = _room(target)
        if other == room or other not in ALLOWED:  # own room, or a name re-exported at the top
            continue
        allowed = ALLOWED[room] | (DEFERRED.get(room, set()) if deferred else set())
        assert other in allowed, f"{path.relative_to(ROOT)} ({room or 'top'}) imports {target}"


def test_the_rule_reads_relative_imports() -> None:
    # A guard that cannot see an import would pass vacuously: check it sees known ones.
    widget = _imports(PACKAGE / "view" / "widget.py")
    assert ("segwidget.results.core", False) in widget
    assert ("segwidget.report.build", True) in widget
    assert ("segwidget.results.metrics", False) in _imports(PACKAGE / "results" / "core.py")


_TS_IMPORT = re.compile(r'^import\s+(type\s+)?[^;]*?from\s+"(\.{1,2}/[^"]+)"', re.M)
TS_MODULES = sorted(FRONT_END.rglob("*.ts"))


def _ts_imports(path: Path) -> list[tuple[Path, bool]]:
    """(imported module's path, whether the import is type-only)."""
    out = []
    for match in _TS_IMPORT.finditer(path.read_text(encoding="utf-8")):
        target = (path.parent / match[2]).resolve()
        out.append((target.with_name(target.name + ".ts"), bool(match[1])))
    return out


def _folder(path: Path) -> str:
    rel = path.relative_to(FRONT_END).parts
    return rel[0] if len(rel) > 1 else ""


@pytest.mark.parametrize("path", TS_MODULES, ids=lambda p: str(p.relative_to(FRONT_END)))
def test_front_end_folders_import_only_what_they_may(path: Path) -> None:
    folder = _folder(path)
    for target, _ in _ts_imports(path):
        assert target.exists(), f"{path} imports {target}, which does not exist"
        other = _folder(target)
        if other != folder:
            assert other in TS_ALLOWED[folder], (
                f"js/src/{path.relative_to(FRONT_END)} imports {other}/"
            )


def test_front_end_has_no_import_cycle() -> None:
    graph = {p: [t for t, type_only in _ts_imports(p) if not type_only] for p in TS_MODULES}
    assert sum(map(len, graph.values())) > 50  # the pattern sees the imports
    state: dict[Path, int] = {}  # 1 on the current path, 2 done

    def visit(node: Path, trail: list[Path]) -> None:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
                raise AssertionError(" -> ".join(str(p.relative_to(FRONT_END)) for p in cycle))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in TS_MODULES:
        if module not in state:
            visit(module, [module])


SOURCES = PY_MODULES + TS_MODULES


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_readable_whole(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by job"


def test_every_room_says_what_it_holds_and_may_import() -> None:
    for room in ("analysis", "results", "savefile", "view", "report", "demo"):
        doc = ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text()))
        assert doc, f"segwidget/{room}/__init__.py has no docstring"
