"""``import segwidget`` and a headless ``analyze`` stay light: the widget stack (anywidget,
ipywidgets, bqplot, pandas) loads only when the widget or a table is asked for. Each check
runs in a fresh interpreter, since this test session has imported them all already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
HEAVY = ["anywidget", "bqplot", "ipywidgets", "pandas"]


def _loaded_after(code: str, tmp_path: Path) -> list[str]:
    """The heavy modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    report = f"import sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"],
        cwd=tmp_path,  # not the checkout: `-c` puts the working directory first on the path
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_and_headless_analyze_load_no_widget_stack(tmp_path: Path) -> None:
    code = (
        "import torch, segwidget\n"
        f"assert segwidget.__file__.startswith({str(ROOT)!r}), segwidget.__file__\n"
        "x, y = torch.rand(2, 3, 8, 8), torch.randint(0, 3, (2, 8, 8))\n"
        "model = torch.nn.Conv2d(3, 3, 1)\n"
        "r = segwidget.analyze(model, [(x, y)], ['a', 'b', 'c'], progress=False)\n"
        "r.top_losses(1); r.confusion(); r.rank(0, 1)\n"
        f"segwidget.load(r.save({str(tmp_path / 'run')!r}))\n"
    )
    assert _loaded_after(code, tmp_path) == []


def test_the_widget_loads_its_stack_on_first_use(tmp_path: Path) -> None:
    code = (
        "import segwidget\n"
        "from segwidget import *\n"  # __all__ names SegExplorer: the star import fetches it
        "assert SegExplorer is segwidget.SegExplorer and 'SegExplorer' in dir(segwidget)\n"
        "assert SegExplorer.__module__ == 'segwidget.view.widget'\n"
    )
    assert _loaded_after(code, tmp_path) == ["anywidget", "ipywidgets"]  # bqplot: once shown


def test_unknown_attribute_is_an_attribute_error() -> None:
    import segwidget

    with pytest.raises(AttributeError, match="has no attribute 'Explorer'"):
        segwidget.Explorer  # noqa: B018
