"""Can the confidence be trusted? Reliability, ECE and MCE from the calibration counts.

Definitions (PROTOCOL.md's calibration section; ``calibration_counts`` gives the bins):

- valid pixels only; confidence = the softmax probability of the predicted class (a
  one-channel model: the sigmoid probability of its predicted side); correct = prediction
  equals truth;
- per bin ``b`` (slots ``0..n_bins``, the last holding confidence exactly 1.0): ``n_b``
  pixels, accuracy ``acc_b`` = correct / ``n_b``, confidence ``conf_b`` = mean confidence;
- **ECE** = Σ_b (n_b / n) · |acc_b − conf_b|; **MCE** = max_b |acc_b − conf_b| over
  non-empty bins (NaN without pixels); per class over the pixels *predicted* that class;
- an image's **overconfidence** = its mean confidence − its accuracy over its valid
  pixels (for a class: its pixels predicted that class); images without such pixels are
  not ranked. Ranked highest first, ties by lower index.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .metrics import _ratio
from .ranking import Ranking

if TYPE_CHECKING:
    from .calibration_counts import CalibrationCounts
    from .comparison import Comparison
    from .core import ClassRef, Results


def counts_of(results: Results) -> CalibrationCounts:
    """The calibration counts, or a clear error when the pass kept none."""
    if results.calibration_counts is None:
        raise ValueError(
            "calibration questions need calibration counts, and these results have none: "
            "analyse with calibration_bins=15 (the default) to keep them"
        )
    return results.calibration_counts


def reliability(
    count: NDArray[np.int64], conf_sum: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """``(..., S, 2)`` counts and sums → per slot pixels, accuracy, mean confidence (NaN: empty)."""
    n = count.sum(axis=-1)
    return n, _ratio(count[..., 1], n), _ratio(conf_sum.sum(axis=-1), n)


def ece_of(count: NDArray[np.int64], conf_sum: NDArray[np.float64]) -> NDArray[np.float64]:
    """ECE over the slot axis of ``(..., S, 2)`` counts; NaN where there is no pixel."""
    n, acc, conf = reliability(count, conf_sum)
    gap = np.where(n > 0, np.abs(acc - conf), 0.0)
    return _ratio((n * gap).sum(axis=-1), n.sum(axis=-1))


def mce_of(count: NDArray[np.int64], conf_sum: NDArray[np.float64]) -> NDArray[np.float64]:
    """MCE over the slot axis of ``(..., S, 2)`` counts; NaN where there is no pixel."""
    n, acc, conf = reliability(count, conf_sum)
    gap = np.where(n > 0, np.abs(acc - conf), -np.inf).max(axis=-1)
    return np.where(np.isfinite(gap), gap, np.nan)


def edges(n_bins: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each slot's ``lo`` and ``hi``: the bins of ``linspace(0, 1, n_bins + 1)``, then [1, 1]."""
    bounds = np.linspace(0.0, 1.0, n_bins + 1)
    return np.append(bounds[:-1], 1.0), np.append(bounds[1:], 1.0)


def overconfidence(results: Results, cls: int | None = None) -> NDArray[np.float64]:
    """Per image, mean confidence − accuracy (over its pixels predicted ``cls``); NaN: none."""
    n, total, right = counts_of(results).per_image(cls=cls)
    return _ratio(total - right, n)


def _ranked(scores: NDArray[np.float64]) -> Ranking:
    """Images with a score, highest first, ties by lower index."""
    images = np.flatnonzero(~np.isnan(scores))
    order = np.lexsort((images, -scores[images]))
    return Ranking(images[order].astype(np.int64), scores[images[order]])


