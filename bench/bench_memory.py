"""Memory of the per-image confusion store at scale: sparse CSR against a dense (N, C, C) array.

Builds the statistics of 10,000 images × 150 classes (each image holding a few classes,
as real scenes do), then measures the sparse store, the cell index the browser receives,
and a single ``Results.rank`` call. Prints sizes and ratios, never asserts.

Run: ``python bench/bench_memory.py [--images 10000] [--classes 150]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from segwidget import Results
from segwidget.results.imaging import palette
from segwidget.results.sparse import SparseConfusion
from segwidget.view import protocol


def synthetic(n_images: int, n_classes: int, seed: int = 0) -> Results:
    rng = np.random.default_rng(seed)
    ptr, cells, counts = [0], [], []
    for _ in range(n_images):
        present = rng.choice(n_classes, size=rng.integers(3, 12), replace=False)
        pred = np.concatenate([present, rng.choice(n_classes, 2)])
        t = rng.choice(present, 60)
        p = np.where(rng.random(60) < 0.8, t, rng.choice(pred, 60))
        cell, count = np.unique(t * n_classes + p, return_counts=True)
        cells.append(cell)
        counts.append(count * rng.integers(50, 500))
        ptr.append(ptr[-1] + cell.size)
    sparse = SparseConfusion(
        n_classes, np.array(ptr), np.concatenate(cells), np.concatenate(counts).astype(np.int64)
    )
    classes = [f"class {c}" for c in range(n_classes)]
    return Results(classes, rng.gamma(2.0, 0.3, n_images), sparse, None, palette(n_classes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--classes", type=int, default=150)
    args = parser.parse_args()
    results = synthetic(args.images, args.classes)
    sparse = results.image_confusions
    sparse_bytes = sparse.ptr.nbytes + sparse.cell.nbytes + sparse.count.nbytes
    dense_bytes = args.images * args.classes**2 * 8
    wire = protocol.state_arrays(results)
    wire_bytes = sum(len(v) for v in wire.values())
    print(f"{args.images} images x {args.classes} classes, {sparse.cell.size} nonzero cells")
    print(f"  sparse per-image store  {sparse_bytes / 2**20:8.2f} MiB")
    print(f"  dense (N, C, C) int64   {dense_bytes / 2**20:8.2f} MiB")
    print(f"  ratio dense / sparse    {dense_bytes / sparse_bytes:8.0f}x")
    print(f"  binary state to browser {wire_bytes / 2**20:8.2f} MiB")
    t, p = (
        int(v)
        for v in np.unravel_index(
            np.argmax(results.confusion() * (1 - np.eye(args.classes))), (args.classes,) * 2
        )
    )
    results.rank(t, p)  # build the cached index once, as the widget does
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        ranked = results.rank(t, p)
        runs.append(time.perf_counter() - start)
    print(f"  rank({t}, {p}): {len(ranked)} images, median {statistics.median(runs) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
