"""Per-image calibration counts: pixels and confidence sums per (predicted class, bin, correct).

The bins are torchmetrics' (``MulticlassCalibrationError``): ``n_bins`` equal-width bins on
``[0, 1]``, a confidence ``x`` in bin ``bucketize(x, linspace(0, 1, n_bins + 1), right=True)
− 1``, so a confidence of exactly 1.0 lands in a slot of its own after the last bin. There
are ``S = n_bins + 1`` slots. An image's entries are the nonzero keys
``(class · S + slot) · 2 + correct`` (ascending), each with its pixel count and the float64
sum of those pixels' confidences: a few classes × a few slots × 2 per image, like the cell
counts, and enough for the pooled, per-class and per-slice reliability exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class CalibrationCounts:
    """Per-image calibration counts in CSR form (see the module docstring).

    Image ``n``'s entries are ``key[ptr[n]:ptr[n + 1]]`` with ``count`` and ``conf_sum``.
    """

    n_classes: int
    n_bins: int
    ptr: NDArray[np.int64]
    key: NDArray[np.int64]
    count: NDArray[np.int64]
    conf_sum: NDArray[np.float64]

    @property
    def n_slots(self) -> int:
        """Bins plus the slot of confidence exactly 1.0."""
        return self.n_bins + 1

    @property
    def n_keys(self) -> int:
        return self.n_classes * self.n_slots * 2

    @property
    def n_images(self) -> int:
        return int(self.ptr.size - 1)

    @property
    def entry_image(self) -> NDArray[np.int64]:
        """The image of each entry."""
        return np.repeat(np.arange(self.n_images, dtype=np.int64), np.diff(self.ptr))

    def split_key(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Each entry's predicted class, slot and correctness (0 or 1)."""
        cls_slot, correct = np.divmod(self.key, 2)
        cls, slot = np.divmod(cls_slot, self.n_slots)
        return cls, slot, correct

    @classmethod
    def empty(cls, n_classes: int, n_bins: int) -> CalibrationCounts:
        zero = np.zeros(0, np.int64)
        return cls(n_classes, n_bins, np.zeros(1, np.int64), zero, zero, np.zeros(0))

    @classmethod
    def from_dense(
        cls, count: NDArray[np.int64], conf_sum: NDArray[np.float64], n_classes: int, n_bins: int
    ) -> CalibrationCounts:
        """From ``(N, C · S · 2)`` dense counts and sums (one row per image)."""
        image, key = np.nonzero(count)
        ptr = np.zeros(count.shape[0] + 1, np.int64)
        np.cumsum(np.bincount(image, minlength=count.shape[0]), out=ptr[1:])
        return cls(
            n_classes,
            n_bins,
            ptr,
            key.astype(np.int64),
            count[image, key].astype(np.int64),
            conf_sum[image, key].astype(np.float64),
        )

    @classmethod
    def concat(cls, parts: list[CalibrationCounts]) -> CalibrationCounts:
        """Images of ``parts`` one after the other (all with the same classes and bins)."""
        first = parts[0]
        if any((p.n_classes, p.n_bins) != (first.n_classes, first.n_bins) for p in parts):
            raise ValueError("calibration counts of different classes or bins cannot be joined")
        offsets = np.cumsum([0] + [p.key.size for p in parts[:-1]])
        ptr = np.concatenate([[0]] + [p.ptr[1:] + o for p, o in zip(parts, offsets, strict=True)])
        return cls(
            first.n_classes,
            first.n_bins,
            ptr.astype(np.int64),
            np.concatenate([p.key for p in parts]),
            np.concatenate([p.count for p in parts]),
            np.concatenate([p.conf_sum for p in parts]),
        )

    def take(self, indices: NDArray[np.int64]) -> CalibrationCounts:
        """The images ``indices``, in that order."""
        lo, hi = self.ptr[indices], self.ptr[indices + 1]
        lengths = hi - lo
        ptr = np.zeros(indices.size + 1, np.int64)
        np.cumsum(lengths, out=ptr[1:])
        # entry positions: each image's run lo..hi, concatenated
        at = np.repeat(lo - ptr[:-1], lengths) + np.arange(int(ptr[-1]))
        return CalibrationCounts(
            self.n_classes, self.n_bins, ptr, self.key[at], self.count[at], self.conf_sum[at]
        )

    def pooled(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """``(C, S, 2)`` pixel counts and confidence sums over all images."""
        shape = (self.n_classes, self.n_slots, 2)
        count = np.zeros(self.n_keys, np.int64)
        np.add.at(count, self.key, self.count)
        total = np.zeros(self.n_keys, np.float64)
        np.add.at(total, self.key, self.conf_sum)
        return count.reshape(shape), total.reshape(shape)

    def per_image(
        self, cls: int | None = None, slot: int | None = None
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
        """Per image: pixels, confidence sum and correct pixels, over all entries or those of
        predicted class ``cls`` and/or ``slot``."""
        image = self.entry_image
        keep = np.ones(self.key.size, bool)
        c, s, correct = self.split_key()
        if cls is not None:
            keep &= c == cls
        if slot is not None:
            keep &= s == slot
        n = self.n_images

        def summed(weights: NDArray) -> NDArray[np.float64]:
            return np.asarray(np.bincount(image[keep], weights[keep], minlength=n), np.float64)

        right = summed(self.count * correct)
        return (
            summed(self.count).round().astype(np.int64),
            summed(self.conf_sum),
            right.round().astype(np.int64),
        )
