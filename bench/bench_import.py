"""What ``import segwidget`` costs beyond what a headless ``analyze`` needs anyway, in fresh
interpreters.

Each repeat runs, interleaved, one fresh process per row: the dependencies alone (torch,
numpy, Pillow, tqdm), then ``import segwidget`` and ``from segwidget import SegExplorer``
each timed *after* those dependencies are imported (untimed), so the figure is segwidget's
own cost plus whatever else it pulls in (the widget stack: anywidget, ipywidgets, bqplot,
pandas). Prints medians, and with several checkouts the ratio of each to the first
(no timed assertions: machines are noisy).

Run: ``python bench/bench_import.py [--repeats 9] [--path CHECKOUT ...]`` (each ``--path``
is a checkout of segwidget, interleaved with the others; default: this one), e.g.
``--path /work/main --path .`` for before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

DEPENDENCIES = "import torch, numpy, PIL.Image, tqdm.auto"
ROWS = {  # name: (imported first, untimed; timed)
    "torch, numpy, PIL, tqdm": ("", DEPENDENCIES),
    "import segwidget, after those": (DEPENDENCIES, "import segwidget"),
    "from segwidget import SegExplorer, after those": (
        DEPENDENCIES,
        "from segwidget import SegExplorer",
    ),
}
HEAVY = ("bqplot", "pandas", "ipywidgets", "anywidget")
TIMER = (
    "import sys, time\n"
    "{before}\n"
    "start = time.perf_counter()\n"
    "{statement}\n"
    "took = time.perf_counter() - start\n"
    "heavy = [m for m in {heavy!r} if m in sys.modules]\n"
    "print(took, ','.join(heavy))\n"
)


def time_import(before: str, statement: str, path: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(path)}
    code = TIMER.format(before=before, statement=statement, heavy=HEAVY)
    out = subprocess.run(  # run outside any checkout: `-c` puts the working directory first
        [sys.executable, "-c", code],
        env=env,
        cwd=tempfile.gettempdir(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), out[1] if len(out) > 1 else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument(
        "--path", type=Path, action="append", help="a checkout to measure (repeatable)"
    )
    args = parser.parse_args()
    paths = [p.resolve() for p in args.path or [Path(__file__).parents[1]]]
    runs = [(path, row) for path in paths for row in ROWS]
    timings: dict[tuple[Path, str], list[float]] = {run: [] for run in runs}
    loaded: dict[tuple[Path, str], str] = {}
    for path in paths:  # warm the file cache first
        time_import("", "import segwidget", path)
    for _ in range(args.repeats):
        for path, row in runs:
            took, loaded[path, row] = time_import(*ROWS[row], path)
            timings[path, row].append(took)
    print(f"{args.repeats} interleaved repeats; medians")
    for path in paths:
        print(f"segwidget from {path}")
        for row in ROWS:
            median = statistics.median(timings[path, row])
            first = statistics.median(timings[paths[0], row])
            ratio = f"  {median / first:5.2f}× the first" if len(paths) > 1 else ""
            heavy = loaded[path, row] or "none"
            print(f"  {row:48s} {median:6.3f} s{ratio}  heavy modules loaded: {heavy}")


if __name__ == "__main__":
    main()
