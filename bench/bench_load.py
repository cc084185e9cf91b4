"""Cost of checking a save file: ``segwidget.load`` against a trusting read of the same file.

The baseline is what loading cost before the checks: ``numpy.load`` of every member (all
inflated, nothing checked). Two files: statistics only (10,000 images × 150 classes) and
one with stored images (2,000 images at 256×512, 19 classes), whose masks ``load``
decodes to check their values. Medians of interleaved repeats; prints, never asserts.

Run: ``python bench/bench_load.py [--repeats 5] [--images 2000]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_memory import synthetic

import segwidget
from segwidget.results.image_store import ImageStore


def trusting_read(path: Path) -> int:
    with np.load(path, allow_pickle=False) as npz:
        return sum(npz[name].nbytes for name in npz.files)


def with_images(n_images: int, n_classes: int, hw: tuple[int, int]) -> segwidget.Results:
    """Blocky masks (a few regions, an ignored border) and smooth pictures."""
    rng = np.random.default_rng(0)
    results = synthetic(n_images, n_classes)
    store = ImageStore(n_classes)
    h, w = hw
    y, x = np.mgrid[:h, :w]
    for _ in range(n_images):
        truth = np.zeros(hw, np.int64)
        for k in rng.choice(n_classes, 6, replace=False):
            top, left = rng.integers(0, h), rng.integers(0, w)
            truth[top : top + h // 3, left : left + w // 4] = k
        pred = truth.copy()  # right but for one shifted block, as a model's errors look
        top, left = rng.integers(0, h), rng.integers(0, w)
        pred[top : top + h // 4, left : left + w // 4] = rng.integers(n_classes)
        truth[:, :4] = 255  # an ignored border
        rgb = np.stack([x * 255 // w, y * 255 // h, (truth * 13) % 255], -1).astype(np.uint8)
        store.add(rgb, truth, pred)
    results.images = store
    return results


def measure(path: Path, repeats: int) -> None:
    """Wall and CPU time (all threads): CPU time is the steadier figure on a busy machine."""
    runs: dict[str, list[tuple[float, float]]] = {"trusting read": [], "segwidget.load": []}
    for r in range(repeats):
        order = list(runs) if r % 2 == 0 else list(runs)[::-1]  # drift hits both alike
        for name in order:
            wall, cpu = time.perf_counter(), time.process_time()
            trusting_read(path) if name == "trusting read" else segwidget.load(path)
            runs[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    base = [statistics.median(v[k] for v in runs["trusting read"]) for k in (0, 1)]
    print(f"{path.name}: {path.stat().st_size / 2**20:.1f} MiB on disk")
    for name, values in runs.items():
        wall, cpu = (statistics.median(v[k] for v in values) for k in (0, 1))
        print(
            f"  {name:16s} wall {wall * 1e3:8.1f} ms {wall / base[0]:6.2f}x   "
            f"cpu {cpu * 1e3:8.1f} ms {cpu / base[1]:6.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--images", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stats = synthetic(10_000, 150).save(Path(tmp) / "stats_10000x150")
        images = with_images(args.images, 19, (256, 512)).save(
            Path(tmp) / f"images_{args.images}x19_256x512"
        )
        for path in (stats, images):
            measure(path, args.repeats)


if __name__ == "__main__":
    main()
