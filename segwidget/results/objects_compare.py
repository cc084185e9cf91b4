"""Two models' objects over the same images: the objects one misses that the other found.

A truth object of A and one of B are the same when they lie in the same image with the
same class, pixel count and box (the truth is the same, checked by ``segwidget.compare``,
so both passes found the same objects).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import objects

if TYPE_CHECKING:
    from .core import Results


def _keys(results: Results) -> NDArray[np.int64]:
    table = objects.store(results, "comparing objects").truth
    return np.column_stack([table.image, table["cls"], table["pixels"], table["bbox"]]).astype(
        np.int64
    )


def object_changes(a: Results, b: Results) -> tuple[Any, Any]:
    """``(missed by B, found by A)`` and ``(missed by A, found by B)``: rows of
    ``b.objects()`` and of ``a.objects()`` (see ``Comparison.object_changes``)."""
    keys_a, keys_b = _keys(a), _keys(b)
    at_a = {tuple(row): k for k, row in enumerate(keys_a.tolist())}
    pairs = [(at_a[row], k) for k, row in enumerate(map(tuple, keys_b.tolist())) if row in at_a]
    ia = np.array([i for i, _ in pairs], np.int64)
    ib = np.array([j for _, j in pairs], np.int64)
    missed_a = a.object_records.missed()  # type: ignore[union-attr]
    missed_b = b.object_records.missed()  # type: ignore[union-attr]
    b_worse = ib[missed_b[ib] & ~missed_a[ia]]
    a_worse = ia[missed_a[ia] & ~missed_b[ib]]
    return _rows(b.objects(), b_worse), _rows(a.objects(), a_worse)


def _rows(frame: Any, rows: NDArray[np.int64]) -> Any:
    if isinstance(frame, dict):  # no pandas
        return {name: column[rows] for name, column in frame.items()}
    return frame.iloc[rows].reset_index(drop=True)
