"""Model, label or boundary? The boundary-band and confident-disagreement numbers.

Definitions (PROTOCOL.md's ranking section gives the ranking rules):

- the boundary band's and the interior's counts are ``Results.counts("boundary")`` and
  ``Results.counts("interior")`` (interior = all − boundary, per image and cell);
- a class's *errors* in a matrix ``cm`` are its false negatives plus its false
  positives, ``Σ_{p≠c} cm[c,p] + Σ_{t≠c} cm[t,c]`` (IoU's union minus its
  intersection): a pixel of truth ``a`` predicted ``b`` is an error of ``a`` and of ``b``;
- *all errors* are the off-diagonal pixels, each counted once;
- a confident disagreement is a valid pixel with prediction ≠ truth and confidence ≥ τ;
  ``Results.confident_confusions`` counts them per image and cell (its diagonal is 0).

Ratios are float64 divisions of integer counts, NaN for 0/0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from . import metrics, ranking
from .metrics import _ratio
from .ranking import Ranking
from .sparse import SparseConfusion

if TYPE_CHECKING:
    from .core import Results

ORDERS = (*ranking.ORDERS, "confident")


def class_errors(cm: NDArray) -> NDArray[np.int64]:
    """Per class, its false negatives plus false positives: ``row + column − 2·cm[c,c]``."""
    diag = np.diagonal(cm).astype(np.int64)
    return metrics.support(cm) + metrics.predicted(cm) - 2 * diag


def error_pixels(cm: NDArray) -> int:
    """Pixels predicted wrong (off-diagonal), each counted once."""
    return int(np.sum(cm) - np.trace(cm))


def require_boundary(results: Results, what: str) -> None:
    """Raise a clear error when the pass kept no boundary-band counts."""
    if results.boundary_confusions is None:
        raise ValueError(
            f"{what} needs boundary-band counts, and these results have none: "
            "analyse with boundary_width=d (pixels, e.g. 3) to keep them"
        )


def band_columns(results: Results) -> dict[str, NDArray[np.float64]]:
    """``class_table``'s boundary columns; empty without boundary counts.

    ``boundary_iou`` and ``interior_iou``: ``metrics.iou`` of the band's and the
    interior's pooled counts; ``boundary_error_share``: the share of the class's errors
    (FN + FP, see the module docstring) that lie in the band, NaN when it has none.
    """
    if results.boundary_confusions is None:
        return {}
    whole, band, interior = (results.counts(r).pooled for r in (None, "boundary", "interior"))
    return {
        "boundary_iou": metrics.iou(band),
        "interior_iou": metrics.iou(interior),
        "boundary_error_share": _ratio(class_errors(band), class_errors(whole)),
    }


def boundary_error_share(results: Results) -> float:
    """Share of all errors (off-diagonal pixels) that lie in the boundary band; NaN if none."""
    require_boundary(results, "boundary_error_share()")
    band, whole = (error_pixels(results.counts(r).pooled) for r in ("boundary", None))
    return float(_ratio(np.asarray(band), np.asarray(whole)))


def checked_confident(results: Results) -> SparseConfusion:
    """The confident-disagreement counts, checked to be off-diagonal and within the counts."""
    confident = results.confident_confusions
    if confident is None:
        raise ValueError(
            "confident disagreements need their counts, and these results have none: "
            "analyse with confidence=τ (e.g. 0.9) to keep them"
        )
    c = confident.n_classes
    diagonal = np.flatnonzero(confident.cell // c == confident.cell % c)
    if diagonal.size:
        k = diagonal[0]
        raise ValueError(
            f"confident_confusions counts correctly predicted pixels (image "
            f"{confident.entry_image[k]}, class {results.classes[confident.cell[k] // c]!r}); "
            "a confident disagreement has prediction ≠ truth"
        )
    try:
        results.image_confusions.minus(confident)
    except ValueError as err:
        raise ValueError(
            f"confident_confusions must count a subset of image_confusions' pixels ({err})"
        ) from None
    return confident


def confident_confusion(results: Results, normalize: str | None) -> NDArray:
    """Pooled confident-disagreement counts; normalised by *all* valid pixels' row or
    column sums (``metrics.normalize(..., whole=)``), so each cell is at most the
    ordinary normalised matrix's."""
    pooled = results.confident_counts().pooled
    if normalize is None:
        return pooled.copy()
    return metrics.normalize(pooled, normalize, whole=results.counts().pooled)


def rank_confident(
    results: Results, true: int | None, pred: int | None, region: str | None
) -> Ranking:
    """``Results.rank(..., by="confident")`` for resolved class indices (``None``: no cell).

    No cell: ``ranking.by_suspicion``; off-diagonal ``(t, p)``: ``ranking.by_confusion``
    on the confident counts' cell index with *all* valid true-``t`` pixels as the
    denominator; diagonal ``(c, c)``: ``ranking.by_confident_class``.
    """
    if region not in (None, "all"):
        raise ValueError(
            "by='confident' ranks by confident disagreements among all valid pixels; they "
            f"are not split by region, so region must be None (got {region!r})"
        )
    confident = results.confident_counts()
    whole = results.counts()
    if true is None or pred is None:
        return ranking.by_suspicion(confident.true_totals, whole.true_totals)
    if true != pred:
        return ranking.by_confusion(confident.cell_index, whole.true_totals, true, pred)
    return ranking.by_confident_class(
        confident.true_totals, confident.pred_totals,
        whole.cell_index, whole.true_totals, whole.pred_totals, true,
    )  # fmt: skip


def suspect_labels(results: Results, k: int | None) -> Ranking:
    """The first ``k`` (all when ``None``) images of ``ranking.by_suspicion``."""
    if k is not None and (isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0):
        raise ValueError(f"k must be None or a non-negative integer, got {k!r}")
    ranked = rank_confident(results, None, None, None)
    return Ranking(ranked.indices[:k], ranked.scores[:k])
