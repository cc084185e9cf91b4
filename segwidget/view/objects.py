"""The objects' protocol fields: what the browser needs to rank images by missed and false
objects, and to bin truth objects by size, under any slice with no round trip.

``objects_truth``: int32 little-endian, one row of ``TRUTH_COLUMNS`` per truth object
(``missed`` 0/1 by the results' ``min_object_recall``; ``other``: confused-with class or
-1); ``objects_false``: one row of ``FALSE_COLUMNS`` per false predicted object (``other``:
its truth class). Both empty when the results have no objects (``objects=False``) and for a
comparison. PROTOCOL.md's "Objects" section; ``js/src/data/objects.ts`` reads them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import traitlets
from numpy.typing import NDArray

from ..results import ranking, slices
from ..results.core import Results
from ..results.objects import COCO_LABELS
from ..results.objects_ranking import KINDS as ORDERS
from ..results.ranking import Ranking
from .protocol import png_size

if TYPE_CHECKING:
    from ..results.comparison import Comparison

TRUTH_COLUMNS = ("image", "cls", "pixels", "missed", "other")
FALSE_COLUMNS = ("image", "cls", "pixels", "other")
KERNEL_OWNED = frozenset({"objects_truth", "objects_false"})


def state(results: Results, comparison: Comparison | None = None) -> dict[str, bytes]:
    """The ``objects_truth`` and ``objects_false`` traits (empty bytes without objects)."""
    store = results.object_records
    if store is None or comparison is not None:
        return {"objects_truth": b"", "objects_false": b""}
    truth, false = store.truth, store.false
    missed = store.missed().astype(np.int64)
    return {
        "objects_truth": _rows(truth.image, truth["cls"], truth["pixels"], missed, truth["other"]),
        "objects_false": _rows(false.image, false["cls"], false["pixels"], false["other"]),
    }


def _rows(*columns: NDArray[Any]) -> bytes:
    return np.stack([np.asarray(c, dtype="<i4") for c in columns], axis=1).tobytes()


def check_order(order: str, results: Results | None, comparison: Comparison | None) -> None:
    """Raise ``TraitError`` when ``order`` ranks objects and these results have none."""
    if order in ORDERS and (
        comparison is not None or results is None or results.object_records is None
    ):
        why = "a comparison shows none" if comparison is not None else "these results have none"
        raise traitlets.TraitError(
            f"order {order!r} ranks objects, and {why}: analyze one model with objects=True"
        )


BINNINGS = ("coco", "terciles")


class ObjectTraits(traitlets.HasTraits):
    """The objects' traits: their records for the browser, the size bins and the selected bin.

    ``object_bins``: ``"coco"`` (< 32², 32²–96², ≥ 96² px) or ``"terciles"`` (each class's
    own thirds of its object sizes in the slice shown, ``Results.object_table(bins=)``'s).
    ``object_size``: ``None`` or a size bin of ``object_bins`` (0, 1, 2: small / medium /
    large, or lower / middle / upper third) that the "missed" order keeps (the objects
    chart's bars set it with the class and the order).
    """

    objects_truth = traitlets.Bytes().tag(sync=True)
    objects_false = traitlets.Bytes().tag(sync=True)
    object_size = traitlets.Any(None, allow_none=True).tag(sync=True)
    object_bins = traitlets.Unicode("coco").tag(sync=True)

    if TYPE_CHECKING:  # SegExplorer's
        order: str
        loss_range: Any
        slice: dict[str, Any]

        def _refresh_shown(self) -> None: ...

    def _leave_objects(self, results: Results, comparison: Comparison | None) -> None:
        """Before new results are shown: an objects' order they cannot show goes back to "share"."""
        if self.order in ORDERS and (comparison is not None or results.object_records is None):
            self.order = "share"

    @traitlets.validate("object_size")
    def _valid_object_size(self, proposal: dict[str, Any]) -> int | None:
        value = proposal["value"]
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value < len(COCO_LABELS)
        ):
            raise traitlets.TraitError(
                f"object_size must be None or a size bin 0..{len(COCO_LABELS) - 1} of "
                f"object_bins (e.g. {', '.join(COCO_LABELS)}); got {str(value)[:40]}"
            )
        return int(value)

    @traitlets.validate("object_bins")
    def _valid_object_bins(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if not isinstance(value, str) or value not in BINNINGS:
            raise traitlets.TraitError(
                f"object_bins must be one of {', '.join(BINNINGS)}; got {str(value)[:40]}"
            )
        return value

    @traitlets.observe("object_size", "object_bins")
    def _on_object_size(self, _change: dict[str, Any]) -> None:
        self._refresh_shown()

    def _object_ranking(self, results: Results, true: int | None, pred: int | None) -> Ranking:
        """The gallery's list for the objects' orders: ``Results.rank_objects`` with the
        selected size bin (only for "missed"; terciles of the slice's own objects), then the
        loss range."""
        size = self.object_size if self.order == "missed" and true is not None else None
        bins = self.object_bins
        if size is not None and bins == "terciles" and self.slice:  # the slice's own terciles
            inside = np.sort(slices.slice_indices(results, self.slice))
            part = results.subset(inside).rank_objects(true, pred, size=size, bins=bins)
            ranked = Ranking(inside[part.indices], part.scores)
        else:
            ranked = results.rank_objects(true, pred, by=self.order, size=size, bins=bins)
        if self.loss_range is not None:
            ranked = ranking.within_loss(ranked, results.losses, *map(float, self.loss_range))
        return ranked


def with_boxes(
    results: Results,
    i: int,
    comparison: Comparison | None,
    content: dict[str, Any],
    buffers: list[bytes],
) -> tuple[dict[str, Any], list[bytes]]:
    """A detail reply with image ``i``'s object boxes after its other buffers.

    The buffer holds int32 rows ``kind, x0, y0, x1, y1`` (``kind`` 0: a missed truth object,
    1: a false predicted object; boxes at the mask's full resolution, ``x1``/``y1``
    exclusive); ``objects_size`` is that resolution ``[height, width]`` so the browser
    scales the boxes to the stored detail. Unchanged without objects or in a comparison.
    """
    store = results.object_records
    if store is None or comparison is not None:
        return content, buffers
    truth, false = store.truth.take(np.array([i])), store.false.take(np.array([i]))
    missed = store.missed()[store.truth.ptr[i] : store.truth.ptr[i + 1]]
    boxes = np.concatenate([truth["bbox"][missed], false["bbox"]]).astype(np.int64)
    kinds = np.r_[np.zeros(int(missed.sum()), np.int64), np.ones(false.n_objects, np.int64)]
    rows = np.column_stack([kinds, boxes]) if kinds.size else np.zeros((0, 5), np.int64)
    if results.image_sizes is not None:
        size = [int(v) for v in results.image_sizes[i]]
    else:  # no sizes kept: the stored truth mask's own
        width, height = png_size(buffers[1])
        size = [height, width]
    fields = {"objects_boxes": True, "objects_size": size}
    return {**content, **fields}, [*buffers, _rows(*rows.T) if kinds.size else b""]
