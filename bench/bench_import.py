"""What ``import segwidget`` costs beyond its heavy dependency (torch), in fresh interpreters.

Each repeat runs, interleaved, three fresh processes that time one import statement:
the baseline (torch, numpy, Pillow, tqdm: what a headless ``analyze`` needs anyway),
``import segwidget`` and ``from segwidget import SegExplorer``. Prints medians and the
difference to the baseline (no timed assertions: machines are noisy).

Run: ``python bench/bench_import.py [--repeats 9] [--path CHECKOUT ...]`` (each ``--path``
is a checkout of segwidget to measure, interleaved with the others; default: this one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BASELINE = "baseline (torch, numpy, PIL, tqdm)"
STATEMENTS = {
    BASELINE: "import torch, numpy, PIL.Image, tqdm.auto",
    "import segwidget": "import segwidget",
    "from segwidget import SegExplorer": "from segwidget import SegExplorer",
}
HEAVY = ("bqplot", "pandas", "ipywidgets", "anywidget")
TIMER = (
    "import sys, time\n"
    "start = time.perf_counter()\n"
    "{statement}\n"
    "took = time.perf_counter() - start\n"
    "heavy = [m for m in {heavy!r} if m in sys.modules]\n"
    "print(took, ','.join(heavy))\n"
)


def time_import(statement: str, path: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(path)}
    code = TIMER.format(statement=statement, heavy=HEAVY)
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
    runs = [(path, name) for path in paths for name in STATEMENTS]
    timings: dict[tuple[Path, str], list[float]] = {run: [] for run in runs}
    loaded: dict[tuple[Path, str], str] = {}
    for path in paths:  # warm the file cache first
        time_import(STATEMENTS["import segwidget"], path)
    for _ in range(args.repeats):
        for path, name in runs:
            took, loaded[path, name] = time_import(STATEMENTS[name], path)
            timings[path, name].append(took)
    print(f"{args.repeats} interleaved repeats")
    for path in paths:
        print(f"segwidget from {path}")
        base = statistics.median(timings[path, BASELINE])
        for name in STATEMENTS:
            median = statistics.median(timings[path, name])
            print(
                f"  {name:36s} median {median:6.3f} s  beyond baseline {median - base:+6.3f} s  "
                f"ratio {median / base:5.2f}  heavy modules loaded: {loaded[path, name] or 'none'}"
            )


if __name__ == "__main__":
    main()
