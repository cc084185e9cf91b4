"""The pass's object records: per image, its truth objects and its false predicted objects.

Each kind is one ``ObjectTable``: CSR by image (``ptr``, N + 1 pointers) over records of
``cls`` (class), ``pixels``, ``hit``, ``other``, ``other_pixels`` and ``bbox`` (``x0, y0,
x1, y1``, ``x1``/``y1`` exclusive), all at the mask's full resolution. For a truth object,
``hit`` is its pixels predicted as its class and ``other`` the class most of its other
pixels were predicted as (``-1``: none); for a false predicted object, ``hit`` is its pixels
truly of its class and ``other`` the class most of its other pixels truly are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

# one definition of each record column and the dtype it is kept (and saved, sent) in
COLUMNS: dict[str, type[np.integer]] = {
    "cls": np.int16,
    "pixels": np.int32,
    "hit": np.int32,
    "other": np.int16,
    "other_pixels": np.int32,
    "bbox": np.int32,
}
KINDS = ("truth", "false")
MIN_RECALL = "objects_min_recall"
DEFAULT_MIN_RECALL = 0.5


@dataclass(frozen=True)
class ImageObjects:
    """One image's records: ``truth`` and ``false`` map each of ``COLUMNS`` to an array."""

    truth: dict[str, NDArray[np.int64]]
    false: dict[str, NDArray[np.int64]]


@dataclass(frozen=True, eq=False)
class ObjectTable:
    """Records of one kind for N images (see the module docstring)."""

    ptr: NDArray[np.int64]
    columns: dict[str, NDArray[np.integer]]

    @property
    def n_images(self) -> int:
        return int(self.ptr.size - 1)

    @property
    def n_objects(self) -> int:
        return int(self.ptr[-1])

    @property
    def image(self) -> NDArray[np.int64]:
        """Per record, its image."""
        return np.repeat(np.arange(self.n_images, dtype=np.int64), np.diff(self.ptr))

    def __getitem__(self, name: str) -> NDArray[np.integer]:
        return self.columns[name]

    @classmethod
    def from_images(cls, parts: list[dict[str, NDArray[np.int64]]]) -> ObjectTable:
        """One table from per-image record dicts, in image order."""
        counts = [part["cls"].size for part in parts]
        ptr = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]).astype(np.int64)
        columns = {
            name: np.concatenate(
                [np.zeros((0, 4) if name == "bbox" else 0, dtype)]
                + [part[name].astype(dtype) for part in parts]
            )
            for name, dtype in COLUMNS.items()
        }
        return cls(ptr, columns)

    @classmethod
    def concat(cls, tables: list[ObjectTable]) -> ObjectTable:
        """The tables' images one after the other."""
        sizes = np.concatenate([[0], *(np.diff(t.ptr) for t in tables)]).astype(np.int64)
        columns = {name: np.concatenate([t.columns[name] for t in tables]) for name in COLUMNS}
        return cls(np.cumsum(sizes), columns)

    def take(self, images: NDArray[np.int64]) -> ObjectTable:
        """The records of ``images``, in that order."""
        starts, ends = self.ptr[images], self.ptr[images + 1]
        sizes = ends - starts
        rows = np.repeat(starts - np.cumsum(np.r_[0, sizes[:-1]]), sizes) + np.arange(sizes.sum())
        ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return ObjectTable(ptr, {name: col[rows] for name, col in self.columns.items()})

    @property
    def nbytes(self) -> int:
        return int(self.ptr.nbytes + sum(col.nbytes for col in self.columns.values()))


@dataclass(frozen=True, eq=False)
class ObjectStore:
    """Truth objects and false predicted objects of N images, and the recall threshold."""

    truth: ObjectTable
    false: ObjectTable
    min_recall: float = DEFAULT_MIN_RECALL

    @property
    def n_images(self) -> int:
        return self.truth.n_images

    @classmethod
    def from_images(cls, parts: list[ImageObjects], min_recall: float) -> ObjectStore:
        return cls(
            ObjectTable.from_images([p.truth for p in parts]),
            ObjectTable.from_images([p.false for p in parts]),
            float(min_recall),
        )

    @classmethod
    def concat(cls, stores: list[ObjectStore]) -> ObjectStore:
        return cls(
            ObjectTable.concat([s.truth for s in stores]),
            ObjectTable.concat([s.false for s in stores]),
            stores[0].min_recall,
        )

    def take(self, images: NDArray[np.int64]) -> ObjectStore:
        return ObjectStore(self.truth.take(images), self.false.take(images), self.min_recall)

    def missed(self) -> NDArray[np.bool_]:
        """Per truth object: recall (``hit / pixels``) below ``min_recall``."""
        return self.recall() < self.min_recall

    def recall(self) -> NDArray[np.float64]:
        """Per truth object: its pixels predicted as its class / its pixels."""
        return self.truth["hit"] / self.truth["pixels"].astype(np.float64)

    @property
    def nbytes(self) -> int:
        return self.truth.nbytes + self.false.nbytes

    def to_arrays(self) -> dict[str, NDArray[Any]]:
        """Plain arrays named as the save file's members (``savefile.objects``)."""
        arrays: dict[str, NDArray[Any]] = {MIN_RECALL: np.array([self.min_recall], np.float64)}
        for kind in KINDS:
            table: ObjectTable = getattr(self, kind)
            arrays[f"objects_{kind}_ptr"] = table.ptr
            arrays.update({f"objects_{kind}_{col}": table.columns[col] for col in COLUMNS})
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[Any]]) -> ObjectStore:
        """The store ``to_arrays`` gave (trusted: a save file checks them first)."""
        tables = [
            ObjectTable(
                arrays[f"objects_{kind}_ptr"].astype(np.int64),
                {col: arrays[f"objects_{kind}_{col}"] for col in COLUMNS},
            )
            for kind in KINDS
        ]
        return cls(tables[0], tables[1], float(arrays[MIN_RECALL][0]))
