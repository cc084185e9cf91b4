"""The gallery's orders: for each ``by`` of ``Results.rank``, the rule that ranks images.

A rule takes the results and the resolved selection (class indices ``t``, ``p``, or ``None``
when nothing is selected; ``t == p`` for a class) and the region, and returns a ``Ranking``.
A new analysis adds its orders here (PROTOCOL.md writes each rule down).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from . import calibration, objects_ranking, ranking, regions
from .ranking import Ranking

if TYPE_CHECKING:
    from .core import Results

RankRule = Callable[["Results", "int | None", "int | None", "str | None"], Ranking]


def _by_cell(order: str) -> RankRule:
    """DESIGN.md's rules: loss with no selection, IoU for a class, ``order`` for a cell."""

    def rule(results: Results, t: int | None, p: int | None, region: str | None) -> Ranking:
        if t is None or p is None:
            return ranking.by_loss(results.losses)
        counts = results.counts(region)
        if t == p:
            return ranking.by_class_iou(
                counts.cell_index, counts.true_totals, counts.pred_totals, t
            )
        return ranking.by_confusion(counts.cell_index, counts.true_totals, t, p, order)

    return rule


ORDERS: dict[str, RankRule] = {
    **{order: _by_cell(order) for order in ranking.ORDERS},
    "confident": regions.rank_confident,
    "overconfident": calibration.rank_overconfident,
    **{by: objects_ranking.rule(by) for by in objects_ranking.KINDS},
}
