"""bqplot charts linked to a ``SegExplorer``: per-class IoU bars and the per-image loss histogram.

All linking lives here and goes through the explorer's traitlets (``selected_cell``,
``loss_range``, ``slice``) and ``Results``' own methods, so the charts never re-implement a
number or a ranking rule. With a slice, the IoU bars are the slice's and the histogram
highlights the slice's images. On a comparison of two models the bars show each class's IoU
change (B − A) and the histogram each image's loss change, which the brush then bounds.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np
from numpy.typing import NDArray

from ..results import metrics, slices
from ..results.summary import summarize
from .compare import gallery_ranking, loss_change
from .objects_chart import ObjectsChart
from .reliability_chart import ReliabilityChart

if TYPE_CHECKING:
    from .widget import SegExplorer

log = logging.getLogger("segwidget")
_DIM = 0.3  # opacity of bars that are not part of the selection
# marks at 3:1 or more on JupyterLab's light (#fff) and dark (#111) backgrounds: the loss
# histogram's bars of all images, and the outline of every IoU bar (a class colour may be close
# to the background)
_ALL_COLOR = "#616161"
_MATCH_COLOR = "#d55e00"
# a comparison's IoU change, up or down: blue / vermillion (Okabe & Ito), apart for colour-blind
# eyes
_BETTER_COLOR, _WORSE_COLOR = "#0072b2", "#d55e00"
_FIGURE_LAYOUT = {"width": "100%", "min_width": "280px", "height": "260px"}
_MARGIN = {"top": 36, "bottom": 44, "left": 48, "right": 12}
_BAR_HEIGHT = 18  # px per bar in the IoU chart: room for an 11 px label on every bar
_CHART_MARGIN = 80  # px above and below the bars (title, axis)
_SCROLL_HEIGHT = "560px"  # the IoU chart scrolls beyond this
_BAR_COUNTS = (25, 50)  # offered when there are more classes than the smallest


def loss_bins(losses: NDArray[np.float64]) -> NDArray[np.float64]:
    """Histogram bin edges over the finite losses (about √N bins, 10 to 40)."""
    finite = losses[np.isfinite(losses)]
    if finite.size == 0:
        return np.array([0.0, 1.0])
    n_bins = int(np.clip(np.sqrt(finite.size), 10, 40))
    return np.histogram_bin_edges(finite, bins=n_bins)


def histogram_values(explorer: SegExplorer) -> NDArray[np.float64]:
    """Per image, what the loss histogram counts and its brush bounds: the loss, or on a
    comparison the loss change B − A (the offline report's histogram too)."""
    comparison = explorer.comparison
    return explorer.results.losses if comparison is None else loss_change(comparison)


class Charts:
    """The IoU bars and loss histogram of one explorer, kept in sync with it both ways.

    Attributes
    ----------
    iou_figure, loss_figure
        The bqplot figures, to place elsewhere if you like.
    widget
        Both figures with the bars' sort toggle, as one ipywidgets box.
    iou_panel
        The IoU figure with its sort toggle: the explorer's panel ``"iou"`` (``loss_figure`` is
        its panel ``"loss"``).
    """

    def __init__(self, explorer: SegExplorer) -> None:
        self.explorer = explorer
        self._class_order = np.zeros(0, dtype=np.int64)
        self._edges = np.array([0.0, 1.0])
        self._syncing = False  # set while the charts echo explorer state, to ignore their events
        self.sort = widgets.ToggleButtons(
            options=[("worst IoU first", "iou"), ("best IoU first", "best"), ("by index", "class")],
            value="iou",
            description="sort bars",
            style={"button_width": "auto", "description_width": "auto"},
        )
        self.count = widgets.Dropdown(description="bars", layout=widgets.Layout(width="150px"))
        self.iou_figure, self.iou_bars = self._iou_figure()
        self.iou_scroll = widgets.Box(
            [self.iou_figure],
            layout=widgets.Layout(max_height=_SCROLL_HEIGHT, overflow="auto", width="100%"),
        )
        self.loss_figure, self.loss_bars, self.match_bars, self.brush = self._loss_figure()
        self.widget = widgets.VBox(
            [widgets.HBox([self.sort, self.count]), self.iou_scroll, self.loss_figure],
            layout=widgets.Layout(flex="1 1 320px", min_width="280px", max_width="560px"),
        )
        self.sort.observe(lambda _: self._draw_iou(), "value")
        self.count.observe(lambda _: self._draw_iou(), "value")
        self.iou_bars.observe(self._on_bar_click, "selected")
        self.brush.observe(self._on_brush, ["brushing", "selected"])
        explorer.observe(
            self._on_explorer, ["selected_cell", "loss_range", "slice", "tags", "direction"]
        )
        self.reliability: ReliabilityChart | None = None
        self.objects: ObjectsChart | None = None
        self.rebuild()
        # the explorer's panel area shows them (frame.py); the browser's canvas charts stand in
        # where no widget manager can
        self.iou_panel = widgets.VBox([self.widget.children[0], self.iou_scroll])
        explorer.add_panel("iou", "IoU", self.iou_panel, title="per-class IoU: click a bar")
        explorer.add_panel("loss", "loss", self.loss_figure, title="loss per image: drag to filter")
        self.reliability = ReliabilityChart(explorer)  # panel "calibration" (issue 21)
        self.objects = ObjectsChart(explorer)  # panel "objects" (issue 19)

    # -- building ---------------------------------------------------------------------------
    def _iou_figure(self) -> tuple[bq.Figure, bq.Bars]:
        # reversed: the first class (the worst, when sorted by IoU) at the top
        x, y = bq.OrdinalScale(reverse=True), bq.LinearScale(min=0.0, max=1.0)
        bars = bq.Bars(
            scales={"x": x, "y": y},
            interactions={"click": "select"},
            tooltip=bq.Tooltip(fields=["x", "y"], formats=["", ".3f"], labels=["class", "IoU"]),
            selected_style={"stroke": "black", "stroke-width": 2},
            stroke=_ALL_COLOR,
            orientation="horizontal",  # class names read left to right, however long
        )
        axes = [
            bq.Axis(scale=x, orientation="vertical", tick_style={"font-size": "11px"}),
            bq.Axis(scale=y, label="IoU", tick_format=".1f", num_ticks=5),
        ]
        figure = bq.Figure(
            marks=[bars], axes=axes, title="Per-class IoU · click a bar",
            fig_margin={"top": 36, "bottom": 44, "left": 120, "right": 16},
            layout=widgets.Layout(**_FIGURE_LAYOUT),
        )  # fmt: skip
        return figure, bars

    def _loss_figure(
        self,
    ) -> tuple[bq.Figure, bq.Bars, bq.Bars, bq.interacts.BrushIntervalSelector]:
        x, y = bq.LinearScale(), bq.LinearScale(min=0.0)
        every = bq.Bars(scales={"x": x, "y": y}, colors=[_ALL_COLOR], padding=0.05)
        matching = bq.Bars(scales={"x": x, "y": y}, colors=[_MATCH_COLOR], padding=0.05)
        brush = bq.interacts.BrushIntervalSelector(scale=x, marks=[every], color=_MATCH_COLOR)
        axes = [
            bq.Axis(scale=x, label="per-image loss", tick_format=".2f", num_ticks=6),
            bq.Axis(scale=y, orientation="vertical", label="images", tick_format="d"),
        ]
        figure = bq.Figure(
            marks=[every, matching], axes=axes, interaction=brush,
            title="Loss per image · drag to filter",
            fig_margin=_MARGIN, layout=widgets.Layout(**_FIGURE_LAYOUT),
        )  # fmt: skip
        return figure, every, matching, brush

    def rebuild(self) -> None:
        """Redraw the charts from the explorer's current ``Results``."""
        if self.reliability is not None:
            self.reliability.rebuild()
        if self.objects is not None:
            self.objects.rebuild()
        n_classes = self.explorer.results.n_classes
        sizes = [k for k in _BAR_COUNTS if k < n_classes]
        self.count.options = [(f"{k}", k) for k in sizes] + [(f"all {n_classes}", n_classes)]
        self.count.value = sizes[0] if sizes else n_classes
        self.count.layout.display = "" if sizes else "none"
        comparison = self.explorer.comparison
        losses = histogram_values(self.explorer)
        self._edges = loss_bins(losses)
        self.loss_figure.title = (
            f"Loss{'' if comparison is None else ' change'} per image · drag to filter"
        )
        self.loss_figure.axes[0].label = (
            "per-image loss"
            if comparison is None
            else f"per-image loss change ({' − '.join(comparison.names[::-1])})"
        )
        self._syncing = True
        try:
            self.brush.selected = None
            centers = (self._edges[:-1] + self._edges[1:]) / 2
            counts, _ = np.histogram(losses, bins=self._edges)
            self.loss_bars.x, self.loss_bars.y = centers, counts
        finally:
            self._syncing = False
        self._draw_iou()
        self._draw_matching()

    # -- drawing ----------------------------------------------------------------------------
    def _draw_iou(self) -> None:
        explorer = self.explorer
        results, spec, comparison = explorer.results, explorer.slice, explorer.comparison
        iou = metrics.iou((results.where(spec) if spec else results).confusion())
        if comparison is not None:  # the change of each class's IoU, B − A (in the slice)
            b = comparison.b.subset(slices.slice_indices(results, spec)) if spec else comparison.b
            iou = metrics.iou(b.confusion()) - iou
        classes = np.arange(iou.size)
        if self.sort.value == "class":
            order = classes
        else:  # by IoU, worst (or best) first; absent classes (NaN) last either way
            key = np.nan_to_num(-iou if self.sort.value == "best" else iou, nan=np.inf)
            order = np.lexsort((classes, key))
        order = order[: self.count.value or iou.size]
        self._class_order = order
        labels = [results.classes[c] + (" (absent)" if np.isnan(iou[c]) else "") for c in order]
        # every drawn bar keeps its label: the chart grows and scrolls instead of thinning them
        self.iou_figure.axes[0].tick_values = labels
        self.iou_figure.layout.height = f"{_CHART_MARGIN + _BAR_HEIGHT * len(labels)}px"
        with self.iou_bars.hold_sync():
            self.iou_bars.x = labels
            self.iou_bars.y = np.nan_to_num(iou[order], nan=0.0)
            if comparison is None:
                self.iou_bars.colors = [results.colors[c] for c in order]
            else:
                up = np.nan_to_num(iou[order]) >= 0
                self.iou_bars.colors = [_BETTER_COLOR if u else _WORSE_COLOR for u in up]
            self._style_iou(comparison.names if comparison else None, iou)
            self._highlight()

    def _style_iou(self, names: tuple[str, str] | None, values: NDArray[np.float64]) -> None:
        """Axis, scale and title: IoU in [0, 1], or a comparison's change on a symmetric scale."""
        scale = self.iou_bars.scales["y"]
        axis = self.iou_figure.axes[1]
        if names is None:
            scale.min, scale.max = 0.0, 1.0
            axis.label, self.iou_figure.title = "IoU", "Per-class IoU · click a bar"
            self.iou_bars.tooltip.labels = ["class", "IoU"]
            return
        self.iou_bars.tooltip.labels = ["class", "IoU change"]
        finite = np.abs(values[np.isfinite(values)])
        reach = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        scale.min, scale.max = -reach, reach
        axis.label = f"IoU change ({names[1]} − {names[0]})"
        self.iou_figure.title = "Per-class IoU change · click a bar"

    def _highlight(self) -> None:
        """Full opacity for the selected classes (both classes of a cell), dim for the rest."""
        cell = self.explorer.selected_cell
        chosen = set(cell) if cell is not None else set(self._class_order.tolist())
        self.iou_bars.opacities = [1.0 if c in chosen else _DIM for c in self._class_order]

    def _draw_matching(self) -> None:
        """The selected cell's images in the slice over the whole distribution (empty with
        neither a selection nor a slice)."""
        explorer = self.explorer
        cell = explorer.selected_cell
        centers = (self._edges[:-1] + self._edges[1:]) / 2
        counts = np.zeros(centers.size, dtype=np.int64)
        if cell is not None or explorer.slice:
            true, pred = (None, None) if cell is None else (cell[0], cell[1])
            comparison = explorer.comparison
            ranked = explorer._in_slice(
                explorer.results.rank(true, pred, by=explorer.order)
                if comparison is None
                else gallery_ranking(comparison, true, pred, explorer.direction, None)
            )
            values = histogram_values(explorer)[ranked.indices]
            counts, _ = np.histogram(values, bins=self._edges)
        self.match_bars.x, self.match_bars.y = centers, counts

    # -- events -----------------------------------------------------------------------------
    def _on_explorer(self, change: dict[str, Any]) -> None:
        if change["name"] in ("selected_cell", "direction"):
            self._highlight()
            self._draw_matching()
        elif change["name"] in ("slice", "tags"):
            self._draw_iou()
            self._draw_matching()
        elif change["new"] is None and self.brush.selected is not None:
            self._syncing = True  # loss_range cleared from elsewhere: clear the brush too
            try:
                self.brush.selected = None
            finally:
                self._syncing = False

    def _on_bar_click(self, change: dict[str, Any]) -> None:
        picked = change["new"]
        if self._syncing or picked is None or np.size(picked) == 0:
            return
        bar = _bar_index(picked, len(self._class_order))
        if bar is None:
            log.warning("segwidget: ignored a bar selection %s", summarize(picked))
        else:
            cls = int(self._class_order[bar])
            current = self.explorer.selected_cell
            self.explorer.selected_cell = None if current == [cls, cls] else (cls, cls)
        self._syncing = True  # bqplot's own selection state is not ours: reset it
        try:
            self.iou_bars.selected = None
        finally:
            self._syncing = False

    def _on_brush(self, _change: dict[str, Any]) -> None:
        if self._syncing or self.brush.brushing:
            return
        selected = self.brush.selected
        if selected is None or np.size(selected) == 0:
            self.explorer.loss_range = None
            return
        bounds = _brush_bounds(selected)
        if bounds is None:  # keep the filter that is set, and show it
            log.warning("segwidget: ignored a loss brush %s", summarize(selected))
            self._syncing = True
            try:
                self.brush.selected = self.explorer.loss_range
            finally:
                self._syncing = False
        else:
            self.explorer.loss_range = bounds


def _bar_index(picked: Any, n_bars: int) -> int | None:
    """The first selected bar's position, when it is one (bqplot sends integral numbers)."""
    first = np.asarray(picked).ravel()[:1]
    if first.size == 0 or first.dtype.kind not in "iuf":
        return None
    value = float(first[0])
    return int(value) if value.is_integer() and 0 <= value < n_bars else None


def _brush_bounds(selected: Any) -> tuple[float, float] | None:
    """The brushed interval, low end first, when it is two finite numbers."""
    bounds = np.asarray(selected).ravel()
    if bounds.size != 2 or bounds.dtype.kind not in "iuf":
        return None
    lo, hi = sorted(float(v) for v in bounds)
    return (lo, hi) if np.isfinite([lo, hi]).all() else None
