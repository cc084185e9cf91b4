"""The demo's small classes come in every size: close-ups give them COCO-medium objects, and
the shipped model misses the small ones more often (what the objects panel is there to show).

Objects are counted here with ``scipy.ndimage.label`` (8-connectivity, per class), not with
the pass's own component code, so the tests hold the scenes and the weights, not segwidget's
objects.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage

from segwidget.demo import CLASSES, StreetScenes, load_model

SMALL, MEDIUM, LARGE = 32**2, 96**2, 96 * 128  # COCO's edges; the frame's area
N = 160  # the validation split


@pytest.fixture(scope="module")
def sizes() -> tuple[dict[str, list[np.ndarray]], dict[str, np.ndarray]]:
    """Per class, per image, the pixel counts of its 8-connected truth components."""
    data = StreetScenes("valid", n=N)
    out: dict[str, list[np.ndarray]] = {c: [] for c in ("pedestrian", "sign", "pole")}
    for i in range(N):
        _, mask = data.raw(i)
        for name, per_image in out.items():
            labels, n = ndimage.label(mask == CLASSES.index(name), structure=np.ones((3, 3)))
            per_image.append(np.bincount(labels.ravel(), minlength=n + 1)[1:])
    return out, data.metadata()


def test_each_small_class_has_small_and_medium_objects(
    sizes: tuple[dict[str, list[np.ndarray]], dict[str, np.ndarray]],
) -> None:
    per_class, _ = sizes
    for name, per_image in per_class.items():
        every = np.concatenate(per_image)
        small, medium = (every < SMALL).sum(), ((every >= SMALL) & (every < MEDIUM)).sum()
        assert medium >= 5, (name, medium)
        assert small > 5 * medium, (name, small, medium)  # mostly small, as far objects are
        lo, hi = np.quantile(every, [1 / 3, 2 / 3])
        assert hi > 2 * lo, (name, lo, hi)  # terciles spread
        assert every.max() < LARGE


def test_medium_objects_come_from_the_close_ups(
    sizes: tuple[dict[str, list[np.ndarray]], dict[str, np.ndarray]],
) -> None:
    per_class, meta = sizes
    assert 0 < (meta["near"] > 0).sum() < N
    for name, per_image in per_class.items():
        largest = np.array([s.max(initial=0) for s in per_image])
        # far objects stay small: a scene without a close-up has no medium object
        assert (largest[meta["near"] == 0] < SMALL).all(), name


def test_the_shipped_model_misses_small_objects_more_than_medium_ones() -> None:
    """Object recall by size, counted here from the model's argmax (not the pass's objects)."""
    data = StreetScenes("valid", n=N)
    model = load_model()
    missed: dict[str, list[tuple[int, bool]]] = {c: [] for c in ("pedestrian", "sign", "pole")}
    for start in range(0, N, 32):
        batch = [data[i] for i in range(start, min(start + 32, N))]
        with torch.inference_mode():
            pred = model(torch.stack([x for x, _ in batch])).argmax(1).numpy()
        for (_, mask), p in zip(batch, pred, strict=True):
            truth = mask.numpy()
            for name, found in missed.items():
                c = CLASSES.index(name)
                labels, n = ndimage.label(truth == c, structure=np.ones((3, 3)))
                size = np.bincount(labels.ravel(), minlength=n + 1)
                hit = np.bincount(labels.ravel(), weights=p.ravel() == c, minlength=n + 1)
                found += [(int(size[k]), hit[k] / size[k] < 0.5) for k in range(1, n + 1)]
    for name, objects in missed.items():
        size, lost = np.array(objects).T
        small, medium = lost[size < SMALL].mean(), lost[(size >= SMALL) & (size < MEDIUM)].mean()
        assert small > 0.1 and small > 2 * medium, (name, small, medium)
