"""Which images the gallery shows, in which order (DESIGN.md's ranking table).

``js/src/ranking.ts`` implements the same rules on the same arrays; tests hold the two
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
    confusion (off-diagonal cell), or the image's IoU for the class (diagonal).
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
    share = counts / row_totals[images, true]
    if order == "share":
        perm = np.lexsort((images, -counts, -share))
        scores = share[perm]
    else:
        perm = np.lexsort((images, -share, -counts))
        scores = counts[perm].astype(np.float64)
    return Ranking(images[perm], scores)


def by_class_iou(
    index: CellIndex,
    true_totals: NDArray[np.int64],
    pred_totals: NDArray[np.int64],
    cls: int,
) -> Ranking:
    """Images whose truth or prediction contains ``cls``, lowest IoU for it first.

    Ties go to the larger union (more pixels involved), then to the lower index.
    """
    n_classes = true_totals.shape[1]
    diag = np.zeros(true_totals.shape[0], dtype=np.int64)
    images, counts = index.cell(cls * n_classes + cls)
    diag[images] = counts
    union_all = true_totals[:, cls] + pred_totals[:, cls] - diag
    images = np.flatnonzero(union_all > 0)
    union = union_all[images]
    iou = diag[images] / union
    perm = np.lexsort((images, -union, iou))
    return Ranking(images[perm].astype(np.int64), iou[perm])


def within_loss(ranking: Ranking, losses: NDArray[np.float64], lo: float, hi: float) -> Ranking:
    """Keep images with ``lo <= loss <= hi`` (both inclusive; NaN never kept), order unchanged."""
    loss = losses[ranking.indices]
    keep = (loss >= lo) & (loss <= hi)
    return Ranking(ranking.indices[keep], ranking.scores[keep])
