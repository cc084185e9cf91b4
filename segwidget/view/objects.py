"""The objects' protocol fields: what the browser needs to rank images by missed and false
objects, and to bin truth objects by size, under any slice with no round trip.

``objects_truth``: int32 little-endian, one row of ``TRUTH_COLUMNS`` per truth object
(``missed`` 0/1 by the results' ``min_object_recall``; ``other``: confused-with class or
-1); ``objects_false``: one row of ``FALSE_COLUMNS`` per false predicted object (``other``:
its truth class). Both empty when the results have no objects (``objects=False``) and for a
comparison. PROTOCOL.md's "Objects" section; ``js/src/data/objects.ts`` reads them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..results.core import Results

TRUTH_COLUMNS = ("image", "cls", "pixels", "missed", "other")
FALSE_COLUMNS = ("image", "cls", "pixels", "other")
KERNEL_OWNED = frozenset({"objects_truth", "objects_false"})


def state(results: Results, comparison: Any = None) -> dict[str, bytes]:
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
