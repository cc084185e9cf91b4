"""The calibration counter's cost per batch against the model's forward, measured in one run.

For bench_pass.py's kernel model at 256², C = 12 and 150, batches of 8: the median time of
the model's forward and of ``count_calibration`` (the pass's whole calibration work per
batch) over interleaved repeats, single-threaded as the pass runs it, and their ratio
(issue 21's target: ≤ 2 % added to the pass). Never asserts.

Run: ``python bench/bench_calibration.py [--repeats N]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from kernel_setup import IGNORE_INDEX, batches, build_model

from segwidget.analysis.calibration import count_calibration
from segwidget.analysis.logit_stats import LogitSweep


def row(n_classes: int, repeats: int) -> tuple[float, float]:
    """Median seconds of the forward and of the counter, one batch of 8 at 256²."""
    model = build_model(n_classes).eval()
    x, y = batches(8, 8, (256, 256), n_classes)[0]
    forward, counter = [], []
    with torch.inference_mode():
        stats = LogitSweep()(model(x))
        conf = stats.confidence()
        target = torch.where(y == IGNORE_INDEX, n_classes, y).long()  # the pass's spare class
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            forward.append(time.perf_counter() - start)
            start = time.perf_counter()
            count_calibration(conf, stats.pred, target, n_classes, 15)
            counter.append(time.perf_counter() - start)
    return statistics.median(forward), statistics.median(counter)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the pass runs its small ops (state.add_batch)
    for n_classes in (12, 150):
        forward, counter = row(n_classes, args.repeats)
        print(
            f"C={n_classes}: forward {forward * 1e3:.1f} ms, count_calibration "
            f"{counter * 1e3:.2f} ms per batch = {100 * counter / forward:.2f}% (target ≤ 2%)"
        )


if __name__ == "__main__":
    main()
