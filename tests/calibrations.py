"""Calibration counts for synthetic ``Results``, and the reliability references written as loops.

``counts_for`` makes counts that agree with a dense confusion (what ``load`` checks): each
image's pixels predicted ``p`` (correct ``cm[p, p]``, wrong the rest of column ``p``) are
spread over random bins, each bin's confidence sum a value its mean may have.
``reference`` computes a reliability diagram from per-pixel confidences with plain loops.
"""

from __future__ import annotations

import numpy as np

from segwidget.results.calibration_counts import CalibrationCounts


def counts_for(dense: np.ndarray, n_bins: int, rng: np.random.Generator) -> CalibrationCounts:
    """Calibration counts agreeing with the ``(N, C, C)`` per-image confusions ``dense``."""
    n, c = dense.shape[0], dense.shape[1]
    slots = n_bins + 1
    count = np.zeros((n, c * slots * 2), np.int64)
    total = np.zeros(count.shape)
    for i in range(n):
        for p in range(c):
            right = int(dense[i, p, p])
            wrong = int(dense[i, :, p].sum()) - right
            for correct, pixels in ((1, right), (0, wrong)):
                for _ in range(pixels):
                    slot = int(rng.integers(0, slots))
                    lo = slot / n_bins if slot < n_bins else 1.0
                    hi = (slot + 1) / n_bins if slot < n_bins else 1.0
                    key = (p * slots + slot) * 2 + correct
                    count[i, key] += 1
                    total[i, key] += lo + (hi - lo) * rng.random() * 0.999
    return CalibrationCounts.from_dense(count, total, c, n_bins)


def reference(
    conf: np.ndarray, correct: np.ndarray, n_bins: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per slot (``n_bins`` bins and exactly-1.0): pixels, accuracy, mean confidence (NaN:
    empty), from flat per-pixel confidences and correctness, one pixel at a time."""
    edges = np.linspace(0, 1, n_bins + 1, dtype=np.float32)
    n = np.zeros(n_bins + 1)
    right = np.zeros(n_bins + 1)
    summed = np.zeros(n_bins + 1)
    for x, ok in zip(conf.tolist(), correct.tolist(), strict=True):
        slot = 0
        while slot < n_bins and x >= edges[slot + 1]:  # bucketize(right=True) - 1
            slot += 1
        n[slot] += 1
        right[slot] += ok
        summed[slot] += x
    with np.errstate(invalid="ignore", divide="ignore"):
        return n, right / n, summed / n


def ece(n: np.ndarray, acc: np.ndarray, conf: np.ndarray) -> float:
    """Σ_b n_b / n · |acc_b − conf_b| over the non-empty bins."""
    full = n > 0
    return float((n[full] * np.abs(acc[full] - conf[full])).sum() / n.sum())


def mce(n: np.ndarray, acc: np.ndarray, conf: np.ndarray) -> float:
    full = n > 0
    return float(np.abs(acc[full] - conf[full]).max())
