"""The installed package, used as a new user would: run inside a fresh venv holding only the wheel.

``bench/bench_package.py`` builds the wheel, installs it into a fresh venv with node off the
PATH and runs this script there, from a directory outside the checkout, so that only the
installed files can answer. It imports segwidget, analyses the demo, builds the explorer's
state, writes an offline report and reloads a saved run, checking each result against the
one before it, and prints one figure per step (single runs in a fresh interpreter: figures
to read, not timed assertions). Exits non-zero, naming the step, when a check fails.

Run: ``python bench/package_smoke.py [--json PATH]`` (in a venv where segwidget is installed).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sized
from importlib import metadata
from pathlib import Path
from typing import Any, cast


def check(ok: bool, what: str) -> None:
    if not ok:
        sys.exit(f"package smoke test failed: {what}")


def timed(run: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = run()
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    figures: dict[str, Any] = {}

    # import time: torch first (every user pays it anyway), then segwidget on top of it
    _, figures["import torch (s)"] = timed(lambda: __import__("torch"))
    segwidget, figures["import segwidget, after torch (s)"] = timed(lambda: __import__("segwidget"))
    where = Path(segwidget.__file__).resolve()
    check("site-packages" in where.parts, f"segwidget imported from {where}, not the install")
    check(
        segwidget.__version__ == metadata.version("segwidget"),
        f"segwidget.__version__ {segwidget.__version__} is not the installed "
        f"{metadata.version('segwidget')}",
    )
    check("SegExplorer" not in vars(segwidget), "the widget stack loaded with import segwidget")
    explorer_cls, figures["from segwidget import SegExplorer (s)"] = timed(
        lambda: segwidget.SegExplorer
    )
    figures["version"] = segwidget.__version__

    import numpy as np

    from segwidget.demo import CLASSES, load_model, valid_loader, valid_metadata

    # the demo's analyse: the shipped weights and the synthetic scenes, no download
    loader = valid_loader()
    results, figures["analyze the demo, 160 images (s)"] = timed(
        lambda: segwidget.analyze(
            load_model(), loader, CLASSES, metadata=valid_metadata(), progress=False
        )
    )
    n_images = len(cast(Sized, loader.dataset))
    check(results.n_images == n_images, f"{results.n_images} of {n_images} images analysed")
    check(0.5 < results.mean_iou() < 1, f"the demo's mean IoU is {results.mean_iou()}")
    table = results.class_table()  # pandas: a declared dependency, not bqplot's
    check(list(table.index) == list(CLASSES), "class_table's rows are not the classes")
    figures["demo mean IoU"] = round(results.mean_iou(), 4)

    # the explorer's state, as the browser would receive it
    explorer, figures["SegExplorer(results=...) (s)"] = timed(lambda: explorer_cls(results=results))
    n_classes = len(CLASSES)
    pooled = np.frombuffer(explorer.pooled, dtype="<f8").reshape(n_classes, n_classes)
    check(explorer.classes == list(CLASSES), "the explorer's classes")
    check(explorer.summary["n_images"] == results.n_images, "the explorer's summary")
    check(np.array_equal(pooled, results.confusion()), "the explorer's pooled matrix")
    check(len(explorer._esm) > 10_000, "the built ES module is missing from the wheel")
    explorer.selected_cell = ("road", "sidewalk")
    expected = results.rank("road", "sidewalk").indices
    check(np.array_equal(explorer.shown_indices, expected), "the gallery's order")
    figures["ES module (kB)"] = round(len(explorer._esm) / 1000, 1)

    with tempfile.TemporaryDirectory() as tmp:
        # save_html: one offline file, the same ES module embedded
        page, figures["save_html (s)"] = timed(
            lambda: explorer.save_html(Path(tmp) / "report.html")
        )
        html = page.read_text(encoding="utf-8")
        check(html.lower().startswith("<!doctype html"), "the report is not an HTML page")
        figures["report (MiB)"] = round(page.stat().st_size / 2**20, 2)

        # save, then load: the checked reader gives back the same numbers
        saved, figures["save (s)"] = timed(lambda: results.save(Path(tmp) / "run"))
        loaded, figures["load (s)"] = timed(lambda: segwidget.load(saved))
        check(np.array_equal(loaded.confusion(), results.confusion()), "load: the confusion")
        check(np.array_equal(loaded.losses, results.losses), "load: the losses")
        check(loaded.classes == results.classes, "load: the classes")
        figures["saved run (kB)"] = round(saved.stat().st_size / 1000, 1)

    width = max(map(len, figures))
    for name, value in figures.items():
        shown = f"{value:.3f}" if isinstance(value, float) and name.endswith("(s)") else value
        print(f"  {name:<{width}}  {shown}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
