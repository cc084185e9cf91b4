"""mypy checks the public API strictly: every module behind ``segwidget/__init__.py``'s
exports must be in pyproject.toml's strict list, so a new export cannot slip past it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _modules_behind_exports() -> set[str]:
    tree = ast.parse((ROOT / "segwidget" / "__init__.py").read_text())
    modules = {"segwidget"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            modules.add(f"segwidget.{node.module}")  # eager, or under TYPE_CHECKING (lazy)
    return modules


def test_every_exporting_module_is_strict() -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is Python 3.11+")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    strict = [
        set(override["module"])
        for override in config["overrides"]
        if override.get("disallow_untyped_defs") and override.get("disallow_any_generics")
    ]
    assert len(strict) == 1, "one override holds the strict settings"
    exporting = _modules_behind_exports()
    assert {"segwidget.results.core", "segwidget.view.widget"} <= exporting  # the parse found them
    assert exporting <= strict[0], sorted(exporting - strict[0])
