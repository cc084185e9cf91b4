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
from segwidget.results.image_store import ImageStore
from segwidget.results.imaging import palette
from segwidget.results.sparse import SparseConfusion

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


ADE20K = [
    "wall", "building", "sky", "floor", "tree", "ceiling", "road", "bed", "windowpane", "grass",
    "cabinet", "sidewalk", "person", "earth", "door", "table", "mountain", "plant", "curtain",
    "chair", "car", "water", "painting", "sofa", "shelf", "house", "sea", "mirror", "rug",
    "field", "armchair", "seat", "fence", "desk", "rock", "wardrobe", "lamp", "bathtub",
    "railing", "cushion", "base", "box", "column", "signboard", "chest of drawers", "counter",
    "sand", "sink", "skyscraper", "fireplace", "refrigerator", "grandstand", "path", "stairs",
    "runway", "case", "pool table", "pillow", "screen door", "stairway", "river", "bridge",
    "bookcase", "blind", "coffee table", "toilet", "flower", "book", "hill", "bench",
    "countertop", "stove", "palm", "kitchen island", "computer", "swivel chair", "boat", "bar",
    "arcade machine", "hovel", "bus", "towel", "light", "truck", "tower", "chandelier", "awning",
    "streetlight", "booth", "television receiver", "airplane", "dirt track", "apparel", "pole",
    "land", "bannister", "escalator", "ottoman", "bottle", "buffet", "poster", "stage", "van",
    "ship", "fountain", "conveyer belt", "canopy", "washer", "plaything", "swimming pool",
    "stool", "barrel", "basket", "waterfall", "tent", "bag", "minibike", "cradle", "oven", "ball",
    "food", "step", "tank", "trade name", "microwave", "pot", "animal", "bicycle", "lake",
    "dishwasher", "screen", "blanket", "sculpture", "hood", "sconce", "vase", "traffic light",
    "tray", "ashcan", "fan", "pier", "crt screen", "plate", "monitor", "bulletin board", "shower",
    "radiator", "glass", "clock", "flag",
]  # fmt: skip


def ade_like(n_images: int, absent: int = 8, side: int = 16, seed: int = 0) -> Results:
    """``Results`` shaped like ADE20K's: 150 classes of Zipf-like frequency, the last
    ``absent`` never present, each image holding a few classes, and errors concentrated on
    a couple of confusable neighbours per class (so the matrix is sparse, as real ones are).
    """
    rng = np.random.default_rng(seed)
    n_classes = len(ADE20K)
    present = n_classes - absent
    weight = 1.0 / np.arange(1, present + 1)
    weight /= weight.sum()
    step = np.arange(present)
    partners = np.stack([(step + 1) % present, (step * 7 + 3) % present])
    store = ImageStore(n_classes)
    ptr, cells, counts = [0], [], []
    yy, xx = np.mgrid[0:side, 0:side]
    for _ in range(n_images):
        here = rng.choice(present, size=int(rng.integers(3, 9)), replace=False, p=weight)
        truth = here[(yy * len(here)) // side].astype(np.int64)
        wrong = rng.random(truth.shape) < rng.uniform(0.02, 0.3)
        pred = np.where(wrong, partners[rng.integers(0, 2, truth.shape), truth], truth)
        cell, count = np.unique(truth * n_classes + pred, return_counts=True)
        cells.append(cell)
        counts.append(count)
        ptr.append(ptr[-1] + cell.size)
        rgb = np.stack([xx * 15, yy * 15, np.full_like(xx, int(rng.integers(0, 255)))], axis=-1)
        store.add(rgb.astype(np.uint8), truth, pred)
    sparse = SparseConfusion(
        n_classes,
        np.array(ptr, dtype=np.int64),
        np.concatenate(cells).astype(np.int64),
        np.concatenate(counts).astype(np.int64),
    )
    losses = rng.gamma(2.0, 0.3, n_images)
    return Results(list(ADE20K), losses, sparse, store, palette(n_classes))


def compare_demo(n: int | None = None) -> Any:
    """``SegExplorer.compare`` of the demo's early and final weights over its validation split."""
    from segwidget import SegExplorer
    from segwidget.demo import CLASSES, load_model, valid_loader

    return SegExplorer.compare(
        load_model(early=True), load_model(), valid_loader(n=n), CLASSES, names=("early", "final")
    )


def changed_both_ways(comparison: Any) -> tuple[int, int]:
    """The off-diagonal cell with the most images in its shorter gallery of the two directions."""
    c = comparison.n_classes
    cells = [(t, p) for t in range(c) for p in range(c) if t != p]
    sizes = [min(len(comparison.rank(t, p, d)) for d in ("worse", "better")) for t, p in cells]
    return cells[int(np.argmax(sizes))]


class WireRecorder:
    """Counts what an explorer sends to the browser: thumbnail messages, thumbnails, and bytes
    (the JSON header and the binary buffers)."""

    def __init__(self, explorer: Any) -> None:
        self.explorer = explorer
        self.reset()
        self._send = explorer.send
        explorer.send = self._record

    def reset(self) -> None:
        """Count from now on."""
        self.messages = 0
        self.thumbnails: list[int] = []
        self.buffer_bytes = 0

    def _record(self, content: Any, buffers: Any = None) -> None:
        if isinstance(content, dict) and content.get("kind") == "thumbs":
            self.messages += 1
            self.thumbnails += [item["index"] for item in content["items"]]
            header = len(json.dumps(content, separators=(",", ":")))
            self.buffer_bytes += header + sum(len(b) for b in buffers or [])
        self._send(content, buffers)

    def report(self) -> dict[str, Any]:
        """What was sent, against the store's own bytes (JPEG + two PNGs) for those images."""
        parts = self.explorer.results.images.parts
        stored = sum(
            len(parts[f"thumb_{name}"][i])
            for i in self.thumbnails
            for name in ("image", "truth", "prediction")
        )
        return {
            "messages": self.messages,
            "thumbnails": len(self.thumbnails),
            "distinct": len(set(self.thumbnails)),
            "wire_bytes": self.buffer_bytes,
            "stored_bytes": stored,
        }
