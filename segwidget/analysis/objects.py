"""Objects of one image: truth objects and false predicted objects as compact records.

A pure function of host arrays (the encoder's job calls it per image, never on logits):

- truth objects: one per ``(class, instance id)`` when instance maps are given (ids ≥
  ``INSTANCE_BASE``; Cityscapes' ``class × 1000 + k``), else the 8-connected components of
  each class in the valid truth;
- predicted objects: the 8-connected components of each class in the prediction over valid
  pixels; only the *false* ones (fewer than half of their pixels truly their class) are kept.

Components come from ``cc3d`` (connected-components-3d), which labels every class of a mask
in one pass: measured 3-45x faster than ``scipy.ndimage.label`` run class by class
(``bench/bench_objects.py``). Everything else is counted over runs of pixels along rows
(``_Runs``: both labels and both classes constant), not over pixels: one read of the two
label images, then sums and extremes over a few runs per object and row.
"""

from __future__ import annotations

import cc3d
import numpy as np
import torch
from numpy.typing import NDArray

from ..results.objects_store import ImageObjects
from .adapters import InputError

INSTANCE_BASE = 1000  # Cityscapes: an instance id ≥ 1000 is object k of class id // 1000
_MAX_LISTED = 4
# Count the disagreeing runs' pixels by (object, class) densely when objects × classes is at
# most this many times the runs; else sort them (np.unique): either way one pass over them.
DENSE_FACTOR = 8


def image_objects(
    truth: NDArray[np.integer],
    pred: NDArray[np.integer],
    n_classes: int,
    instances: NDArray[np.integer] | None = None,
) -> ImageObjects:
    """The object records of one image.

    Parameters
    ----------
    truth
        ``(H, W)`` class indices, ``n_classes`` at invalid pixels.
    pred
        ``(H, W)`` predicted class indices (``0..n_classes-1``).
    n_classes
        ``C``.
    instances
        ``(H, W)`` instance ids (``class × 1000 + k`` for objects, below 1000 for stuff),
        checked against the truth beforehand (``check_instances``), or ``None``.

    Returns
    -------
    ImageObjects
        Truth objects (class, pixels, hit, confused-with class and its pixels, bbox) and
        false predicted objects (class, pixels, pixels truly its class, truth class and
        its pixels, bbox), in the order of their labels (cc3d's: raster order of their
        first pixel; with instance maps, by instance id).
    """
    truth, pred = np.asarray(truth), np.asarray(pred)
    valid = truth != n_classes
    if instances is None:
        labels = _components(_shifted(truth, valid, n_classes))
        classes = None
    else:
        labels, classes = _instance_labels(np.asarray(instances), valid)
    pred_labels = _components(_shifted(pred, valid, n_classes))
    runs = _Runs(labels, pred_labels, truth, pred, instances is not None)
    agree = runs.truth == runs.pred
    truth_part = _records(runs, runs.label, classes, runs.pred, agree, n_classes, False)
    false_part = _records(runs, runs.pred_label, None, runs.truth, agree, n_classes, True)
    return ImageObjects(truth_part, false_part)


def _shifted(
    classes: NDArray[np.integer], valid: NDArray[np.bool_], n_classes: int
) -> NDArray[np.integer]:
    """``class + 1`` on valid pixels, 0 elsewhere, in the narrowest type (cc3d is faster);
    ``classes`` are ``0..n_classes`` (``n_classes``: invalid, zeroed)."""
    kind = np.uint8 if n_classes < 255 else np.uint16 if n_classes < 65535 else np.uint32
    out = np.add(classes, 1, dtype=kind, casting="unsafe")
    return np.multiply(out, valid, out=out)


def _components(shifted: NDArray[np.integer]) -> NDArray[np.integer]:
    """8-connected components of every nonzero value (``class + 1``), labelled 1..n."""
    return cc3d.connected_components(np.ascontiguousarray(shifted), connectivity=8)


