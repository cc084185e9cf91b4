"""``image_objects`` counts per run of pixels (``analysis.objects._Runs``): cases where a run
could wrongly span two objects, two classes or two rows, against loops over the pixels."""

from __future__ import annotations

import numpy as np
import pytest
from test_objects_components import check, records, reference

from segwidget.analysis.objects import INSTANCE_BASE, image_objects


def instance_reference(
    truth: np.ndarray, pred: np.ndarray, instances: np.ndarray, n_classes: int
) -> list[tuple[int, ...]]:
    """Per instance id ≥ 1000 on valid pixels, by a loop over its pixels: (class, pixels,
    hit, other class (-1: none), its pixels, x0, y0, x1, y1)."""
    out = []
    valid = truth != n_classes
    for i in np.unique(instances[valid & (instances >= INSTANCE_BASE)]):
        c = int(i) // INSTANCE_BASE
        ys, xs = np.nonzero(valid & (instances == i))
        counts = [0] * n_classes
        for y, x in zip(ys, xs, strict=True):
            counts[int(pred[y, x])] += 1
        best, best_pixels = -1, 0
        for q in range(n_classes):  # the lower class wins ties
            if q != c and counts[q] > best_pixels:
                best, best_pixels = q, counts[q]
        box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        out.append((c, int(ys.size), counts[c], best, best_pixels, *box))
    return sorted(out)


@pytest.mark.parametrize("seed", range(10))
def test_instance_maps_with_stuff_under_one_predicted_object(seed: int) -> None:
    """Stuff (ids < 1000) has no truth object, so a predicted object over stuff of several
    classes must still count each truth class's pixels; instances cross rows and touch."""
    rng = np.random.default_rng(seed)
    c = int(rng.integers(2, 6))
    h, w = int(rng.integers(1, 25)), int(rng.integers(1, 25))
    truth = rng.integers(0, c + 1, (h // 2 + 1, w // 2 + 1)).repeat(2, 0).repeat(2, 1)[:h, :w]
    truth = np.where(rng.random((h, w)) < 0.1, rng.integers(0, c + 1, (h, w)), truth)
    k = rng.integers(0, 3, (h // 3 + 1, w // 4 + 1)).repeat(3, 0).repeat(4, 1)[:h, :w]
    thing = rng.random((h // 3 + 1, w // 4 + 1)).repeat(3, 0).repeat(4, 1)[:h, :w] < 0.6
    instances = np.where(thing & (truth < c), truth * INSTANCE_BASE + k, truth % c)
    pred = np.where(rng.random((h, w)) < 0.4, rng.integers(0, c, (h, w)), truth % c)
    truth, pred = truth.astype(np.uint8), pred.astype(np.uint8)
    found = image_objects(truth, pred, c, instances)
    assert records(found.truth) == instance_reference(truth, pred, instances, c)
    valid = truth != c
    assert records(found.false) == reference(pred, truth, valid, c, false_only=True)


def test_objects_that_end_a_row_and_start_the_next_are_apart() -> None:
    v = 2
    truth = np.array([[0, 0, 1], [1, 0, 0], [1, 1, 1], [1, 1, 1], [v, 0, 1]], np.uint8)
    pred = np.array([[1, 0, 1], [1, 1, 0], [1, 1, 1], [0, 0, 1], [0, 0, 1]], np.uint8)
    check(truth, pred, 2)
    check(truth.T.copy(), pred.T.copy(), 2)


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1), (3, 200)])
def test_thin_and_tiny_masks(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    truth = rng.integers(0, 4, shape).astype(np.uint8)  # 3: void
    pred = rng.integers(0, 3, shape).astype(np.uint8)
    check(truth, pred, 3)
