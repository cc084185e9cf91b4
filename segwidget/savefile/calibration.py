"""The calibration counts in a saved file: ``calibration_*`` members, every one checked.

Members (all five or none; version 2 files): ``calibration_bins`` (one integer, the
number of bins), ``calibration_ptr`` (N + 1 pointers), ``calibration_key``,
``calibration_count`` and ``calibration_sum`` (one per entry; ``results.calibration_counts``
describes them). Loading checks the bin count, the pointers, that keys are in range and
strictly increasing per image, that counts are ≥ 1, that each entry's mean confidence
lies in its bin, and that the counts agree with the image's confusion counts (per image
and predicted class: its pixels and its correct pixels).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..results.calibration_counts import CalibrationCounts
from ..results.core import Results
from ..results.sparse import SparseConfusion
from .npz_reader import FileProblem, NpzReader, Spec, describe

MEMBERS = ("calibration_bins", "calibration_ptr", "calibration_key", "calibration_count",
           "calibration_sum")  # fmt: skip
MAX_BINS = 10_000  # far beyond any reliability chart; bounds every per-image entry count
# a bin's mean confidence may stray from its edges by float32 binning plus float64 summing
_EDGE_SLACK = 1e-6


def arrays(results: Results) -> dict[str, NDArray[Any]]:
    """The members to save (none without calibration counts)."""
    counts = results.calibration_counts
    if counts is None:
        return {}
    return {
        "calibration_bins": np.array([counts.n_bins], np.int64),
        "calibration_ptr": counts.ptr,
        "calibration_key": counts.key,
        "calibration_count": counts.count,
        "calibration_sum": counts.conf_sum,
    }


def required(ours: set[str]) -> list[str]:
    """All five members when any of them is in the file (``ours``: names without prefix)."""
    return list(MEMBERS) if ours & set(MEMBERS) else []


def read(reader: NpzReader, prefix: str, n: int, cm: SparseConfusion) -> CalibrationCounts:
    """The checked calibration counts of ``n`` images whose confusion counts are ``cm``."""
    c = cm.n_classes
    name = prefix + "calibration_bins"
    bins = reader.read(name, Spec("iu", (1,)))
    n_bins = int(bins[0])
    if not 1 <= n_bins <= MAX_BINS:
        raise FileProblem(f"{describe(name)} says {n_bins} bins; expected 1..{MAX_BINS}")
    n_keys = c * (n_bins + 1) * 2
    name = prefix + "calibration_ptr"
    ptr = reader.read(name, Spec("iu", (n + 1,))).astype(np.int64)
    steps = np.diff(ptr)
    if ptr[0] != 0 or (steps < 0).any() or (steps > n_keys).any():
        i = int(np.flatnonzero((steps < 0) | (steps > n_keys))[0]) if ptr[0] == 0 else 0
        raise FileProblem(
            f"{describe(name)} is not pointers from 0 increasing by at most {n_keys} per "
            f"image (at image {i})"
        )
    entries = int(ptr[-1])
    key = reader.read(prefix + "calibration_key", Spec("iu", (entries,))).astype(np.int64)
    count = reader.read(prefix + "calibration_count", Spec("iu", (entries,))).astype(np.int64)
    total = reader.read(prefix + "calibration_sum", Spec("f", (entries,))).astype(np.float64)
    counts = CalibrationCounts(c, n_bins, ptr, key, count, total)
    image = counts.entry_image

    def fail(member: str, bad: NDArray[np.bool_], what: Callable[[int], str]) -> None:
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise FileProblem(f"{describe(prefix + member)}: image {image[k]}, entry {k} {what(k)}")

    fail("calibration_key", (key < 0) | (key >= n_keys),
         lambda k: f"has key {key[k]}, outside 0..{n_keys - 1}")  # fmt: skip
    same = image[1:] == image[:-1]
    fail("calibration_key", np.append(False, same & (key[1:] <= key[:-1])),
         lambda k: "is not after the one before it (keys strictly increase)")  # fmt: skip
    fail("calibration_count", count < 1, lambda k: f"has {count[k]} pixels; ≥ 1")
    _, slot, _ = counts.split_key()
    bounds = np.append(np.linspace(0.0, 1.0, n_bins + 1), 1.0)
    mean = total / np.maximum(count, 1)
    outside = ~((mean >= bounds[slot] - _EDGE_SLACK) & (mean <= bounds[slot + 1] + _EDGE_SLACK))
    fail("calibration_sum", outside,
         lambda k: f"has mean confidence {mean[k]} outside its bin {slot[k]}")  # fmt: skip
    _check_against(counts, cm, prefix)
    return counts


def _check_against(counts: CalibrationCounts, cm: SparseConfusion, prefix: str) -> None:
    """Per image and predicted class, the calibration pixels (all, correct) equal ``cm``'s."""
    c = cm.n_classes
    t, p = np.divmod(cm.cell, c)
    cls, _, correct = counts.split_key()
    for what, ours, theirs in [
        ("pixels", counts.count, cm.count),
        ("correct pixels", counts.count * correct, np.where(t == p, cm.count, 0)),
    ]:
        a = _per_image_class(counts.entry_image * c + cls, ours)
        b = _per_image_class(cm.entry_image * c + p, theirs)
        if not (a[0].size == b[0].size and (a[0] == b[0]).all() and (a[1] == b[1]).all()):
            raise FileProblem(
                f"{describe(prefix + 'calibration_count')}: the {what} per image and predicted "
                f"class disagree with the confusion counts ({describe(prefix + 'cm_count')})"
            )


def _per_image_class(ids: NDArray[np.int64], values: NDArray[np.int64]) -> tuple[NDArray, ...]:
    """Sums of ``values`` per id, for the ids with a nonzero sum (ascending)."""
    unique, inverse = np.unique(ids, return_inverse=True)
    sums = np.bincount(inverse, values, minlength=unique.size).astype(np.int64)
    return unique[sums > 0], sums[sums > 0]
