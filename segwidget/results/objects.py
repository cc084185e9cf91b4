"""Objects: which objects the model misses, which it invents, and are they the small ones.

Definitions (docs/guide/objects.md and PROTOCOL.md's "Objects" section):

- a truth object's *recall* = its pixels predicted as its class / its pixels; it is
  *missed* when recall < ``min_object_recall`` (0.5: exactly half is found);
- a class's *object recall* = the share of its truth objects that are not missed;
- *size* = pixels at the mask's resolution; size bins: ``"coco"`` (< 32², 32²–96², ≥ 96²),
  ``"terciles"`` (``np.quantile`` of the class's object sizes in these results at 1/3 and
  2/3) or edges (``[lo, hi)``, the last ``[lo, hi]``, as ``class_table(by=, bins=)``);
- *iIoU* (Cityscapes): ``iTP / (iTP + FP + iFN)``, each truth object of class c weighing
  ``s̄_c / s_i`` (``s̄_c`` = mean object size of c in these results, or the user's).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .objects_store import ObjectStore

if TYPE_CHECKING:
    from .core import ClassRef, Results

COCO_EDGES = (0.0, 32.0**2, 96.0**2, np.inf)
COCO_LABELS = ("small", "medium", "large")


def store(results: Results, what: str) -> ObjectStore:
    """The results' objects, or a clear error naming ``objects=``."""
    if results.object_records is None:
        raise ValueError(
            f"{what} needs objects, and these results have none: they were analysed with "
            "objects=False; analyse with objects=True (the default) to keep them"
        )
    return results.object_records


