"""One set of per-image confusion counts and the arrays every question derives from it.

``Results`` keeps one ``Counts`` per region (all valid pixels, the boundary band, the
interior), so that every number and ranking rule works unchanged on any of them.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from .sparse import CellIndex, SparseConfusion


class Counts:
    """Per-image sparse counts with their pooled matrix, cell index and class totals (cached)."""

    def __init__(self, sparse: SparseConfusion) -> None:
        self.sparse = sparse

    @property
    def n_classes(self) -> int:
        return self.sparse.n_classes

    @cached_property
    def pooled(self) -> NDArray[np.int64]:
        """``Σ_n cm_n``, shape ``(C, C)``."""
        return self.sparse.pooled()

    @cached_property
    def cell_index(self) -> CellIndex:
        """For each cell ``t * C + p``, the images having it and their pixel counts."""
        return self.sparse.cell_index()

    @cached_property
    def true_totals(self) -> NDArray[np.int64]:
        """``(N, C)``: per image, pixels whose truth is each class."""
        return self.sparse.per_image_class_totals("true")

    @cached_property
    def pred_totals(self) -> NDArray[np.int64]:
        """``(N, C)``: per image, pixels predicted as each class."""
        return self.sparse.per_image_class_totals("pred")
