"""``SegExplorer.compare`` (one loader iteration feeding both models, then the widget) against
two separate ``analyze`` passes over the same loader, on the demo's early and final weights.

Prints medians of interleaved runs and their ratio (no timed assertions: machines are noisy).

Run: ``python bench/bench_compare.py [--repeats 5] [--workers 0]``
"""

from __future__ import annotations

import argparse
import statistics
import time

from torch.utils.data import DataLoader

import segwidget
import segwidget.view.compare as wc
from segwidget import SegExplorer
from segwidget.demo import CLASSES, StreetScenes, load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader num_workers")
    args = parser.parse_args()
    early, final = load_model(early=True), load_model()
    loader = DataLoader(StreetScenes("valid"), batch_size=16, num_workers=args.workers)
    for _ in loader:  # warm the data generation
        pass
    runs = {
        "SegExplorer.compare": lambda: SegExplorer.compare(
            early, final, loader, CLASSES, names=("early", "final"), progress=False
        ),
        "analyze_models only": lambda: wc.analyze_models(
            [early, final], loader, CLASSES, progress=False
        ),
        "two analyze passes": lambda: [
            segwidget.analyze(m, loader, CLASSES, progress=False) for m in (early, final)
        ],
        "loader alone": lambda: [batch for batch in loader],  # what one iteration saves
    }
    timings: dict[str, list[float]] = {name: [] for name in runs}
    for repeat in range(args.repeats):  # interleaved, a different one first each time
        names = list(runs)
        for name in names[repeat % len(names) :] + names[: repeat % len(names)]:
            start = time.perf_counter()
            runs[name]()
            timings[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(f"{len(loader.dataset)} images, {len(CLASSES)} classes, num_workers={args.workers}")
    for name, value in medians.items():
        spread = f"{min(timings[name]):.2f}–{max(timings[name]):.2f}"
        print(f"  {name:<20} median {value:.3f} s ({spread}) over {args.repeats} runs")
    base = medians["two analyze passes"]
    for name in ("SegExplorer.compare", "analyze_models only"):
        print(f"  ratio {name} / two analyze passes: {medians[name] / base:.2f}")


if __name__ == "__main__":
    main()
