"""The analysis pass against a bare forward loop over the same loader, in one process.

Prints medians of several runs and their ratio (no timed assertions: machines are noisy).

Run: ``python bench/bench_pass.py [--repeats 5] [--no-images]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import segwidget
from segwidget.demo import CLASSES, load_model, valid_loader


def bare_loop(model: torch.nn.Module, loader: object) -> None:
    with torch.inference_mode():
        for x, _ in loader:
            model(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-images", action="store_true", help="keep_images=False")
    args = parser.parse_args()
    model = load_model()
    loader = valid_loader()
    list(loader)  # warm the data generation path and allocator before timing
    timings: dict[str, list[float]] = {"bare forward loop": [], "segwidget.analyze": []}
    runs = {
        "bare forward loop": lambda: bare_loop(model, loader),
        "segwidget.analyze": lambda: segwidget.analyze(
            model, loader, CLASSES, progress=False, keep_images=not args.no_images
        ),
    }
    for repeat in range(args.repeats):  # interleaved, alternating who goes first
        for name in sorted(runs, reverse=repeat % 2 == 1):
            start = time.perf_counter()
            runs[name]()
            timings[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    threads = torch.get_num_threads()
    print(f"{len(loader.dataset)} images, {len(CLASSES)} classes, torch threads {threads}")
    for name, value in medians.items():
        print(f"  {name:<20} median {value:.3f} s over {args.repeats} runs")
    ratio = medians["segwidget.analyze"] / medians["bare forward loop"]
    print(f"  ratio analyze / bare: {ratio:.2f}")


if __name__ == "__main__":
    main()
