"""Objects of one image: truth objects and false predicted objects as compact records.

A pure function of host arrays (the encoder's job calls it per image, never on logits):

- truth objects: one per ``(class, instance id)`` when instance maps are given (ids ≥
  ``INSTANCE_BASE``; Cityscapes' ``class × 1000 + k``), else the 8-connected components of
  each class in the valid truth;
- predicted objects: the 8-connected components of each class in the prediction over valid
  pixels; only the *false* ones (fewer than half of their pixels truly their class) are kept.

Components come from ``cc3d`` (connected-components-3d), which labels every class of a mask
in one pass: measured 3-11x faster than ``scipy.ndimage.label`` run class by class
(``bench/bench_objects.py``).
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
# Count the disagreeing pixels by (object, class) densely when objects × classes is at most
# this many times their number; else sort them (np.unique): either way one pass over them.
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
        its pixels, bbox), in raster order of their first pixel.
    """
    valid = truth != n_classes
    agree = valid & (truth == pred)  # valid pixels predicted as their truth
    if instances is None:
        labels = _components(_shifted(truth, valid))
        classes = _class_of(labels, truth)
    else:
        labels, classes = _instance_labels(instances, valid)
    truth_part = _records(labels, classes, pred, agree, n_classes, keep_false=False)
    pred_labels = _components(_shifted(pred, valid))
    false_part = _records(
        pred_labels, _class_of(pred_labels, pred), truth, agree, n_classes, keep_false=True
    )
    return ImageObjects(truth_part, false_part)


def _shifted(classes: NDArray[np.integer], valid: NDArray[np.bool_]) -> NDArray[np.integer]:
    """``class + 1`` on valid pixels, 0 elsewhere, in the narrowest type (cc3d is faster)."""
    out = classes.astype(np.uint16 if int(classes.max(initial=0)) < 65535 else np.uint32) + 1
    out[~valid] = 0
    return out


def _components(shifted: NDArray[np.integer]) -> NDArray[np.integer]:
    """8-connected components of every nonzero value (``class + 1``), labelled 1..n."""
    return cc3d.connected_components(np.ascontiguousarray(shifted), connectivity=8)


def _class_of(labels: NDArray[np.integer], classes: NDArray[np.integer]) -> NDArray[np.int64]:
    """Per label (0: background), the class of its pixels (all equal within a component)."""
    n = int(labels.max()) + 1 if labels.size else 1
    out = np.zeros(n, dtype=np.int64)
    flat = labels.ravel()
    first = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])  # one pixel per run
    out[flat[first]] = classes.ravel()[first]
    return out


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


def _records(
    labels: NDArray[np.integer],
    classes: NDArray[np.int64],
    other: NDArray[np.integer],
    agree: NDArray[np.bool_],
    n_classes: int,
    keep_false: bool,
) -> dict[str, NDArray[np.int64]]:
    """Per object (label ≥ 1, all its pixels valid): pixels, ``hit`` (pixels where ``other``
    is its class, i.e. ``agree``) and the class most of its other pixels have in ``other``
    (ties: the lower; -1 when none) with its pixels.

    ``other`` is the prediction for truth objects and the truth for predicted ones. With
    ``keep_false`` only objects with ``2 · hit < pixels`` are kept. Only the disagreeing
    pixels are counted by class, so the cost follows the errors, not objects × classes;
    ``cc3d.statistics`` gives the sizes with the boxes (``np.bincount`` on the labels would
    take as long again).
    """
    n = classes.size  # labels 0..n-1; 0 is no object
    flat = labels.ravel()
    pixels, boxes = _sizes_and_boxes(labels, n)
    wrong = ~agree.ravel() & (flat > 0)  # label ≥ 1 only on valid pixels
    keys = flat[wrong].astype(np.int64) * n_classes + other.ravel()[wrong]
    if n * n_classes <= DENSE_FACTOR * keys.size:  # a dense count is cheaper than sorting
        dense = np.bincount(keys, minlength=n * n_classes)
        found = np.flatnonzero(dense)
        count = dense[found]
    else:
        found, count = np.unique(keys, return_counts=True)
    label, cls = np.divmod(found, n_classes)
    hit = pixels - np.bincount(label, weights=count, minlength=n).astype(np.int64)
    order = np.lexsort((cls, -count, label))  # per label: most pixels, then the lower class
    first = order[np.r_[True, label[order][1:] != label[order][:-1]]] if order.size else order
    confused = np.full(n, -1, dtype=np.int64)
    confused_pixels = np.zeros(n, dtype=np.int64)
    confused[label[first]] = cls[first]
    confused_pixels[label[first]] = count[first]
    keep = np.arange(1, n)
    if keep_false:
        keep = keep[2 * hit[1:] < pixels[1:]]
    return {
        "cls": classes[keep],
        "pixels": pixels[keep],
        "hit": hit[keep],
        "other": confused[keep],
        "other_pixels": confused_pixels[keep],
        "bbox": boxes[keep],
    }


def _sizes_and_boxes(
    labels: NDArray[np.integer], n: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per label 0..n-1: pixels, and ``x0, y0, x1, y1`` (``x1``, ``y1`` exclusive)."""
    if n <= 1:
        return np.zeros(n, np.int64), np.zeros((n, 4), np.int64)
    stats = cc3d.statistics(np.ascontiguousarray(labels), no_slice_conversion=True)
    box = np.asarray(stats["bounding_boxes"], dtype=np.int64)[:n]  # rows: y0, y1, x0, x1
    pixels = np.asarray(stats["voxel_counts"], dtype=np.int64)[:n]
    return pixels, np.stack([box[:, 2], box[:, 0], box[:, 3] + 1, box[:, 1] + 1], axis=1)


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
