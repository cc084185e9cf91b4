"""What the detail view's confident-disagreement masks cost: bytes per image and encoding time.

Two passes: the demo (9 classes, 128×96) and a synthetic 150-class case (blocky scenes of a
few classes each; logits of a "model" that is right with noise, confidently wrong on a
relabelled block per image and unsure along edges). For each: the mean, median and largest
stored mask (1-bit PNG) per image, with Python's per-object overhead, against the whole
image store per image; and the median time to encode one mask on the pass's worker thread
(shrink + PNG), against encoding the image's other parts. Prints, never asserts.

Run: ``python bench/bench_overlays.py [--images 64] [--size 256]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

import numpy as np
import torch

import segwidget
from segwidget.results.image_store import CONFIDENT, ImageStore


def synthetic(n_images: int, side: int, n_classes: int = 150, seed: int = 0) -> list[Any]:
    """Batches of (logits, truth) of scenes holding a few of ``n_classes`` classes."""
    rng = np.random.default_rng(seed)
    batches = []
    for start in range(0, n_images, 8):
        size = min(8, n_images - start)
        cells = side // 16
        truth = np.empty((size, side, side), np.int64)
        pred = np.empty_like(truth)
        for k in range(size):
            present = rng.choice(n_classes, rng.integers(3, 8), replace=False)
            coarse = rng.choice(present, (cells, cells))
            truth[k] = coarse.repeat(16, 0).repeat(16, 1)
            pred[k] = truth[k]
            a, b = rng.integers(0, side - side // 4, 2)
            pred[k, a : a + side // 4, b : b + side // 4] = rng.choice(present)  # confidently
        logits = rng.normal(0, 1, (size, n_classes, side, side)).astype(np.float32)
        np.put_along_axis(logits, pred[:, None], 9.0, axis=1)
        edges = np.zeros_like(truth, bool)  # unsure along the edges: a runner-up close by
        edges[:, :, 1:] |= truth[:, :, 1:] != truth[:, :, :-1]
        edges[:, 1:] |= truth[:, 1:] != truth[:, :-1]
        np.put_along_axis(
            logits, ((truth + 1) % n_classes)[:, None], np.where(edges, 8.8, 0)[:, None], axis=1
        )
        batches.append((torch.from_numpy(logits), torch.from_numpy(truth)))
    return batches


class Passthrough(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def sizes(results: segwidget.Results) -> dict[str, float]:
    store = results.images
    assert store is not None and store.has_confident
    masks = [len(b) for b in store.parts[CONFIDENT]]
    overhead = sys.getsizeof(b"") + 8  # the bytes object's header and its list slot
    whole = sum(len(b) for part in store.parts.values() for b in part) / results.n_images
    return {
        "mean": statistics.fmean(masks) + overhead,
        "median": statistics.median(masks) + overhead,
        "max": max(masks) + overhead,
        "store": whole + len(store.parts) * overhead,
        "confident_px": float(
            np.mean([results.confident_confusions.image(i).sum() for i in range(results.n_images)])
        ),
    }


def encode_times(results: segwidget.Results, repeats: int = 5) -> dict[str, float]:
    """Median seconds to encode one image with and without its mask (decoded from the store)."""
    store = results.images
    assert store is not None
    fresh = ImageStore(results.n_classes)
    with_mask, without = [], []
    for i in range(min(results.n_images, 16)):
        view = store.view(i)
        rgb = store.rgb(i)
        mask = np.asarray(segwidget.results.imaging.decode(store.confident(i)), bool)
        for _ in range(repeats):
            for keep, times in ((True, with_mask), (False, without)):
                start = time.perf_counter()
                fresh.encode(rgb, view.truth, view.prediction, None, mask if keep else None)
                times.append(time.perf_counter() - start)
    return {"with": statistics.median(with_mask), "without": statistics.median(without)}


def report(name: str, results: segwidget.Results) -> None:
    s, t = sizes(results), encode_times(results)
    print(
        f"{name}: {results.n_images} images, {results.n_classes} classes, "
        f"stored at {results.images.view(0).width}×{results.images.view(0).height}\n"
        f"  confident pixels per image (mean): {s['confident_px']:.0f}\n"
        f"  mask bytes per image (PNG + Python object): mean {s['mean']:.0f}, "
        f"median {s['median']:.0f}, max {s['max']:.0f}\n"
        f"  whole image store per image: {s['store']:.0f} bytes; masks add "
        f"{100 * s['mean'] / (s['store'] - s['mean']):.1f}%\n"
        f"  encoding one image: {1e3 * t['without']:.2f} ms without the mask, "
        f"{1e3 * t['with']:.2f} ms with it (+{100 * (t['with'] / t['without'] - 1):.1f}%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=64, help="synthetic images (default 64)")
    parser.add_argument("--size", type=int, default=256, help="synthetic side (default 256)")
    args = parser.parse_args()
    from segwidget import demo

    report(
        "demo",
        segwidget.analyze(demo.load_model(), demo.valid_loader(), demo.CLASSES, progress=False),
    )
    data = synthetic(args.images, args.size)
    names = [f"class {c}" for c in range(150)]
    report("synthetic", segwidget.analyze(Passthrough(), data, names, progress=False))


if __name__ == "__main__":
    main()
