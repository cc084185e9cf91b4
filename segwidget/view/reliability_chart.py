"""The notebook's reliability chart: bqplot, listed as the explorer's panel ``"calibration"``.

Accuracy per confidence bin (bars), the gap to the diagonal shaded, mean confidence per bin
(dots), the pixels per bin below; of the explorer's slice and of the selected cell's
*predicted* class (calibration is counted by predicted class). Clicking a bin sets the order
``"overconfident"`` and ``calibration_bin``: the gallery ranks that bin's wrong pixels. Every
number is ``Results.calibration`` / ``ece`` / ``mce`` of ``Results.where(slice)``; the
browser's own panel (``js/src/view/reliability.ts``) stands in where no widget manager can.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from .calibration import ORDER, has_calibration

if TYPE_CHECKING:
    from .widget import SegExplorer

PANEL = "calibration"
_ACCURACY, _GAP, _COUNT = "#1976d2", "#e65100", "#757575"  # blue / orange: not red-green
_LAYOUT = {"width": "100%", "min_width": "280px"}


class ReliabilityChart:
    """The reliability figures of one explorer, listed in its panel area while it has
    calibration counts (one model's)."""

    def __init__(self, explorer: SegExplorer) -> None:
        self.explorer = explorer
        self._syncing = False
        x, y = bq.LinearScale(min=0.0, max=1.0), bq.LinearScale(min=0.0, max=1.0)
        self.x, self.count_x = x, bq.LinearScale(min=0.0, max=1.0)
        self.accuracy = bq.Bars(
            scales={"x": x, "y": y},
            colors=[_ACCURACY],
            opacities=[0.85],
            align="left",
            interactions={"click": "select"},
            selected_style={"stroke": "black", "stroke-width": 2},
            tooltip=bq.Tooltip(
                fields=["x", "y"], formats=[".3f", ".3f"], labels=["bin from", "acc"]
            ),
        )
        self.gap = bq.Lines(
            scales={"x": x, "y": y},
            fill="between",
            colors=[_GAP, _GAP],
            fill_colors=[_GAP],
            fill_opacities=[0.4],
        )
        self.confidence = bq.Scatter(scales={"x": x, "y": y}, colors=["black"], default_size=24)
        diagonal = bq.Lines(
            x=[0, 1], y=[0, 1], scales={"x": x, "y": y}, colors=["#616161"], line_style="dashed"
        )
        axes = [
            bq.Axis(scale=x, label="confidence (last bin: exactly 1)", tick_format=".1f"),
            bq.Axis(scale=y, orientation="vertical", label="accuracy", tick_format=".1f"),
        ]
        self.figure = bq.Figure(
            marks=[self.accuracy, self.gap, diagonal, self.confidence],
            axes=axes,
            fig_margin={"top": 36, "bottom": 44, "left": 48, "right": 12},
            layout=widgets.Layout(height="260px", **_LAYOUT),
        )
        cx, cy = self.count_x, bq.LinearScale(min=0.0)
        self.counts = bq.Bars(scales={"x": cx, "y": cy}, colors=[_COUNT], align="left")
        self.count_figure = bq.Figure(
            marks=[self.counts],
            axes=[bq.Axis(scale=cy, orientation="vertical", label="pixels", num_ticks=3)],
            fig_margin={"top": 4, "bottom": 8, "left": 48, "right": 12},
            layout=widgets.Layout(height="110px", **_LAYOUT),
        )
        self.widget = widgets.VBox([self.figure, self.count_figure])
        self.accuracy.observe(self._on_click, "selected")
        explorer.observe(
            lambda _: self.draw(), ["selected_cell", "slice", "tags", "order", "calibration_bin"]
        )
        self.rebuild()

    def rebuild(self) -> None:
        """List or unlist the panel for the explorer's current results, and draw."""
        explorer = self.explorer
        listed = PANEL in [p["id"] for p in explorer.panels]
        if has_calibration(explorer._results, explorer._comparison):
            if not listed:
                explorer.add_panel(
                    PANEL,
                    "calibration",
                    self.widget,
                    title="reliability: accuracy against confidence; click a bin",
                )
            self.draw()
        elif listed:
            explorer.remove_panel(PANEL)

    def draw(self) -> None:
        """The reliability of the slice shown and of the selection's predicted class."""
        explorer = self.explorer
        if not has_calibration(explorer._results, explorer._comparison):
            return
        results = explorer.results.where(explorer.slice) if explorer.slice else explorer.results
        cell = explorer.selected_cell
        cls = None if cell is None else results.class_index(cell[1])
        table = results.calibration(by_class=cls is not None)
        if cls is not None:
            table = table[table["class"] == results.classes[cls]]
        n_bins = len(table) - 1
        width = 1.0 / n_bins  # at their confidences; the slot of exactly 1 drawn right of 1
        left = np.arange(n_bins + 1) * width
        acc = table["accuracy"].to_numpy(dtype=float)
        conf = table["confidence"].to_numpy(dtype=float)
        steps = np.repeat(left, 2) + np.tile([0.0, width], n_bins + 1)
        ece = results.ece(cls)
        self._syncing = True
        try:
            self.x.max = self.count_x.max = 1.0 + width
            self.accuracy.x, self.accuracy.y = left, np.nan_to_num(acc)
            self.counts.x, self.counts.y = left, table["count"].to_numpy(dtype=float)
            self.gap.x = steps
            self.gap.y = [np.repeat(np.nan_to_num(acc), 2), np.repeat(np.nan_to_num(conf), 2)]
            full = ~np.isnan(conf)
            self.confidence.x, self.confidence.y = left[full] + width / 2, conf[full]
            chosen = explorer.calibration_bin if explorer.order == ORDER else None
            self.accuracy.selected = None if chosen is None else [int(chosen)]
            of = "all valid pixels" if cls is None else f"pixels predicted {results.classes[cls]}"
            shown = "–" if math.isnan(ece) else f"{100 * ece:.1f}%"
            self.figure.title = f"Reliability · ECE {shown} · {of} · click a bin"
        finally:
            self._syncing = False

    def _on_click(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        chosen = change["new"]
        with self.explorer.hold_trait_notifications():
            self.explorer.order = ORDER
            self.explorer.calibration_bin = int(chosen[0]) if chosen else None
