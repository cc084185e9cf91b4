"""The comparison side of ``SegExplorer`` (issue 10): two models' passes over the same images.

``SegExplorer.compare(model_a, model_b, dl)`` runs both models over one iteration of the
loader; ``SegExplorer(results=comparison)`` shows a ``Comparison`` (e.g. a saved one). Model
A travels in the explorer's usual traits (``pooled``, ``losses``, the cell index...), B in the
``*_b`` traits here, and the browser ranks with PROTOCOL.md's "Comparison ranking" rules
(``js/src/compare/ranking.ts``, held equal to ``comparison_ranking.py`` by a fixture).
Each image's reply carries B's prediction as a fourth part.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import traitlets
from numpy.typing import NDArray

from ..analysis.analyze import analyze_models
from ..results.comparison import Comparison, _checked_names
from ..results.comparison_ranking import DIRECTIONS
from ..results.core import ClassRef, Results
from ..results.ranking import Ranking, within_loss
from . import protocol

MODELS = ("delta", "A", "B")  # what the heatmap shows: B − A, or one model's matrix
COMPARISON_OVERLAYS = ("prediction-b", "difference")  # thumbnail overlays that need B
B_ARRAYS = ("pooled_b", "mean_cm_b", "losses_b", "cell_ptr_b", "cell_image_b", "cell_count_b")
KERNEL_OWNED = frozenset({"comparison_summary", *B_ARRAYS})
# Results questions about one model: on a comparison they answer for the model shown
PER_MODEL = (
    "top_losses", "mean_confusion", "image_confusion", "most_confused", "show",
    "suspect_labels", "boundary_error_share", "confident_confusion",
)  # fmt: skip

_View = TypeVar("_View", bound="ComparisonView")


class ComparisonView(traitlets.HasTraits):
    """The traits and answers ``SegExplorer`` needs to show a ``Comparison`` (a mixin).

    ``model`` (``"delta"``, ``"A"`` or ``"B"``: the matrix the heatmap shows) and
    ``direction`` (``"worse"`` or ``"better"``: the images where B got worse, or better)
    are synced both ways; on an explorer of one model they are kept but change nothing.
    """

    model = traitlets.Enum(MODELS, "delta").tag(sync=True)
    direction = traitlets.Enum(DIRECTIONS, "worse").tag(sync=True)
    # {} for one model; else names, and (A, B, B − A) of mean_iou, pixel_accuracy, mean_loss
    comparison_summary = traitlets.Dict().tag(sync=True)
    pooled_b = traitlets.Bytes().tag(sync=True)
    mean_cm_b = traitlets.Bytes().tag(sync=True)
    losses_b = traitlets.Bytes().tag(sync=True)
    cell_ptr_b = traitlets.Bytes().tag(sync=True)
    cell_image_b = traitlets.Bytes().tag(sync=True)
    cell_count_b = traitlets.Bytes().tag(sync=True)

    _comparison: Comparison | None = None

    @classmethod
    def compare(
        cls: type[_View],
        model_a: Any,
        model_b: Any,
        dl: Any,
        classes: Any = None,
        names: tuple[str, str] = ("A", "B"),
        **analyze_kwargs: Any,
    ) -> _View:
        """Analyse two models over one iteration of ``dl`` and show how B differs from A.

        Parameters
        ----------
        model_a, model_b
            The two models (e.g. before and after a change), each as for ``analyze``.
        dl, classes
            As for ``segwidget.analyze``; each batch is loaded once and fed to both.
        names
            Display names of A and B.
        **analyze_kwargs
            Passed to ``segwidget.analyze_models`` (``ignore_index``, ``device``, ...).

        Returns
        -------
        SegExplorer
            Showing ``segwidget.compare(results_a, results_b, names)``: the heatmap of
            B − A, the images ranked by how much a selection changed, both predictions.
        """
        names = _checked_names(names)  # before the pass, not after it
        results_a, results_b = analyze_models([model_a, model_b], dl, classes, **analyze_kwargs)
        return cls(results=Comparison(results_a, results_b, names))

    @property
    def comparison(self) -> Comparison | None:
        """The ``Comparison`` shown, or ``None`` when the explorer shows one model."""
        return self._comparison

    @traitlets.validate("overlay")
    def _valid_overlay(self, proposal: dict[str, Any]) -> str:
        value: str = proposal["value"]
        if value in COMPARISON_OVERLAYS and self._comparison is None:
            raise traitlets.TraitError(f"overlay {value!r} needs a comparison of two models")
        return value

    def _comparison_ranking(
        self, true: ClassRef | None, pred: ClassRef | None, loss_range: Any
    ) -> Ranking:
        assert self._comparison is not None
        return gallery_ranking(self._comparison, true, pred, self.direction, loss_range)


def gallery_ranking(
    comparison: Comparison,
    true: ClassRef | None,
    pred: ClassRef | None,
    direction: str,
    loss_range: tuple[float, float] | None,
) -> Ranking:
    """The gallery of a comparison: ``Comparison.rank`` in ``direction``, then the
    loss-change filter (``loss_range`` bounds ``loss_B − loss_A``, both ends inclusive)."""
    ranked = comparison.rank(true, pred, direction=direction)
    if loss_range is None:
        return ranked
    return within_loss(ranked, loss_change(comparison), *map(float, loss_range))


def loss_change(comparison: Comparison) -> NDArray[np.float64]:
    """Per image ``loss_B − loss_A`` (NaN when either is): what the loss filter bounds."""
    return comparison.image_scores().delta


def state(comparison: Comparison | None) -> dict[str, Any]:
    """The comparison's traits: B's binary arrays and the two models' summary (empty for one)."""
    if comparison is None:
        return {"comparison_summary": {}, **dict.fromkeys(B_ARRAYS, b"")}
    arrays = protocol.state_arrays(comparison.b)
    summary: dict[str, Any] = {"names": list(comparison.names)}
    for name, values in comparison.summary().items():
        summary[name] = [v if math.isfinite(v) else None for v in map(float, values)]
    return {"comparison_summary": summary, **{f"{k}_b": v for k, v in arrays.items()}}


