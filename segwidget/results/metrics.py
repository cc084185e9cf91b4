"""Pure functions on confusion counts: every number segwidget shows is defined here once.

``cm[t, p]`` counts valid pixels whose truth is ``t`` and prediction is ``p``.
Undefined ratios (0/0) are NaN, never 0: an absent class is not a perfect or a failed one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def _ratio(numerator: NDArray, denominator: NDArray) -> FloatArray:
    """``numerator / denominator`` in float64, NaN where the denominator is 0."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def support(cm: NDArray) -> NDArray[np.int64]:
    """Valid pixels whose truth is each class: ``Σ_p cm[c, p]``."""
    return np.asarray(cm).sum(axis=-1).astype(np.int64)


def predicted(cm: NDArray) -> NDArray[np.int64]:
    """Valid pixels predicted as each class: ``Σ_t cm[t, c]``."""
    return np.asarray(cm).sum(axis=-2).astype(np.int64)


def iou(cm: NDArray) -> FloatArray:
    """Per-class IoU (Jaccard): ``cm[c,c] / (Σ_p cm[c,p] + Σ_t cm[t,c] − cm[c,c])``.

    NaN where the class is absent from both truth and prediction.
    """
    diag = np.diagonal(cm, axis1=-2, axis2=-1)
    return _ratio(diag, support(cm) + predicted(cm) - diag)


def recall(cm: NDArray) -> FloatArray:
    """Per-class recall ``cm[c,c] / Σ_p cm[c,p]``; NaN where the class is absent from truth."""
    return _ratio(np.diagonal(cm, axis1=-2, axis2=-1), support(cm))


def precision(cm: NDArray) -> FloatArray:
    """Per-class precision ``cm[c,c] / Σ_t cm[t,c]``; NaN where the class is never predicted."""
    return _ratio(np.diagonal(cm, axis1=-2, axis2=-1), predicted(cm))


def pixel_accuracy(cm: NDArray) -> float:
    """Share of valid pixels predicted correctly; NaN when there is no valid pixel."""
    return float(_ratio(np.trace(cm), np.sum(cm)))


def mean_iou(cm: NDArray) -> float:
    """Mean of the per-class IoU over classes where it is defined; NaN if none is."""
    values = iou(cm)
    defined = values[~np.isnan(values)]
    return float(defined.mean()) if defined.size else float("nan")


def normalize(cm: NDArray, how: str | None, whole: NDArray | None = None) -> FloatArray:
    """Normalise a confusion matrix.

    Parameters
    ----------
    cm
        Counts, shape ``(C, C)``.
    how
        ``"true"``: share of true-``t`` pixels predicted as ``p`` (rows sum to 1);
        ``"pred"``: share of pixels predicted ``p`` that are truly ``t`` (columns sum to 1);
        ``None`` (or ``"none"``, as the widget's control says): the raw counts as float.
    whole
        When ``cm`` counts a part of the pixels of ``whole`` (e.g. the confident
        disagreements), divide by ``whole``'s row or column sums instead of ``cm``'s:
        the share of *all* true-``t`` (predicted-``p``) pixels.

    Returns
    -------
    numpy.ndarray
        Float64 matrix; rows (or columns) with no pixel are NaN.
    """
    counts = np.asarray(cm, dtype=np.float64)
    totals = counts if whole is None else np.asarray(whole, dtype=np.float64)
    if how is None or how == "none":
        return counts.copy()
    if how == "true":
        return _ratio(counts, totals.sum(axis=1, keepdims=True))
    if how == "pred":
        return _ratio(counts, totals.sum(axis=0, keepdims=True))
    raise ValueError(f"normalize must be 'true', 'pred' or None, got {how!r}")


def mean_row_normalized(
    image: NDArray, cell: NDArray, count: NDArray, row_total: NDArray, n_classes: int
) -> FloatArray:
    """fastai's ``mean_cm``: per-image row-normalised matrices averaged over images.

    Row ``t`` is averaged over the images whose truth contains ``t`` only, so its
    diagonal is per-class *recall* averaged over images (not IoU). Rows of classes
    that no image contains are NaN. Works on the sparse per-image counts, so it never
    materialises an ``(N, C, C)`` array.

    Parameters
    ----------
    image, cell, count
        One entry per nonzero per-image cell: image index, cell id ``t * C + p``, pixels;
        sorted by image, then cell (as ``SparseConfusion`` keeps them).
    row_total
        For each entry, its image's pixel count in row ``t`` (``Σ_p cm_n[t, p]``).
    n_classes
        ``C``.
    """
    true = np.asarray(cell) // n_classes
    shares = np.bincount(
        np.asarray(cell),
        weights=np.asarray(count) / np.asarray(row_total),
        minlength=n_classes * n_classes,
    ).reshape(n_classes, n_classes)
    # an image contributes to row t once, whatever the number of its cells in that row; the
    # entries come sorted by image, then cell, so an image's row t is one run of entries
    pairs = np.asarray(image, dtype=np.int64) * n_classes + true
    first = np.r_[True, pairs[1:] != pairs[:-1]] if pairs.size else np.zeros(0, dtype=bool)
    present = np.bincount(true[first], minlength=n_classes)
    return _ratio(shares, present[:, None])
