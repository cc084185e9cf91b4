"""One browser update carrying a 10 MB slice value, against an ordinary slice update: the
peak memory the kernel allocates to handle it, and the bytes it sends back.

Before issue 22 the 10 MB value was kept and echoed back; now ``slices.bounded`` refuses
it (longer than any value of the column), so nothing is echoed. Prints the figures of one
run of each, interleaved ``--repeats`` times (medians). Never asserts.

Run: ``python bench/bench_browser_slice.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from comm_helpers import explorer_with_comm, small_results, update

BIG = "x" * 10_000_000


def handle(explorer, comm, state) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Peak MiB traced while the kernel handles ``state``, and bytes of state sent back."""
    comm.sent.clear()
    tracemalloc.start()
    explorer._handle_msg(update(state))
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    sent = sum(len(repr(data)) for data, _ in comm.sent)
    explorer.slice = {}
    return peak, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the refused update is logged (bounded) each time
    explorer, comm = explorer_with_comm(small_results())
    cases = {
        "ordinary slice": {"slice": {"city": ["ulm"]}},
        "10 MB value": {"slice": {"city": [BIG]}},
    }
    runs: dict[str, list[tuple[float, int]]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, state in cases.items():
            runs[name].append(handle(explorer, comm, state))
    for name, figures in runs.items():
        peak = statistics.median(p for p, _ in figures)
        sent = statistics.median(s for _, s in figures)
        print(f"{name:>15}: peak {peak:7.2f} MiB allocated, {sent:9.0f} bytes of state sent back")


if __name__ == "__main__":
    main()