def rank_overconfident(
    results: Results, t: int | None, p: int | None, region: str | None
) -> Ranking:
    """``Results.rank(by="overconfident")``: nothing or a class selected (``t == p``)."""
    if region is not None:
        raise ValueError("by='overconfident' ranks every valid pixel; region must be None")
    if t != p:
        raise ValueError(
            "by='overconfident' ranks all images or a class's (rank(c, c, ...)), not a "
            "confusion cell: calibration is counted by predicted class only"
        )
    return _ranked(overconfidence(results, t))


def class_columns(results: Results) -> dict[str, NDArray[np.float64]]:
    """``class_table``'s ``ece`` column (by predicted class); empty without calibration counts."""
    return {} if results.calibration_counts is None else {"ece": results.class_ece()}


class CalibrationQuestions:
    """``Results``' calibration questions (a mixin: ``Results`` inherits them)."""

    def calibration(self, by_class: bool = False) -> Any:
        """One row per bin (empty ones too): ``lo``, ``hi``, ``count``, ``accuracy``,
        ``confidence`` (NaN where empty); the last bin is confidence exactly 1.0
        (``lo == hi == 1``). ``by_class``: per predicted class, with a ``class`` column.
        A pandas DataFrame when pandas is installed, else a list of dicts."""
        results: Results = self  # type: ignore[assignment]
        counts = counts_of(results)
        count, total = counts.pooled()
        lo, hi = edges(counts.n_bins)
        rows = []
        blocks: list[tuple[str | None, NDArray, NDArray]] = [
            (name, count[c], total[c]) for c, name in enumerate(results.classes)
        ]
        if not by_class:
            blocks = [(None, count.sum(axis=0), total.sum(axis=0))]
        for name, cnt, tot in blocks:
            n, acc, conf = reliability(cnt, tot)
            for b in range(counts.n_slots):
                row = {"lo": lo[b], "hi": hi[b], "count": int(n[b]), "accuracy": acc[b],
                       "confidence": conf[b]}  # fmt: skip
                rows.append(row if name is None else {"class": name, **row})
        try:
            import pandas as pd
        except ImportError:
            return rows
        return pd.DataFrame(rows)

    def ece(self, cls: ClassRef | None = None) -> float:
        """Expected calibration error over every valid pixel (or those predicted ``cls``)."""
        return float(self._calibration_error(ece_of, cls))

    def mce(self, cls: ClassRef | None = None) -> float:
        """Maximum calibration error over non-empty bins (or those of pixels predicted ``cls``)."""
        return float(self._calibration_error(mce_of, cls))

    def class_ece(self) -> NDArray[np.float64]:
        """Per class, the ECE of the pixels predicted that class (NaN where none is)."""
        count, total = counts_of(self).pooled()  # type: ignore[arg-type]
        return ece_of(count, total)

    def rank_calibration_bin(self, slot: int, cls: ClassRef | None = None) -> Ranking:
        """Images by their wrong pixels in bin ``slot`` (of pixels predicted ``cls``): most
        first, ties by lower index; only images with one (the chart's bin click)."""
        results: Results = self  # type: ignore[assignment]
        counts = counts_of(results)
        if isinstance(slot, bool) or not 0 <= int(slot) < counts.n_slots:
            raise IndexError(f"bin {slot!r} out of range 0..{counts.n_bins}")
        c = None if cls is None else results.class_index(cls)
        n, _, right = counts.per_image(cls=c, slot=int(slot))
        wrong = (n - right).astype(np.float64)
        return _ranked(np.where(wrong > 0, wrong, np.nan))

    def _calibration_error(self, error: Any, cls: ClassRef | None) -> NDArray[np.float64]:
        results: Results = self  # type: ignore[assignment]
        count, total = counts_of(results).pooled()
        if cls is None:
            return error(count.sum(axis=0), total.sum(axis=0))
        c = results.class_index(cls)
        return error(count[c], total[c])


def comparison_ece(comparison: Comparison) -> tuple[float, float, float]:
    """``Comparison.ece``: ECE of A, of B, and B − A."""
    a, b = comparison.a.ece(), comparison.b.ece()
    return a, b, b - a