def size_bins(results: Results, bins: Any = "coco") -> tuple[list[str], NDArray[np.int64]]:
    """Bin labels and, per truth object, its size bin (``-1``: outside the edges).

    ``"terciles"`` bins each class by its own objects' sizes, so bin ``k`` means "the
    k-th third of that class"; ``"coco"`` and edges are the same for every class.
    """
    objects = store(results, "size bins")
    sizes = objects.truth["pixels"].astype(np.float64)
    if isinstance(bins, str) and bins == "coco":
        return list(COCO_LABELS), _which(np.asarray(COCO_EDGES), sizes)
    if isinstance(bins, str) and bins == "terciles":
        which = np.full(sizes.size, -1, np.int64)
        cls = objects.truth["cls"]
        for c in np.unique(cls):
            mine = cls == c
            lo, hi = np.quantile(sizes[mine], [1 / 3, 2 / 3])
            which[mine] = (sizes[mine] >= lo).astype(np.int64) + (sizes[mine] >= hi)
        return ["lower third", "middle third", "upper third"], which
    if isinstance(bins, str):
        raise ValueError(f"bins must be 'coco', 'terciles' or a list of edges; got {bins!r}")
    try:
        edges = np.asarray(bins, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError("bins must be 'coco', 'terciles' or a list of edges") from err
    if edges.ndim != 1 or edges.size < 2 or not (np.diff(edges) > 0).all():
        raise ValueError(f"bin edges must be at least 2 increasing numbers; got {bins!r}")
    labels = [f"[{lo:g}, {hi:g})" for lo, hi in itertools.pairwise(edges)]
    labels[-1] = labels[-1][:-1] + "]"
    return labels, _which(edges, sizes, closed_last=True)


def _which(
    edges: NDArray[np.float64], sizes: NDArray[np.float64], closed_last: bool = False
) -> NDArray[np.int64]:
    """Per size, its bin ``[lo, hi)`` (the last ``[lo, hi]`` when ``closed_last``); -1 outside."""
    which = np.searchsorted(edges, sizes, side="right") - 1
    if closed_last:
        which[sizes == edges[-1]] = edges.size - 2
    which[(sizes < edges[0]) | (sizes > edges[-1]) | (which > edges.size - 2)] = -1
    return which.astype(np.int64)


def objects_frame(results: Results) -> Any:
    """See ``Results.objects``."""
    objects = store(results, "objects()")
    t = objects.truth
    recall = objects.recall()
    other = t["other"].astype(np.int64)
    box = t["bbox"]
    columns = {
        "image": t.image,
        "class": np.asarray(results.classes, dtype=object)[t["cls"].astype(np.int64)],
        "pixels": t["pixels"].astype(np.int64),
        "hit": t["hit"].astype(np.int64),
        "recall": recall,
        "missed": recall < objects.min_recall,
        "confused_with": _names(results, other),
        "confused_pixels": t["other_pixels"].astype(np.int64),
        **{name: box[:, k].astype(np.int64) for k, name in enumerate(("x0", "y0", "x1", "y1"))},
    }
    return _frame(columns)


def false_objects_frame(results: Results) -> Any:
    """See ``Results.false_objects``."""
    f = store(results, "false_objects()").false
    pixels = f["pixels"].astype(np.int64)
    box = f["bbox"]
    columns = {
        "image": f.image,
        "class": np.asarray(results.classes, dtype=object)[f["cls"].astype(np.int64)],
        "pixels": pixels,
        "precision": f["hit"] / pixels.astype(np.float64),
        "truth": _names(results, f["other"].astype(np.int64)),
        "truth_pixels": f["other_pixels"].astype(np.int64),
        **{name: box[:, k].astype(np.int64) for k, name in enumerate(("x0", "y0", "x1", "y1"))},
    }
    return _frame(columns)


def _names(results: Results, index: NDArray[np.int64]) -> NDArray[Any]:
    names = np.asarray([*results.classes, None], dtype=object)
    return names[np.where(index < 0, len(results.classes), index)]


def _frame(columns: dict[str, NDArray[Any]]) -> Any:
    """A pandas DataFrame when pandas is installed, else the dict of columns."""
    try:
        import pandas as pd
    except ImportError:
        return columns
    return pd.DataFrame(columns)


def object_table(results: Results, bins: Any = "coco") -> Any:
    """See ``Results.object_table``."""
    objects = store(results, "object_table()")
    labels, which = size_bins(results, bins)
    cls = objects.truth["cls"].astype(np.int64)
    missed = objects.missed()
    n_bins, c = len(labels), results.n_classes
    keep = which >= 0
    key = cls[keep] * n_bins + which[keep]
    total = np.bincount(key, minlength=c * n_bins).reshape(c, n_bins)
    lost = np.bincount(key, weights=missed[keep], minlength=c * n_bins).reshape(c, n_bins)
    rows = [
        {
            "class": results.classes[k],
            "size": labels[b],
            "objects": int(total[k, b]),
            "missed": int(lost[k, b]),
            "object_recall": (total[k, b] - lost[k, b]) / total[k, b] if total[k, b] else np.nan,
        }
        for k in range(c)
        for b in range(n_bins)
    ]
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame(rows).set_index(["class", "size"])


def object_columns(results: Results) -> dict[str, NDArray[Any]]:
    """``class_table``'s object columns; empty when the pass kept no objects."""
    if results.object_records is None:
        return {}
    objects, c = results.object_records, results.n_classes
    cls = objects.truth["cls"].astype(np.int64)
    total = np.bincount(cls, minlength=c)
    found = np.bincount(cls, weights=~objects.missed(), minlength=c)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(total > 0, found / np.maximum(total, 1), np.nan)
    return {
        "objects": total,
        "object_recall": recall,
        "false_objects": np.bincount(objects.false["cls"].astype(np.int64), minlength=c),
        "iiou": iiou(results),
    }


def iiou(results: Results, avg_size: Mapping[ClassRef, float] | None = None) -> NDArray[np.float64]:
    """See ``Results.iiou``."""
    objects = store(results, "iiou()")
    c = results.n_classes
    t = objects.truth
    cls = t["cls"].astype(np.int64)
    size = t["pixels"].astype(np.float64)
    if avg_size is None:
        count = np.bincount(cls, minlength=c)
        mean = np.bincount(cls, weights=size, minlength=c) / np.maximum(count, 1)
        mean[count == 0] = np.nan
    else:
        mean = np.full(c, np.nan)
        for ref, value in avg_size.items():
            mean[results.class_index(ref)] = float(value)
    weight = mean[cls] / size
    hit = t["hit"].astype(np.float64)
    itp = np.bincount(cls, weights=weight * hit, minlength=c)
    ifn = np.bincount(cls, weights=weight * (size - hit), minlength=c)
    cm = results.confusion()
    fp = cm.sum(axis=0) - np.diagonal(cm)
    has = np.bincount(cls, minlength=c) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = itp / (itp + fp + ifn)
    return np.where(has & ~np.isnan(mean), out, np.nan)
