"""Sparse per-image confusion counts (CSR by image), and the cell-major index built from them.

Most images contain a few classes, so an image's ``C × C`` matrix has a handful of
nonzero cells: 10,000 images × 150 classes stay a few MB instead of 1.8 GB dense.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class CellIndex:
    """Cell-major view: the images having cell ``k = t * C + p`` and their pixel counts.

    ``image[ptr[k]:ptr[k + 1]]`` (ascending) with ``count[ptr[k]:ptr[k + 1]]``.
    """

    ptr: NDArray[np.int64]
    image: NDArray[np.int64]
    count: NDArray[np.int64]

    def cell(self, k: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Images having cell ``k`` and their counts."""
        lo, hi = self.ptr[k], self.ptr[k + 1]
        return self.image[lo:hi], self.count[lo:hi]


@dataclass(frozen=True)
class SparseConfusion:
    """Per-image confusion counts in CSR form.

    Image ``n``'s nonzero cells are ``cell[ptr[n]:ptr[n + 1]]`` (ids ``t * C + p``,
    ascending) with pixel counts ``count[same]``.
    """

    n_classes: int
    ptr: NDArray[np.int64]
    cell: NDArray[np.int64]
    count: NDArray[np.int64]

    @classmethod
    def empty(cls, n_classes: int) -> SparseConfusion:
        zero = np.zeros(0, dtype=np.int64)
        return cls(n_classes, np.zeros(1, dtype=np.int64), zero, zero)

    @classmethod
    def from_dense(cls, dense: NDArray) -> SparseConfusion:
        """Build from per-image dense matrices of shape ``(N, C, C)``."""
        dense = np.asarray(dense)
        n, c = dense.shape[0], dense.shape[1]
        return cls.concat([cls.empty(c), *(cls._one(dense[i].reshape(-1), c) for i in range(n))])

    @classmethod
    def from_entries(
        cls, n_classes: int, n_images: int, image: NDArray, cell: NDArray, count: NDArray
    ) -> SparseConfusion:
        """Build from nonzero entries ``(image, cell, count)`` sorted by image, then cell."""
        ptr = np.zeros(n_images + 1, dtype=np.int64)
        np.cumsum(np.bincount(image, minlength=n_images), out=ptr[1:])
        return cls(n_classes, ptr, np.asarray(cell, np.int64), np.asarray(count, np.int64))

    @classmethod
    def _one(cls, flat: NDArray, n_classes: int) -> SparseConfusion:
        cells = np.flatnonzero(flat).astype(np.int64)
        ptr = np.array([0, cells.size], dtype=np.int64)
        return cls(n_classes, ptr, cells, np.asarray(flat[cells], dtype=np.int64))

    @classmethod
    def concat(cls, parts: list[SparseConfusion]) -> SparseConfusion:
        """Images of ``parts`` one after the other."""
        if not parts:
            raise ValueError("concat needs at least one part")
        c = parts[0].n_classes
        offsets = np.cumsum([0] + [p.cell.size for p in parts[:-1]])
        ptr = np.concatenate([[0]] + [p.ptr[1:] + o for p, o in zip(parts, offsets, strict=True)])
        return cls(
            c,
            ptr.astype(np.int64),
            np.concatenate([p.cell for p in parts]).astype(np.int64),
            np.concatenate([p.count for p in parts]).astype(np.int64),
        )

    @property
    def n_images(self) -> int:
        return self.ptr.size - 1

    def take(self, indices: NDArray[np.integer]) -> SparseConfusion:
        """The images ``indices`` (any order, repeats allowed), renumbered ``0..len-1``."""
        idx = np.asarray(indices, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= self.n_images):
            raise IndexError(f"image indices out of range for {self.n_images} images")
        lengths = self.ptr[idx + 1] - self.ptr[idx]
        ptr = np.zeros(idx.size + 1, dtype=np.int64)
        np.cumsum(lengths, out=ptr[1:])
        # each kept entry's position in the source: its image's start plus its rank within
        starts = np.repeat(self.ptr[idx] - ptr[:-1], lengths)
        source = starts + np.arange(ptr[-1], dtype=np.int64)
        return SparseConfusion(self.n_classes, ptr, self.cell[source], self.count[source])

    def minus(self, part: SparseConfusion) -> SparseConfusion:
        """Per-image ``self − part`` where ``part`` counts a subset of the same pixels."""
        if part.n_images != self.n_images or part.n_classes != self.n_classes:
            raise ValueError("minus needs counts of the same images and classes")
        cc = self.n_classes * self.n_classes
        keys = self.entry_image * cc + self.cell
        part_keys = part.entry_image * cc + part.cell
        at = np.searchsorted(keys, part_keys)
        inside = at < keys.size
        if not (inside.all() and np.array_equal(keys[at], part_keys)):
            raise ValueError("minus: part has cells that the whole does not")
        count = self.count.copy()
        np.subtract.at(count, at, part.count)
        if (count < 0).any():
            raise ValueError("minus: part counts more pixels than the whole in some cell")
        keep = count > 0
        image = self.entry_image[keep]
        ptr = np.zeros(self.n_images + 1, dtype=np.int64)
        np.cumsum(np.bincount(image, minlength=self.n_images), out=ptr[1:])
        return SparseConfusion(self.n_classes, ptr, self.cell[keep], count[keep])

    @property
    def entry_image(self) -> NDArray[np.int64]:
        """For each stored entry, the index of its image."""
        return np.repeat(np.arange(self.n_images, dtype=np.int64), np.diff(self.ptr))

    def image(self, n: int) -> NDArray[np.int64]:
        """Image ``n``'s dense ``(C, C)`` matrix."""
        if not 0 <= n < self.n_images:
            raise IndexError(f"image index {n} out of range for {self.n_images} images")
        c = self.n_classes
        lo, hi = self.ptr[n], self.ptr[n + 1]
        dense = np.zeros(c * c, dtype=np.int64)
        dense[self.cell[lo:hi]] = self.count[lo:hi]
        return dense.reshape(c, c)

    def pooled(self) -> NDArray[np.int64]:
        """``Σ_n cm_n``, shape ``(C, C)``."""
        c = self.n_classes
        return (
            np.bincount(self.cell, weights=self.count, minlength=c * c)
            .astype(np.int64)
            .reshape(c, c)
        )

    def per_image_class_totals(self, axis: str) -> NDArray[np.int64]:
        """Dense ``(N, C)``: per image, pixels of each class in truth (``"true"``) or prediction."""
        c = self.n_classes
        cls_of_entry = self.cell // c if axis == "true" else self.cell % c
        flat = self.entry_image * c + cls_of_entry
        return (
            np.bincount(flat, weights=self.count, minlength=self.n_images * c)
            .astype(np.int64)
            .reshape(self.n_images, c)
        )

    def entry_row_totals(self) -> NDArray[np.int64]:
        """For each entry ``(n, t, p)``, its image's pixel count in row ``t``.

        Entries are sorted by image, then cell, so each image's row ``t`` is one run of
        consecutive entries: summed per run, without a dense ``(N, C)`` array.
        """
        if self.cell.size == 0:
            return np.zeros(0, dtype=np.int64)
        row = self.entry_image * self.n_classes + self.cell // self.n_classes
        starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        sums = np.add.reduceat(self.count, starts)
        return np.repeat(sums, np.diff(np.r_[starts, row.size]))

    def cell_index(self) -> CellIndex:
        """The cell-major index (images within a cell in ascending order)."""
        c = self.n_classes
        order = np.argsort(self.cell, kind="stable")
        ptr = np.zeros(c * c + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.cell, minlength=c * c), out=ptr[1:])
        return CellIndex(ptr, self.entry_image[order], self.count[order])
