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
from typing import TYPE_CHECKING, Any

import numpy as np
import traitlets
from numpy.typing import NDArray

from ..results import ranking
from ..results.core import Results
from ..results.ranking import Ranking
from ..results.summary import summarize

if TYPE_CHECKING:
    from ..results.comparison import Comparison

ARRAYS = ("calib_ptr", "calib_key", "calib_count", "calib_sum")
KERNEL_OWNED = frozenset(ARRAYS)
ORDER = "overconfident"  # the gallery order; with ``calibration_bin`` set, that bin's wrong pixels


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


def check_order(order: str, results: Results | None, comparison: Comparison | None) -> None:
    """Refuse the order ``"overconfident"`` where there are no calibration counts to rank by."""
    if order == ORDER and not has_calibration(results, comparison):
        where = "a comparison shows none" if comparison is not None else "these results have none"
        raise traitlets.TraitError(
            f"order 'overconfident' needs calibration counts, and {where}: analyze one model "
            "with calibration_bins=15 (the default) to keep them"
        )


def leave(widget: Any, results: Results, comparison: Comparison | None) -> None:
    """Before new results are shown: no chosen bin, and an order they cannot rank by goes back
    to its default (``RegionTraits._leave_regions`` calls this)."""
    widget.calibration_bin = None
    if widget.order == ORDER and not has_calibration(results, comparison):
        widget.order = "share"


def rank(
    results: Results,
    cell: tuple[int, int] | None,
    calibration_bin: int | None,
    loss_range: tuple[float, float] | None,
) -> Ranking:
    """The gallery's list for the order ``"overconfident"``: with a bin chosen, images by that
    bin's wrong pixels (``Results.rank_calibration_bin``), else by overconfidence
    (``Results.rank(c, c, by="overconfident")``); of the selected cell's *predicted* class
    (calibration is counted by predicted class), or of every valid pixel."""
    cls = None if cell is None else results.class_index(cell[1])
    if calibration_bin is None:
        ranked = results.rank(cls, cls, by=ORDER)
    else:
        ranked = results.rank_calibration_bin(calibration_bin, cls)
    if loss_range is not None:
        ranked = ranking.within_loss(ranked, results.losses, *map(float, loss_range))
    return ranked


class CalibrationTraits(traitlets.HasTraits):
    """The calibration counts' binary traits and the chosen bin (see the module docstring).

    ``calibration_bin``: the reliability chart's chosen bin (``0..n_bins``, the last holding
    confidence exactly 1.0) or ``None``; with the order ``"overconfident"`` the gallery ranks
    that bin's wrong pixels.
    """

    calib_ptr = traitlets.Bytes().tag(sync=True)
    calib_key = traitlets.Bytes().tag(sync=True)
    calib_count = traitlets.Bytes().tag(sync=True)
    calib_sum = traitlets.Bytes().tag(sync=True)
    calibration_bin = traitlets.Any(None, allow_none=True).tag(sync=True)

    if TYPE_CHECKING:  # SegExplorer's
        _results: Results | None
        _comparison: Comparison | None

        def _refresh_shown(self) -> None: ...

    @traitlets.validate("calibration_bin")
    def _valid_bin(self, proposal: dict[str, Any]) -> int | None:
        value = proposal["value"]
        if value is None:
            return None
        counts = None if self._results is None else self._results.calibration_counts
        if counts is None or not has_calibration(self._results, self._comparison):
            raise traitlets.TraitError("calibration_bin needs calibration counts (one model's)")
        whole = isinstance(value, int | np.integer) and not isinstance(value, bool)
        if not whole or not 0 <= int(value) <= counts.n_bins:
            raise traitlets.TraitError(
                f"calibration_bin must be a bin 0..{counts.n_bins} or None, got {summarize(value)}"
            )
        return int(value)

    @traitlets.observe("calibration_bin")
    def _on_bin(self, _change: dict[str, Any]) -> None:
        self._refresh_shown()
