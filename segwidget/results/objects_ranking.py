"""The gallery's object orders (``Results.rank(..., by="missed"|"false")``), and the questions
``Results`` answers about objects (``ObjectQuestions``, a mixin of ``Results``).

Ranking rules (PROTOCOL.md): only images with a nonzero count; score = that count; ties
by those objects' pixels (more first), then lower index. ``js/src/data/objects.ts`` ranks
the same way; a fixture holds the two equal.

- ``"missed"``: missed truth objects of class t (with ``p != t``: confused with p; nothing
  selected: of any class);
- ``"false"``: false predicted objects of class p (with ``t != p``: whose truth class is t;
  nothing selected: of any class).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import objects
from .ranking import Ranking

if TYPE_CHECKING:
    from .core import ClassRef, Results

KINDS = ("missed", "false")


def count_order(
    image: NDArray[np.int64], pixels: NDArray[np.integer], chosen: NDArray[np.bool_], n: int
) -> Ranking:
    """Images by the count of chosen records, then their pixels (more first), then index."""
    count = np.bincount(image[chosen], minlength=n)
    weight = np.bincount(image[chosen], weights=pixels[chosen].astype(np.float64), minlength=n)
    images = np.flatnonzero(count > 0)
    perm = np.lexsort((images, -weight[images], -count[images]))
    return Ranking(images[perm].astype(np.int64), count[images][perm].astype(np.float64))


def chosen_objects(
    results: Results,
    by: str,
    t: int | None,
    p: int | None,
    size: int | None = None,
    bins: Any = "coco",
) -> NDArray[np.bool_]:
    """Per record of ``by``'s kind (truth objects for "missed", false objects for "false"),
    whether the selection ``(t, p)`` and the size bin ``size`` choose it."""
    store = objects.store(results, f'rank(by="{by}")')
    if by == "missed":
        table = store.truth
        chosen = store.missed()
        own, other = (t, p)
    else:
        table = store.false
        chosen = np.ones(table.n_objects, dtype=np.bool_)
        own, other = (p, t)
    if own is not None:
        chosen &= table["cls"] == own
        if other is not None and other != own:
            chosen &= table["other"] == other
    if size is not None:
        if by != "missed":
            raise ValueError("size bins apply to truth objects: by='missed'")
        chosen &= objects.size_bins(results, bins)[1] == size
    return chosen


def rank_objects(
    results: Results,
    by: str,
    t: int | None,
    p: int | None,
    size: int | None = None,
    bins: Any = "coco",
) -> Ranking:
    """Images by their records of ``by``'s kind that the selection (and size bin) chooses."""
    store = objects.store(results, f'rank(by="{by}")')
    table = store.truth if by == "missed" else store.false
    chosen = chosen_objects(results, by, t, p, size, bins)
    return count_order(table.image, table["pixels"], chosen, results.n_images)


def rule(by: str) -> Any:
    """The ``ORDERS`` rule of ``by`` (``"missed"`` or ``"false"``)."""

    def ranked(results: Results, t: int | None, p: int | None, region: str | None) -> Ranking:
        if region is not None:
            raise ValueError(f'by="{by}" ranks objects, which have no region; pass region=None')
        return rank_objects(results, by, t, p)

    return ranked


class ObjectQuestions:
    """``Results``' questions about objects (``results.objects``, docs/guide/objects.md)."""

    def objects(self: Results) -> Any:  # type: ignore[misc]
        """One row per truth object: ``image`` (as ``rank`` indexes images), ``class``,
        ``pixels``, ``hit`` (pixels predicted as its class), ``recall``, ``missed``,
        ``confused_with`` (``None`` when no pixel was predicted otherwise) and its
        ``confused_pixels``, and the box ``x0, y0, x1, y1`` (``x1``, ``y1`` exclusive).

        A pandas DataFrame (a dict of columns without pandas).
        """
        return objects.objects_frame(self)

    def false_objects(self: Results) -> Any:  # type: ignore[misc]
        """One row per false predicted object (fewer than half of its pixels truly its
        class): ``image``, ``class``, ``pixels``, ``precision``, ``truth`` (the class most
        of its other pixels truly are) and ``truth_pixels``, and its box."""
        return objects.false_objects_frame(self)

    def object_table(self: Results, bins: Any = "coco") -> Any:  # type: ignore[misc]
        """Per class and size bin: ``objects``, ``missed``, ``object_recall``.

        Parameters
        ----------
        bins
            ``"coco"`` (< 32², 32²–96², ≥ 96² pixels), ``"terciles"`` (each class's own
            object sizes in these results) or bin edges (``[lo, hi)``, the last closed).
        """
        return objects.object_table(self, bins)

    def iiou(  # type: ignore[misc]
        self: Results, avg_size: Mapping[ClassRef, float] | None = None
    ) -> NDArray[np.float64]:
        """Per class, Cityscapes' instance-level IoU ``iTP / (iTP + FP + iFN)``.

        Parameters
        ----------
        avg_size
            ``{class: average object size}`` (e.g. Cityscapes' published averages); default
            the mean object size of each class in these results. NaN for a class with no
            truth objects or missing from ``avg_size``.
        """
        return objects.iiou(self, avg_size)

    def rank_objects(  # type: ignore[misc]
        self: Results,
        true: ClassRef | None = None,
        pred: ClassRef | None = None,
        by: str = "missed",
        size: int | None = None,
        bins: Any = "coco",
    ) -> Ranking:
        """``rank(true, pred, by=)`` for ``by="missed"|"false"``, restricted to the missed
        objects in size bin ``size`` (an index into ``object_table(bins)``'s bins)."""
        if by not in KINDS:
            raise ValueError(f"by must be one of {KINDS}, got {by!r}")
        t = p = None
        if true is not None or pred is not None:
            t = self.class_index(true if true is not None else pred)  # type: ignore[arg-type]
            p = self.class_index(pred) if pred is not None else t
        return rank_objects(self, by, t, p, size, bins)
