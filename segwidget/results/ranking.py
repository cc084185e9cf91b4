"""Which images the gallery shows, in which order (DESIGN.md's ranking table).

``js/src/data/ranking.ts`` implements the same rules on the same arrays; tests hold the two
equal, so any change here changes there too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .sparse import CellIndex

ORDERS = ("share", "pixels")


@dataclass(frozen=True)
class Ranking:
    """Image indices in display order and the score each was ranked by.

    The score is the loss (no selection), the share or pixel count of the selected
    confusion (off-diagonal cell), the image's IoU for the class (diagonal), or a
    share of confident disagreements (``by="confident"``, ``suspect_labels``).
    """

    indices: NDArray[np.int64]
    scores: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.indices.size)


def by_loss(losses: NDArray[np.float64], largest: bool = True) -> Ranking:
    """All images, highest (or lowest) loss first; images without a valid pixel (NaN) last.

    Ties go to the lower index.
    """
    idx = np.arange(losses.size)
    nan = np.isnan(losses)
    key = np.where(nan, 0.0, losses)
    order = np.lexsort((idx, -key if largest else key, nan))
    return Ranking(order.astype(np.int64), losses[order])


def by_confusion(
    index: CellIndex, row_totals: NDArray[np.int64], true: int, pred: int, order: str = "share"
) -> Ranking:
    """Images where true ``true`` pixels are predicted ``pred``, most pronounced first.

    ``order="share"``: share of the image's true-``true`` pixels, then pixels, then index;
    ``order="pixels"``: pixels, then share, then index.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    n_classes = row_totals.shape[1]
    images, counts = index.cell(true * n_classes + pred)
    if order == "share":
        return by_share(images, counts, row_totals[images, true])
    share = counts / row_totals[images, true]
    perm = np.lexsort((images, -share, -counts))
    return Ranking(images[perm], counts[perm].astype(np.float64))


def by_share(
    images: NDArray[np.int64], counts: NDArray[np.int64], totals: NDArray[np.int64]
) -> Ranking:
    """``images`` by share ``counts / totals`` (one float64 division) highest first, then
    by ``counts`` highest first, then by index; the score is the share.

    Every "share" order uses it; callers pass only images with ``counts > 0`` (so
    ``totals >= counts > 0``).
    """
    share = counts / totals
    perm = np.lexsort((images, -counts, -share))
    return Ranking(images[perm].astype(np.int64), share[perm])


def by_class_iou(
    index: CellIndex,
    true_totals: NDArray[np.int64],
    pred_totals: NDArray[np.int64],
    cls: int,
) -> Ranking:
    """Images whose truth or prediction contains ``cls``, lowest IoU for it first.

    Ties go to the larger union (more pixels involved), then to the lower index.
    """
    diag, union_all = _class_overlap(index, true_totals, pred_totals, cls)
    images = np.flatnonzero(union_all > 0)
    union = union_all[images]
    iou = diag[images] / union
    perm = np.lexsort((images, -union, iou))
    return Ranking(images[perm].astype(np.int64), iou[perm])


def _class_overlap(
    index: CellIndex, true_totals: NDArray[np.int64], pred_totals: NDArray[np.int64], cls: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per image, the intersection ``cm_n[c,c]`` and union ``row_n[c] + col_n[c] − cm_n[c,c]``."""
    n_classes = true_totals.shape[1]
    diag = np.zeros(true_totals.shape[0], dtype=np.int64)
    images, counts = index.cell(cls * n_classes + cls)
    diag[images] = counts
    return diag, true_totals[:, cls] + pred_totals[:, cls] - diag


def by_confident_class(
    confident_true: NDArray[np.int64],
    confident_pred: NDArray[np.int64],
    index: CellIndex,
    true_totals: NDArray[np.int64],
    pred_totals: NDArray[np.int64],
    cls: int,
) -> Ranking:
    """Images with confident disagreements involving ``cls``, as a share of its union.

    Count: ``Σ_{q≠c} conf_n[c,q] + Σ_{q≠c} conf_n[q,c]`` (``confident_true`` /
    ``confident_pred`` are the confident counts' per-image class totals; their diagonal
    is 0); share: count / the image's union for ``cls`` (the diagonal rule's IoU
    denominator). Images with count > 0, in ``by_share`` order.
    """
    _, union = _class_overlap(index, true_totals, pred_totals, cls)
    counts = confident_true[:, cls] + confident_pred[:, cls]
    images = np.flatnonzero(counts > 0)
    return by_share(images, counts[images], union[images])


def by_suspicion(confident_true: NDArray[np.int64], true_totals: NDArray[np.int64]) -> Ranking:
    """Images by label-suspicion score: confident-disagreement pixels / valid pixels.

    Images with at least one confident-disagreement pixel, in ``by_share`` order.
    """
    counts = confident_true.sum(axis=1)
    images = np.flatnonzero(counts > 0)
    return by_share(images, counts[images], true_totals.sum(axis=1)[images])


def within_loss(ranking: Ranking, losses: NDArray[np.float64], lo: float, hi: float) -> Ranking:
    """Keep images with ``lo <= loss <= hi`` (both inclusive; NaN never kept), order unchanged."""
    loss = losses[ranking.indices]
    keep = (loss >= lo) & (loss <= hi)
    return Ranking(ranking.indices[keep], ranking.scores[keep])