def _instance_labels(
    instances: NDArray[np.integer], valid: NDArray[np.bool_]
) -> tuple[NDArray[np.uint32], NDArray[np.int64]]:
    """Labels 1..n for the instance ids ≥ 1000 on valid pixels, and each label's class."""
    thing = valid & (instances >= INSTANCE_BASE)
    ids, inverse = np.unique(instances[thing], return_inverse=True)
    labels = np.zeros(instances.shape, dtype=np.uint32)
    labels[thing] = inverse.ravel() + 1
    classes = np.concatenate([[0], ids.astype(np.int64) // INSTANCE_BASE])
    return labels, classes


class _Runs:
    """The valid pixels as runs along rows over which the truth label, the predicted label,
    the truth class and the predicted class are all constant.

    Every per-object figure is a sum or an extreme over pixels, so it is one over runs
    (a few per object and row) instead of one over pixels: the image is read once, to find
    where a run ends. Two neighbours in a row with the same class are in one component, so
    along a row a label changes only where its class (void included) does: a run breaks
    where the truth or the predicted class changes, or a row starts; with instance maps also
    where the instance label does. Invalid pixels (predicted label 0) are dropped.
    """

    def __init__(
        self,
        labels: NDArray[np.integer],
        pred_labels: NDArray[np.integer],
        truth: NDArray[np.integer],
        pred: NDArray[np.integer],
        by_label: bool,
    ) -> None:
        w = max(labels.shape[1], 1)
        flat_t, flat_p = truth.ravel(), pred.ravel()
        edge = np.empty(flat_t.size, dtype=bool)
        edge[:1] = True
        np.not_equal(flat_t[1:], flat_t[:-1], out=edge[1:])
        edge[1:] |= flat_p[1:] != flat_p[:-1]
        if by_label:  # touching instances of one class
            flat = labels.ravel()
            edge[1:] |= flat[1:] != flat[:-1]
        edge[::w] = True  # runs stay within a row
        start = np.flatnonzero(edge)
        length = np.diff(start, append=flat_t.size)
        pred_label = pred_labels.ravel()[start]
        keep = pred_label > 0  # valid pixels (every truth object's pixels are valid)
        start, self.length = start[keep], length[keep]
        self.pred_label = pred_label[keep].astype(np.int64)
        self.label = labels.ravel()[start].astype(np.int64)
        self.truth = flat_t[start].astype(np.int64)
        self.pred = flat_p[start].astype(np.int64)
        self.row, self.x0 = np.divmod(start, w)


def _records(
    runs: _Runs,
    label: NDArray[np.int64],
    classes: NDArray[np.int64] | None,
    other: NDArray[np.int64],
    agree: NDArray[np.bool_],
    n_classes: int,
    keep_false: bool,
) -> dict[str, NDArray[np.int64]]:
    """Per object (``label`` ≥ 1 on the runs): pixels, ``hit`` (pixels where ``other`` is
    its class, i.e. ``agree``), the class most of its other pixels have in ``other`` (ties:
    the lower; -1 when none) with its pixels, and its box.

    ``other`` is the prediction for truth objects and the truth for predicted ones; without
    ``classes`` an object's class is the one all its runs have (the truth's for truth
    objects, the prediction's for predicted ones). With ``keep_false`` only objects with
    ``2 · hit < pixels`` are kept.
    """
    on = label > 0
    label, length, row = label[on], runs.length[on], runs.row[on]
    x0, other, agree = runs.x0[on], other[on], agree[on]
    n = int(label.max(initial=0)) + 1  # labels 0..n-1, each of 1..n-1 on some run; 0: none
    if classes is None:  # every run of an object has its class
        classes = np.zeros(n, dtype=np.int64)
        classes[label] = (runs.pred if keep_false else runs.truth)[on]
    pixels = np.bincount(label, weights=length, minlength=n).astype(np.int64)
    wrong = ~agree
    count, found_label, cls = _disagreeing(label[wrong], other[wrong], length[wrong], n,
                                           n_classes)  # fmt: skip
    hit = pixels - np.bincount(found_label, weights=count, minlength=n).astype(np.int64)
    best = np.lexsort((cls, -count, found_label))  # per object: most pixels, then lower class
    if best.size:
        best = best[np.r_[True, found_label[best][1:] != found_label[best][:-1]]]
    confused = np.full(n, -1, dtype=np.int64)
    confused_pixels = np.zeros(n, dtype=np.int64)
    confused[found_label[best]] = cls[best]
    confused_pixels[found_label[best]] = count[best]
    boxes = np.zeros((4, n), dtype=np.int64)  # x0, y0, x1, y1 (exclusive) by label
    boxes[:2] = np.iinfo(np.int64).max
    np.minimum.at(boxes[0], label, x0)
    np.minimum.at(boxes[1], label, row)
    np.maximum.at(boxes[2], label, x0 + length)
    np.maximum.at(boxes[3], label, row + 1)
    keep = np.arange(1, n)
    if keep_false:
        keep = keep[2 * hit[1:] < pixels[1:]]
    return {
        "cls": classes[keep],
        "pixels": pixels[keep],
        "hit": hit[keep],
        "other": confused[keep],
        "other_pixels": confused_pixels[keep],
        "bbox": boxes[:, keep].T.copy(),
    }


def _disagreeing(
    label: NDArray[np.int64],
    other: NDArray[np.int64],
    length: NDArray[np.intp],
    n: int,
    n_classes: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Pixels per (object, class in ``other``) over the disagreeing runs: counts, objects,
    classes, for the pairs that occur. Counted densely when objects × classes is at most
    ``DENSE_FACTOR`` times the runs, else by sorting the keys."""
    keys = label * n_classes + other
    if n * n_classes <= DENSE_FACTOR * keys.size:
        dense = np.bincount(keys, weights=length, minlength=n * n_classes)
        found = np.flatnonzero(dense)
        count = dense[found]
    else:
        found, inverse = np.unique(keys, return_inverse=True)
        count = np.bincount(inverse.ravel(), weights=length, minlength=found.size)
    found_label, cls = np.divmod(found, n_classes)
    return count.astype(np.int64), found_label, cls


def check_instances(b: int, instances: torch.Tensor, target: torch.Tensor, n_classes: int) -> None:
    """Raise ``InputError`` naming the first image whose instance ids disagree with its mask.

    ``instances`` must have the masks' shape; an id ≥ 1000 on a valid pixel must be of the
    pixel's class (``id // 1000 == class``). ``target`` has invalid pixels at ``n_classes``.
    """
    if tuple(instances.shape) != tuple(target.shape):
        raise InputError(
            f"batch {b}: instance maps have shape {tuple(instances.shape)} but masks "
            f"{tuple(target.shape)}; give one (H, W) map of instance ids per mask"
        )
    ids = instances.to(target.device).long()
    wrong = (ids >= INSTANCE_BASE) & (target < n_classes) & (ids // INSTANCE_BASE != target)
    if bool(wrong.any()):
        i = int(wrong.flatten(1).any(1).nonzero()[0])
        bad = torch.unique(ids[i][wrong[i]]).tolist()[:_MAX_LISTED]
        classes = torch.unique(target[i][wrong[i]]).tolist()[:_MAX_LISTED]
        raise InputError(
            f"batch {b}, image {i}: instance ids {bad} (class id // {INSTANCE_BASE}) lie on "
            f"pixels whose mask class is {classes}; instance ids must be class × "
            f"{INSTANCE_BASE} + k in the masks' class numbering"
        )


def batch_instances(
    batch: object, xy: tuple[object, ...], key: str | None, where: str
) -> torch.Tensor | None:
    """The batch's instance maps: ``batch_to_xy``'s third element, else a dict batch's
    ``key`` (default ``"instances"``); ``None`` when it has none. ``(B, H, W)`` int64."""
    if len(xy) >= 3:
        maps = xy[2]
    elif isinstance(batch, dict) and (key or "instances") in batch:
        maps = batch[key or "instances"]
    elif key is not None:
        raise InputError(f"{where}: the batch has no instances_key={key!r}")
    else:
        return None
    if isinstance(maps, np.ndarray) and maps.dtype.kind in "iu":
        maps = torch.from_numpy(maps.astype(np.int64))
    if not isinstance(maps, torch.Tensor) or maps.is_floating_point() or maps.is_complex():
        raise InputError(
            f"{where}: instance maps must be a (B, H, W) integer tensor of instance ids "
            f"(class × {INSTANCE_BASE} + k), got {type(maps).__name__}"
        )
    if maps.ndim == 4 and maps.shape[1] == 1:
        maps = maps[:, 0]
    return maps.long()
