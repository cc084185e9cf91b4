"""The explorer's regions and confident order (issue 11): the ``region`` trait, the band's
and the confident disagreements' cell indices for the browser, and the header's share.

``RegionTraits`` is mixed into ``SegExplorer``. Synced both ways: ``region`` (``"all"``,
``"interior"`` or ``"boundary"``: the counts the heatmap and the gallery use) and the
``order`` ``"confident"`` (``regions.ORDERS``). The kernel's alone: ``band_ptr`` /
``band_image`` / ``band_count`` (the boundary band's per-image counts, cell-major like
``cell_ptr``...) and ``conf_ptr`` / ``conf_image`` / ``conf_count`` (the confident
disagreements'), empty when the results have none (and for a comparison). The browser
derives the interior as all − band, per image and cell.

The order ``"confident"`` ranks confident disagreements among *all* valid pixels: it does
not take a region (``Results.rank`` refuses one), so with it the gallery ignores ``region``,
which still recolours the heatmap (PROTOCOL.md). Both traits stay settable in any
combination: no state of the two is inconsistent.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import traitlets

from ..results import regions
from ..results.core import REGIONS
from ..results.summary import summarize
from . import calibration as calibration_state
from . import protocol
from .objects import check_order

if TYPE_CHECKING:
    from ..results.comparison import Comparison
    from ..results.core import Results
    from ..results.sparse import CellIndex

CHOICES = ("all", *REGIONS)
BAND_ARRAYS = ("band_ptr", "band_image", "band_count")
CONF_ARRAYS = ("conf_ptr", "conf_image", "conf_count")
KERNEL_OWNED = frozenset({*BAND_ARRAYS, *CONF_ARRAYS})


def has_band(results: Results | None, comparison: Comparison | None) -> bool:
    """Whether the view can show regions: one model's results with boundary-band counts."""
    return results is not None and comparison is None and results.boundary_confusions is not None


def has_confident(results: Results | None, comparison: Comparison | None) -> bool:
    """Whether the view can rank by confident disagreements (one model's, with their counts)."""
    return results is not None and comparison is None and results.confident_confusions is not None


def state(results: Results, comparison: Comparison | None) -> dict[str, bytes]:
    """The band's and the confident disagreements' int32 cell-major indices (empty if none)."""
    out = dict.fromkeys((*BAND_ARRAYS, *CONF_ARRAYS), b"")
    if has_band(results, comparison):
        out.update(_index_state("band", results.counts("boundary").cell_index))
    if has_confident(results, comparison):
        out.update(_index_state("conf", results.confident_counts().cell_index))
    return out


def _index_state(prefix: str, index: CellIndex) -> dict[str, bytes]:
    arrays = protocol.index_arrays(index)
    return {f"{prefix}_{name}": data for name, data in arrays.items()}


def summary(results: Results, comparison: Comparison | None) -> dict[str, float | None]:
    """The header's ``boundary_error_share`` (``regions.boundary_error_share``); ``None``
    without band counts, or when there is no error."""
    if not has_band(results, comparison):
        return {"boundary_error_share": None}
    share = regions.boundary_error_share(results)
    return {"boundary_error_share": share if math.isfinite(share) else None}


def rank_region(order: str, region: str) -> str | None:
    """The ``region=`` of ``Results.rank`` for the gallery: none for ``"all"`` and for the
    confident order (it ranks among all valid pixels)."""
    return None if region == "all" or order == "confident" else region


class RegionTraits(traitlets.HasTraits):
    """``region`` and the band's / confident disagreements' arrays (see the module docstring)."""

    region = traitlets.Enum(CHOICES, "all").tag(sync=True)
    band_ptr = traitlets.Bytes().tag(sync=True)
    band_image = traitlets.Bytes().tag(sync=True)
    band_count = traitlets.Bytes().tag(sync=True)
    conf_ptr = traitlets.Bytes().tag(sync=True)
    conf_image = traitlets.Bytes().tag(sync=True)
    conf_count = traitlets.Bytes().tag(sync=True)

    if TYPE_CHECKING:  # SegExplorer's
        _results: Results | None
        _comparison: Comparison | None
        order: str

        def _refresh_shown(self) -> None: ...  # re-rank what the gallery shows

    def _leave_regions(self, results: Results, comparison: Comparison | None) -> None:
        """Before new results are shown: a region or order they cannot show goes back to its
        default, while the old ones are still shown (the gallery re-ranks on each change)."""
        if self.region != "all" and not has_band(results, comparison):
            self.region = "all"
        if self.order == "confident" and not has_confident(results, comparison):
            self.order = "share"
        calibration_state.leave(self, results, comparison)

    # -- validation: TraitError only, whatever the browser sends --------------------------------
    @traitlets.validate("region")
    def _valid_region(self, proposal: dict[str, Any]) -> str:
        value: str = proposal["value"]
        if value != "all" and not has_band(self._results, self._comparison):
            raise traitlets.TraitError(
                f"region {summarize(value)} needs boundary-band counts, and {self._none()}: "
                "analyze one model with boundary_width=d (pixels, e.g. 3) to keep them"
            )
        return value

    @traitlets.validate("order")
    def _valid_order(self, proposal: dict[str, Any]) -> str:
        value: str = proposal["value"]
        calibration_state.check_order(value, self._results, self._comparison)
        check_order(value, self._results, self._comparison)  # the objects' orders
        if value == "confident" and not has_confident(self._results, self._comparison):
            raise traitlets.TraitError(
                f"order 'confident' needs confident-disagreement counts, and {self._none()}: "
                "analyze one model with confidence=τ (e.g. 0.9) to keep them"
            )
        return value

    def _none(self) -> str:
        if self._comparison is not None:
            return "a comparison shows none"
        return "these results have none"

    @traitlets.observe("region")
    def _on_region(self, _change: dict[str, Any]) -> None:
        self._refresh_shown()
