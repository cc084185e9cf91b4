"""The explorer's selection: the selected cell and image, the loss range, the shown classes
and the zoom, each validated as it arrives from Python or the browser.

Validators raise ``TraitError`` only: traitlets rolls a browser update back on ``TraitError``
alone, so any other exception would leave the bad value set and the gallery stale.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np
import traitlets

from ..results.summary import describe_error, summarize
from . import protocol
from .slices import IndexList

if TYPE_CHECKING:
    from ..results.core import Results


class SelectionTraits(traitlets.HasTraits):
    """``selected_cell``, ``selected_image``, ``loss_range``, ``visible_classes``, ``zoom``."""

    selected_cell = traitlets.Any(None, allow_none=True).tag(sync=True)
    selected_image = traitlets.Any(None, allow_none=True).tag(sync=True)
    loss_range = traitlets.Any(None, allow_none=True).tag(sync=True)
    visible_classes = IndexList([]).tag(sync=True)  # traitlets.List's errors print the value
    zoom = traitlets.Enum((1, 2, 4, 8), 1).tag(sync=True)
    auto_focus = traitlets.Bool(False).tag(sync=True)

    if TYPE_CHECKING:  # SegExplorer's

        @property
        def results(self) -> Results: ...

    @traitlets.validate("selected_cell")
    def _valid_cell(self, proposal: dict[str, Any]) -> list[int] | None:
        value = proposal["value"]
        if value is None:
            return None
        if isinstance(value, str | int | np.integer) and not isinstance(value, bool):
            value = (value, value)  # a class: the diagonal cell
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise traitlets.TraitError(
                f"selected_cell must be (true, pred), a class, or None; got {summarize(value)}"
            )
        try:
            return [self.results.class_index(value[0]), self.results.class_index(value[1])]
        except (KeyError, IndexError, TypeError, ValueError) as err:
            raise traitlets.TraitError(
                f"selected_cell {summarize(value)}: {describe_error(err)}"
            ) from err

    @traitlets.validate("selected_image")
    def _valid_image(self, proposal: dict[str, Any]) -> int | None:
        value = proposal["value"]
        if value is None:
            return None
        if not protocol.is_index(value, self.results.n_images):
            raise traitlets.TraitError(
                f"selected_image must be an image index in 0..{self.results.n_images - 1} "
                f"or None; got {summarize(value)}"
            )
        return int(value)

    @traitlets.validate("loss_range")
    def _valid_loss_range(self, proposal: dict[str, Any]) -> list[float] | None:
        value = proposal["value"]
        if value is None:
            return None
        bounds = list(value) if isinstance(value, list | tuple | np.ndarray) else []
        if len(bounds) != 2 or not all(_is_real(v) for v in bounds):
            raise traitlets.TraitError(
                f"loss_range must be (lo, hi), two numbers, or None; got {summarize(value)}"
            )
        try:
            lo, hi = float(bounds[0]), float(bounds[1])
        except OverflowError as err:  # an int beyond float's range, e.g. 10**400
            raise traitlets.TraitError(
                f"loss_range bounds must be finite numbers; got {summarize(value)}"
            ) from err
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise traitlets.TraitError(
                f"loss_range bounds must be finite numbers; got {summarize(value)}"
            )
        if lo > hi:
            raise traitlets.TraitError(f"loss_range needs lo <= hi; got {summarize(value)}")
        return [lo, hi]

    @traitlets.validate("visible_classes")
    def _valid_visible(self, proposal: dict[str, Any]) -> list[int]:
        value = proposal["value"]
        if not isinstance(value, list | tuple):
            raise traitlets.TraitError(
                f"visible_classes must be a list of classes; got {summarize(value)}"
            )
        try:
            indices = [self.results.class_index(c) for c in value]
        except (KeyError, IndexError, TypeError) as err:
            raise traitlets.TraitError(f"visible_classes: {err}") from err
        if len(set(indices)) != len(indices):
            raise traitlets.TraitError("visible_classes must not repeat a class")
        return indices

    @traitlets.validate("zoom")
    def _valid_zoom(self, proposal: dict[str, Any]) -> int:
        # Enum((1, 2, 4, 8)) takes True, as True == 1; booleans are refused everywhere else
        if isinstance(proposal["value"], bool):
            raise traitlets.TraitError(f"zoom must be 1, 2, 4 or 8; got {proposal['value']!r}")
        return int(proposal["value"])

    @traitlets.observe("visible_classes")
    def _on_visible(self, _change: dict[str, Any]) -> None:
        self.auto_focus = False  # a choice was made (in Python, or the browser's own): keep it


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
