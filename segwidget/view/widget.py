"""``SegExplorer``: the anywidget view of ``Results``, its selection traitlets and messages."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import ipywidgets as widgets
import numpy as np
import torch
import traitlets
from numpy.typing import NDArray

from ..analysis.analyze import analyze
from ..results import regions
from ..results.comparison import Comparison
from ..results.core import ClassRef, Results
from ..results.ranking import Ranking
from ..results.summary import summarize
from . import calibration as calibration_state
from . import compare as widget_compare
from . import objects as object_state
from . import protocol
from . import regions as region_state
from .browser_guard import GuardedWidget
from .calibration import CalibrationTraits
from .class_focus import focus_classes
from .compare import COMPARISON_OVERLAYS, ComparisonView
from .detail_overlays import detail_overlays
from .explorer_methods import add_delegates
from .fmap import KERNEL_OWNED as MAP_OWNED
from .fmap import MapTraits
from .frame import KERNEL_OWNED as FRAME_OWNED
from .frame import FrameTraits
from .objects import ObjectTraits
from .regions import RegionTraits
from .selection import SelectionTraits
from .slices import SliceTraits

if TYPE_CHECKING:
    from .charts import Charts

log = logging.getLogger("segwidget")
_STATIC = Path(__file__).parent.parent / "static"
# Traits only the kernel sets: a browser update to one is ignored, logged and answered with the
# kernel's value, so the view always shows these results (``explorer.classes == results.classes``).
# The widget framework's own state (module code, model and view names, layout) is the kernel's too;
# only the count of views is the browser's to report.
_KERNEL_OWNED = frozenset(
    {"classes", "colors", "summary", "pooled", "mean_cm", "losses", "cell_ptr", "cell_image",
     "cell_count", "preload", "columns", "column_data", "_esm", "_css", "_anywidget_id"}
    | widget_compare.KERNEL_OWNED | region_state.KERNEL_OWNED | FRAME_OWNED | MAP_OWNED
    | calibration_state.KERNEL_OWNED | object_state.KERNEL_OWNED
) | (frozenset(widgets.DOMWidget.class_trait_names(sync=True)) - {"_view_count"})  # fmt: skip


class SegExplorer(
    GuardedWidget,
    SelectionTraits,
    SliceTraits,
    RegionTraits,
    CalibrationTraits,
    ObjectTraits,
    ComparisonView,
    FrameTraits,
    MapTraits,
    anywidget.AnyWidget,
):
    """Run a segmentation model over a dataloader once and explore where it is wrong.

    Parameters
    ----------
    model
        The model (see ``segwidget.analyze``); ``None`` with ``results``.
    dl
        Any iterable of batches.
    classes
        The class names.
    results
        Explore existing ``Results`` (e.g. from ``segwidget.load``) instead of running a pass,
        or a ``Comparison`` of two models (``SegExplorer.compare`` runs both passes).
    height
        The frame's height in CSS px (default 720: fits a 900 px window in JupyterLab); the
        heatmap, the gallery, the detail and the panels lay out inside it.
    **analyze_kwargs
        Passed to ``segwidget.analyze`` (``ignore_index``, ``loss_func``, ``device``,
        ``encode_workers``, ...).

    Notes
    -----
    ``selected_cell`` (``[true, pred]`` or ``None``; names or indices may be assigned),
    ``selected_image``, ``order``, ``normalize``, ``overlay``, ``loss_range``,
    ``visible_classes`` (the heatmap's classes in display order, names or indices; empty
    for all) and ``zoom`` are synced with the browser both ways; ``shown_indices`` follows
    them and can be observed. With many classes, the first display focuses the heatmap on
    the most confused classes that fit (``visible_classes`` then says which). Slices and
    tags (``slice``, ``tags``, ``picked_images``, ``tag``, ``export``, ``subset``):
    ``segwidget.view.slices``; ``region`` and the order ``"confident"``:
    ``segwidget.view.regions``. A comparison adds ``model`` and ``direction``
    (``segwidget.view.compare``).
    """

    _kernel_owned = _KERNEL_OWNED
    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

    classes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    colors = traitlets.List(traitlets.Unicode()).tag(sync=True)
    summary = traitlets.Dict().tag(sync=True)
    pooled = traitlets.Bytes().tag(sync=True)
    mean_cm = traitlets.Bytes().tag(sync=True)
    losses = traitlets.Bytes().tag(sync=True)
    cell_ptr = traitlets.Bytes().tag(sync=True)
    cell_image = traitlets.Bytes().tag(sync=True)
    cell_count = traitlets.Bytes().tag(sync=True)
    preload = traitlets.Bytes().tag(sync=True)  # the first thumbnails: no request for the first row

    order = traitlets.Enum(
        (*regions.ORDERS, calibration_state.ORDER, *object_state.ORDERS), "share"
    ).tag(sync=True)
    normalize = traitlets.Enum(("true", "pred", "none", "mean"), "true").tag(sync=True)
    log_scale = traitlets.Bool(False).tag(sync=True)
    hide_diagonal = traitlets.Bool(False).tag(sync=True)
    overlay = traitlets.Enum(
        ("none", "prediction", "truth", "pair", *COMPARISON_OVERLAYS), "prediction"
    ).tag(sync=True)

    shown_indices = traitlets.Any(read_only=True)  # numpy int64, the gallery's order; not synced

    def __init__(
        self,
        model: torch.nn.Module | None = None,
        dl: Any = None,
        classes: Any = None,
        *,
        results: Results | Comparison | None = None,
        height: int | None = None,
        **analyze_kwargs: Any,
    ) -> None:
        super().__init__()
        if height is not None:
            self.height = height
        self._results: Results | None = None
        self._dl: Any = None
        self._analyze_kwargs: dict[str, Any] = {}
        self._charts: Charts | None = None
        self._view: widgets.Box | None = None
        self.layout = widgets.Layout(width="100%", min_width="0")
        self.on_msg(self._on_message)
        self.update(model, dl, classes, results=results, **analyze_kwargs)

    # -- data -----------------------------------------------------------------------------
    @property
    def results(self) -> Results:
        """The ``Results`` shown (of a comparison: model A's; ``comparison`` has both)."""
        assert self._results is not None
        return self._results

    def update(
        self,
        model: torch.nn.Module | None = None,
        dl: Any = None,
        classes: Any = None,
        *,
        results: Results | Comparison | None = None,
        **analyze_kwargs: Any,
    ) -> Results:
        """Show new results: from ``results`` (or a ``Comparison``), or from a new pass of
        ``model`` over ``dl``.

        ``dl``, ``classes`` and the ``analyze`` settings (``ignore_index``, ``loss_func``, ...)
        default to the previous ones; the selection is cleared.
        """
        if results is None:
            if model is None:
                raise ValueError("pass a model (and a dataloader) or results=")
            dl = dl if dl is not None else self._dl
            if dl is None:
                raise ValueError("pass a dataloader the first time")
            if classes is None and self._results is not None:
                classes = self._results.classes
            settings = {**self._analyze_kwargs, **analyze_kwargs}
            results = analyze(model, dl, classes, **settings)
            self._dl, self._analyze_kwargs = dl, settings
        comparison = results if isinstance(results, Comparison) else None
        results = results.a if isinstance(results, Comparison) else results
        with self.hold_sync():
            if self.slice:  # cleared while the old results are shown: it names their columns
                self.slice = {}
            self._leave_regions(results, comparison)  # likewise
            self._leave_objects(results, comparison)
            self._results, self._comparison = results, comparison
            # a comparison's thumbnails show where A and B differ; one model has no B to show
            self.overlay = "difference" if comparison else "prediction"
            self.selected_cell = None
            self.selected_image = None
            self.loss_range = None
            self.visible_classes = []
            self.auto_focus = True  # the browser knows its width: it picks how many fit
            self.classes = list(results.classes)
            self.colors = list(results.colors)
            self.summary = (
                protocol.summary(results)
                | region_state.summary(results, comparison)
                | calibration_state.summary(results, comparison)
            )
            arrays = protocol.state_arrays(results) | widget_compare.state(comparison)
            arrays |= region_state.state(results, comparison)
            arrays |= calibration_state.state(results, comparison)
            arrays |= object_state.state(results, comparison)
            for name, data in arrays.items():
                setattr(self, name, data)
            self.preload = self._first_thumbnails()
            self._reset_slices(results)
            self._reset_map()
        self._refresh_shown()
        if self._charts is not None:
            self._charts.rebuild()
        return results

    def _first_thumbnails(self) -> bytes:
        """The thumbnails of the gallery's first rows with nothing selected."""
        if self.results.images is None:
            return b""
        first = self.ranking().indices[: protocol.PRELOADED_THUMBS].tolist()
        parts = [widget_compare.stored(self.results, self.comparison, i, True) for i in first]
        return protocol.pack_thumbs(first, parts)

    # -- display ----------------------------------------------------------------------------
    @property
    def charts(self) -> Charts:
        """The linked bqplot charts (IoU bars, loss histogram), listed in the panel area; their
        figures can be placed elsewhere too."""
        if self._charts is None:
            from .charts import Charts  # bqplot: imported when the charts are first shown

            self._charts = Charts(self)
        return self._charts

    @property
    def view(self) -> widgets.Box:
        """The explorer in a box (its charts are in its own panel area)."""
        if self._view is None:
            _ = self.charts  # lists the bqplot panels
            self._view = widgets.Box([self], layout=widgets.Layout(width="100%"))
        return self._view

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        try:
            _ = self.charts  # lists the bqplot panels; without bqplot the browser's canvas charts
        except ImportError:
            log.info("segwidget: bqplot is not installed; the panels show canvas charts")
        return super()._repr_mimebundle_(**kwargs)

    def focus(self, k: int) -> list[int]:
        """Show the ``k`` most confused classes in the heatmap (``visible_classes``)."""
        self.visible_classes = focus_classes(self.results.counts().pooled, k)
        return list(self.visible_classes)

    @traitlets.observe("selected_cell", "order", "loss_range", "direction")
    def _on_selection(self, _change: dict[str, Any]) -> None:
        self._refresh_shown()

    def _refresh_shown(self) -> None:
        ranked = self.ranking()
        self.set_trait("shown_indices", ranked.indices)

    def _after_refused_update(self) -> None:
        self._refresh_shown()  # whatever was applied, the gallery follows what is set now

    def ranking(self) -> Ranking:
        """The gallery's images and scores for the current slice, selection, order and loss
        range (of a comparison: direction, and the range of the loss change)."""
        cell = self.selected_cell
        true, pred = (cell[0], cell[1]) if cell is not None else (None, None)
        if self.comparison is not None:
            ranked = self._in_slice(self._comparison_ranking(true, pred, self.loss_range))
            return self._on_map(ranked)  # "more like this" on the map of A, as for one model
        if self.order == calibration_state.ORDER:
            bins = self.calibration_bin
            ranked = calibration_state.rank(self.results, cell, bins, self.loss_range)
            return self._on_map(self._in_slice(ranked))
        if self.order in object_state.ORDERS:
            return self._on_map(self._in_slice(self._object_ranking(self.results, true, pred)))
        region = region_state.rank_region(self.order, self.region)
        by, loss_range = self.order, self.loss_range
        ranked = self.results.rank(true, pred, by=by, loss_range=loss_range, region=region)
        return self._on_map(self._in_slice(ranked))

    def select(self, true: ClassRef | None, pred: ClassRef | None = None) -> NDArray[np.int64]:
        """Select a cell (or a class when ``pred`` is omitted) and return the shown indices."""
        self.selected_cell = None if true is None else (true, true if pred is None else pred)
        shown: NDArray[np.int64] = self.shown_indices
        return shown

    def save_html(self, path: str | Path, **options: Any) -> Path:
        """This view as one HTML file needing no kernel nor network (``report.save_html``)."""
        from ..report.build import save_html

        return save_html(self, path, **options)

    # -- browser requests -------------------------------------------------------------------
    def _on_message(self, _widget: Any, content: Any, _buffers: list[bytes]) -> None:
        try:
            reply = self._reply(content)
            if reply is not None:
                self.send(*reply)
        except Exception:  # a browser message must never raise into the kernel
            log.exception("segwidget: failed to answer a browser message %s", summarize(content))

    def _reply(self, content: Any) -> tuple[dict[str, Any], list[bytes]] | None:
        """The answer (header, buffers) to a browser request, also asked by ``report.py``."""
        results = self.results
        request = protocol.parse_request(content, results.n_images)
        if request is None:
            log.warning("segwidget: ignored a malformed browser message %s", summarize(content))
            return None
        if results.images is None:
            log.info("segwidget: these results kept no images; nothing to send")
            return None
        comparison = self.comparison
        if isinstance(request, protocol.ThumbsRequest):
            stored = [widget_compare.stored(results, comparison, i, True) for i in request.indices]
            return protocol.thumbs_reply(request, stored)
        i = request.index
        cm = results.image_confusions.take(np.array([i]))
        loss = float(results.losses[i])
        parts = widget_compare.stored(results, comparison, i, False)
        fields, overlays = detail_overlays(results, i, parts, comparison is not None)
        content, buffers = protocol.detail_reply(request, (*parts, *overlays), loss, cm, fields)
        return object_state.with_boxes(results, i, comparison, content, buffers)


add_delegates(SegExplorer)
