"""The calibration counts for the browser (issue 21): binary traits and the header's ECE.

The kernel's alone (``KERNEL_OWNED``): ``calib_ptr`` (int32, N + 1), ``calib_key`` and
``calib_count`` (int32, one per entry) and ``calib_sum`` (float64, one per entry): the
per-image CSR of ``results.calibration_counts`` (PROTOCOL.md's calibration section). Empty
bytes when the results have none or a comparison is shown. ``js/src/data/calibration.ts``
computes the reliability, ECE and the overconfident and bin rankings from them under any
slice, as ``Results`` does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import traitlets
from numpy.typing import NDArray

from ..results.core import Results

if TYPE_CHECKING:
    from ..results.comparison import Comparison

ARRAYS = ("calib_ptr", "calib_key", "calib_count", "calib_sum")
KERNEL_OWNED = frozenset(ARRAYS)


def has_calibration(results: Results | None, comparison: Comparison | None) -> bool:
    """Whether the view can show calibration: one model's results with calibration counts."""
    return results is not None and comparison is None and results.calibration_counts is not None


def state(results: Results, comparison: Comparison | None) -> dict[str, bytes]:
    """The four binary traits (empty bytes without calibration counts)."""
    counts = results.calibration_counts
    if counts is None or not has_calibration(results, comparison):
        return dict.fromkeys(ARRAYS, b"")
    return {
        "calib_ptr": _i32(counts.ptr),
        "calib_key": _i32(counts.key),
        "calib_count": _i32(counts.count),
        "calib_sum": np.ascontiguousarray(counts.conf_sum, dtype="<f8").tobytes(),
    }


def summary(results: Results, comparison: Comparison | None) -> dict[str, float | int | None]:
    """The header's ``ece`` (``None`` without counts or valid pixels) and ``calibration_bins``."""
    counts = results.calibration_counts
    if counts is None or not has_calibration(results, comparison):
        return {"ece": None, "calibration_bins": None}
    ece = results.ece()
    return {"ece": ece if math.isfinite(ece) else None, "calibration_bins": counts.n_bins}


def _i32(array: NDArray[np.int64]) -> bytes:
    if array.size and array.max() > np.iinfo(np.int32).max:
        raise OverflowError("the calibration counts exceed int32; too many images for one widget")
    return np.ascontiguousarray(array, dtype="<i4").tobytes()


class CalibrationTraits(traitlets.HasTraits):
    """The calibration counts' binary traits (see the module docstring)."""

    calib_ptr = traitlets.Bytes().tag(sync=True)
    calib_key = traitlets.Bytes().tag(sync=True)
    calib_count = traitlets.Bytes().tag(sync=True)
    calib_sum = traitlets.Bytes().tag(sync=True)
