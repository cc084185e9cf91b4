"""Per-image scores of two models on the same images, and which images changed most.

PROTOCOL.md's "Comparison ranking" states these rules; the browser will mirror them bit
for bit, so every score is one float64 operation on integer counts (or on the stored
losses) and every order is total (ties go to the lower image index).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from .counts import Counts
from .ranking import Ranking, _class_overlap

DIRECTIONS = ("worse", "better")


class ImageScores(NamedTuple):
    """One score per image for model A and model B, and ``delta = b − a``.

    NaN where the score is undefined for an image (see ``image_scores``).
    """

    a: NDArray[np.float64]
    b: NDArray[np.float64]
    delta: NDArray[np.float64]


def _divide(numerator: NDArray[np.int64], denominator: NDArray[np.int64]) -> NDArray[np.float64]:
    """``numerator / denominator`` as one float64 division each; NaN where the denominator is 0."""
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator.astype(np.float64), denominator.astype(np.float64), out=out,
              where=denominator != 0)  # fmt: skip
    return out


def _cell_counts(counts: Counts, cell: int) -> NDArray[np.int64]:
    """Per image, the pixels in cell ``cell`` (``t * C + p``), zeros included."""
    dense = np.zeros(counts.true_totals.shape[0], dtype=np.int64)
    images, pixels = counts.cell_index.cell(cell)
    dense[images] = pixels
    return dense


def image_share(counts: Counts, true: int, pred: int) -> NDArray[np.float64]:
    """Per image, ``cm[t, p] / Σ_q cm[t, q]``: the share of its true-``t`` pixels predicted ``p``.

    NaN for images without true-``t`` pixels.
    """
    n_classes = counts.n_classes
    return _divide(_cell_counts(counts, true * n_classes + pred), counts.true_totals[:, true])


def image_iou(counts: Counts, cls: int) -> NDArray[np.float64]:
    """Per image, the IoU of class ``cls``: ``cm[c,c] / (row[c] + col[c] − cm[c,c])``.

    NaN for images whose truth and prediction both lack the class.
    """
    diag, union = _class_overlap(counts.cell_index, counts.true_totals, counts.pred_totals, cls)
    return _divide(diag, union)


def image_scores(
    a: Counts,
    b: Counts,
    losses_a: NDArray[np.float64],
    losses_b: NDArray[np.float64],
    true: int | None,
    pred: int | None,
) -> ImageScores:
    """The per-image scores a selection ranks by, for both models.

    Nothing selected (``true is None``): the losses. Off-diagonal ``(t, p)``: the share of
    true-``t`` pixels predicted ``p``. Diagonal ``(c, c)``: the image's IoU for ``c``.
    ``delta`` is NaN where either score is.
    """
    if true is None or pred is None:
        score_a, score_b = losses_a, losses_b
    elif true != pred:
        score_a, score_b = image_share(a, true, pred), image_share(b, true, pred)
    else:
        score_a, score_b = image_iou(a, true), image_iou(b, true)
    with np.errstate(invalid="ignore"):  # inf − inf is NaN, as intended
        return ImageScores(score_a, score_b, score_b - score_a)


def rank_changes(delta: NDArray[np.float64], selection: str, direction: str) -> Ranking:
    """Order images by the change ``delta`` of a selection's score (PROTOCOL.md's rules).

    Parameters
    ----------
    delta
        Per image, ``score_B − score_A`` (NaN where undefined).
    selection
        ``"loss"`` (nothing selected), ``"confusion"`` (off-diagonal cell, a higher
        share is worse) or ``"iou"`` (diagonal cell, a lower IoU is worse).
    direction
        ``"worse"``: the images where B is worse than A, most changed first;
        ``"better"``: where B is better.

    Returns
    -------
    Ranking
        ``scores`` are the deltas. For ``"loss"`` every image is listed, NaN deltas last;
        otherwise only images whose delta is non-zero in ``direction``. Ties by index.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    index = np.arange(delta.size, dtype=np.int64)
    if selection == "loss":
        nan = np.isnan(delta)
        key = np.where(nan, 0.0, delta)
        order = np.lexsort((index, -key if direction == "worse" else key, nan))
        return Ranking(order.astype(np.int64), delta[order])
    # B worse than A: more of the confusion (delta > 0) or a lower IoU (delta < 0)
    worse_sign = 1.0 if selection == "confusion" else -1.0
    sign = worse_sign if direction == "worse" else -worse_sign
    keep = np.flatnonzero(sign * delta > 0)  # NaN never passes
    order = keep[np.lexsort((keep, -sign * delta[keep]))]
    return Ranking(order.astype(np.int64), delta[order])
