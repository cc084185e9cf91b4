"""Kernel-side helpers of the browser tests.

The test harness copies this file next to the test notebooks, whose cells import it: it
reports Python values to the test process (``emit`` prints one marked JSON line that the
test reads from the cell's output) and builds synthetic ``Results`` of any size.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from segwidget import Results
from segwidget.image_store import ImageStore
from segwidget.imaging import palette
from segwidget.sparse import SparseConfusion

MARK = "@@segwidget-e2e@@"


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"cannot report {type(value).__name__}")


def emit(**values: Any) -> None:
    """Print ``values`` as one marked JSON line for the test process (NaN stays NaN)."""
    print(MARK + json.dumps(values, default=_plain), flush=True)


def ranking(ranked: Any) -> dict[str, list[Any]]:
    """A ``Ranking`` as plain lists."""
    return {"indices": ranked.indices.tolist(), "scores": ranked.scores.tolist()}


def busiest_off_diagonal(
    results: Results, exclude: tuple[tuple[int, int], ...] = ()
) -> tuple[int, int]:
    """The off-diagonal cell found in the most images, but not in all of them.

    Selecting it must visibly filter the gallery, and its ranking has many entries.
    """
    n, c = results.n_images, results.n_classes
    images = np.diff(results.cell_index.ptr).reshape(c, c).astype(np.int64)
    np.fill_diagonal(images, 0)
    images[images >= n] = 0
    for t, p in exclude:
        images[t, p] = 0
    t, p = np.unravel_index(int(np.argmax(images)), (c, c))
    if images[t, p] == 0:
        raise AssertionError("the results have no off-diagonal cell to select")
    return int(t), int(p)


def busiest_class(results: Results) -> int:
    """The class in the most images (truth or prediction), but not in all of them."""
    sizes = [len(results.rank(c, c)) for c in range(results.n_classes)]
    fits = [(size, c) for c, size in enumerate(sizes) if 0 < size < results.n_images]
    return max(fits)[1] if fits else int(np.argmax(sizes))


def synthetic(n_images: int, classes: list[str], side: int = 12, seed: int = 0) -> Results:
    """Random but plausible ``Results`` with tiny images (each image holds a few classes)."""
    rng = np.random.default_rng(seed)
    n_classes = len(classes)
    ptr, cells, counts = [0], [], []
    store = ImageStore(n_classes)
    yy, xx = np.mgrid[0:side, 0:side]
    for _ in range(n_images):
        present = rng.choice(n_classes, size=min(n_classes, int(rng.integers(2, 6))), replace=False)
        t = rng.choice(present, 60)
        p = np.where(rng.random(60) < 0.75, t, rng.choice(n_classes, 60))
        cell, count = np.unique(t * n_classes + p, return_counts=True)
        cells.append(cell)
        counts.append(count * int(rng.integers(5, 50)))
        ptr.append(ptr[-1] + cell.size)
        truth = present[(yy * len(present)) // side]
        pred = np.where((xx + yy) % 5 == 0, rng.choice(n_classes), truth)
        rgb = np.stack([xx * 20, yy * 20, np.full_like(xx, int(rng.integers(0, 255)))], axis=-1)
        store.add(rgb.astype(np.uint8), truth, pred)
    sparse = SparseConfusion(
        n_classes,
        np.array(ptr, dtype=np.int64),
        np.concatenate(cells).astype(np.int64),
        np.concatenate(counts).astype(np.int64),
    )
    losses = rng.gamma(2.0, 0.3, n_images)
    assert all(math.isfinite(v) for v in losses)
    return Results(list(classes), losses, sparse, store, palette(n_classes))