def stored(
    results: Results, comparison: Comparison | None, i: int, thumbnail: bool
) -> tuple[bytes, ...]:
    """Image ``i``'s reply parts: the JPEG, truth and A's prediction PNGs as stored, and in a
    comparison whose B kept images, B's prediction PNG as a fourth part."""
    assert results.images is not None
    parts = results.images.encoded(i, thumbnail)
    if comparison is None or comparison.b.images is None:
        return parts
    return (*parts, comparison.b.images.encoded(i, thumbnail)[2])


def delegate(explorer: Any, name: str) -> Callable[..., Any]:
    """``explorer.<name>`` on a comparison: the comparison's own answer, or the shown model's.

    ``rank`` takes the synced ``direction`` by default, ``confusion`` the shown ``model``;
    ``class_table``, ``save``, ``mean_iou`` and ``pixel_accuracy`` are the comparison's
    (the last two as ``(A, B, B − A)``). Per-model questions (``top_losses``, ``show``...)
    answer for the model the heatmap shows, ``"A"`` or ``"B"``.
    """
    comparison: Comparison = explorer.comparison
    if name in PER_MODEL:
        if explorer.model == "delta":
            raise ValueError(
                f"{name} is a question about one model, and the explorer shows the delta: "
                f"set explorer.model to 'A' or 'B', or ask explorer.comparison.results('B')"
            )
        return getattr(comparison.results(explorer.model), name)  # type: ignore[no-any-return]
    if name == "rank":
        return lambda true=None, pred=None, direction=None: comparison.rank(
            true, pred, direction=explorer.direction if direction is None else direction
        )
    if name == "confusion":
        return lambda normalize="true", model=None: comparison.confusion(
            explorer.model if model is None else model, normalize
        )
    if name in ("mean_iou", "pixel_accuracy"):
        return lambda: comparison.summary()[name]
    return getattr(comparison, name)  # type: ignore[no-any-return]
