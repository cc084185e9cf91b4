"""The notebook's objects chart: bqplot, listed as the explorer's panel ``"objects"``.

Per class with truth objects in the slice shown, three bars: the object recall of its small,
medium and large objects (or of its lower, middle and upper third of sizes with
``object_bins="terciles"``); the counts in each bar's tooltip. Every number is
``Results.where(slice).object_table(bins=explorer.object_bins)``. Clicking a bar sets the
selected class, the order ``"missed"`` and ``object_size`` as the browser's own panel does
(``js/src/report/objects-chart.ts``, which stands in where no widget manager can); the
gallery then ranks that class's missed objects of that size bin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np
from numpy.typing import NDArray

from ..results.objects import COCO_LABELS
from .objects import BINNINGS

if TYPE_CHECKING:
    from ..results.core import Results
    from .widget import SegExplorer

PANEL = "objects"
# small / medium / large: vermillion, teal, blue (≥ 3:1 on light and dark, apart for protan
# and deutan eyes: tests/view/test_chart_colors.py); the browser's chart uses the same three
SIZE_COLORS = ("#d55e00", "#00897b", "#1976d2")
TERCILE_LABELS = ("lower third", "middle third", "upper third")
_TICKS = np.linspace(0.0, 1.0, 5)
_BLANK = "\u200b"  # zero-width: the ordinal keys of the outer bars and the gaps show no label


def table(results: Results, bins: str) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Per class and size bin (C × 3): truth objects and missed ones of ``results``
    (``Results.object_table(bins)``'s ``objects`` and ``missed`` columns)."""
    frame = results.object_table(bins)
    shape = (results.n_classes, 3)
    objects = np.asarray(frame["objects"], dtype=np.int64).reshape(shape)
    missed = np.asarray(frame["missed"], dtype=np.int64).reshape(shape)
    return objects, missed


def keys(name: str, k: int) -> list[str]:
    """The ordinal keys of the ``k``-th drawn class's three bars and the gap after them: the
    middle bar's key is the class name, so the axis labels each group once; the others are
    distinct zero-width strings (no visible label)."""
    return [_BLANK * (3 * k + 1), name, _BLANK * (3 * k + 2), _BLANK * (3 * k + 3)]


def legend(labels: tuple[str, ...]) -> str:
    """The bars' legend: a swatch in each bin's colour and the bin's fixed name."""
    swatch = (
        '<span style="display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;'
        'vertical-align:-1px;border:1px solid currentColor;background:{}"></span>{}'
    )
    return "".join(swatch.format(c, name) for c, name in zip(SIZE_COLORS, labels, strict=True))


def has_objects(explorer: SegExplorer) -> bool:
    """Whether the explorer shows one model's results with objects."""
    results = explorer._results
    if explorer._comparison is not None or results is None:
        return False
    return results.object_records is not None


class ObjectsChart:
    """The objects figure of one explorer with its size-bin switch, listed in its panel area
    while its results have objects (one model's)."""

    def __init__(self, explorer: SegExplorer) -> None:
        self.explorer = explorer
        self._syncing = False
        self.classes: list[list[int]] = [[], [], []]  # per bar mark: the class of each bar
        self.x, y = bq.OrdinalScale(), bq.LinearScale(min=0.0, max=1.0)
        self.tip = widgets.Label(layout=widgets.Layout(padding="2px 6px"))  # text, never HTML
        self.bars = [
            bq.Bars(
                scales={"x": self.x, "y": y},
                colors=[color],
                padding=0.1,
                interactions={"click": "select", "hover": "tooltip"},
                selected_style={"stroke": "currentColor", "stroke-width": 3},
                unselected_style={"opacity": 0.85},
                tooltip=self.tip,
            )
            for color in SIZE_COLORS
        ]
        self.axis_x = bq.Axis(scale=self.x, tick_rotate=-40, tick_style={"font-size": "11px"})
        axes = [
            self.axis_x,
            bq.Axis(scale=y, orientation="vertical", tick_format=".0%", tick_values=_TICKS),
        ]
        self.figure = bq.Figure(
            marks=self.bars,
            axes=axes,
            fig_margin={"top": 32, "bottom": 64, "left": 44, "right": 12},
            title_style={"font-size": "14px"},
            layout=widgets.Layout(height="280px", width="100%", min_width="280px"),
        )
        self.switch = widgets.ToggleButtons(
            options=[("COCO sizes", "coco"), ("terciles", "terciles")],
            value=explorer.object_bins,
            tooltips=["< 32², 32²–96², ≥ 96² px", "each class's own thirds of its object sizes"],
            description="size bins",
            style={"button_width": "auto"},
        )
        self.switch.add_class("segwidget-object-bins")
        self.legend = widgets.HTML()  # the bins' fixed names only: no user text
        self.legend.add_class("segwidget-object-legend")
        # the keyboard's path to a bar: a class chosen in the heatmap, then its size bin here
        self.size = widgets.ToggleButtons(
            options=[("all sizes", -1), *((label, b) for b, label in enumerate(COCO_LABELS))],
            value=-1,
            description="size",
            style={"button_width": "auto"},
        )
        self.size.add_class("segwidget-object-size")
        head = widgets.HBox([self.switch, self.legend], layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([head, self.size, self.figure])
        for b, mark in enumerate(self.bars):
            mark.observe(lambda change, b=b: self._on_click(b, change), "selected")
            mark.on_hover(lambda _mark, event, b=b: self._on_hover(b, event))
        self.switch.observe(self._on_switch, "value")
        self.size.observe(self._on_size, "value")
        watched = ["selected_cell", "slice", "tags", "order", "object_size", "object_bins"]
        explorer.observe(lambda _: self.draw(), watched)
        self.rebuild()

    def rebuild(self) -> None:
        """List or unlist the panel for the explorer's current results, and draw."""
        explorer = self.explorer
        listed = PANEL in [p["id"] for p in explorer.panels]
        if has_objects(explorer):
            if not listed:
                explorer.add_panel(
                    PANEL,
                    "objects",
                    self.widget,
                    title="per class: recall of small, medium and large objects; click a bar",
                )
            self.draw()
        elif listed:
            explorer.remove_panel(PANEL)

    def numbers(self) -> tuple[Results, NDArray[np.int64], NDArray[np.int64]]:
        """The slice shown and its per-class, per-bin objects and missed objects."""
        explorer = self.explorer
        results = explorer.results.where(explorer.slice) if explorer.slice else explorer.results
        return (results, *table(results, explorer.object_bins))

    def draw(self) -> None:
        """The bars of the slice shown, in the current size bins, the selection outlined."""
        explorer = self.explorer
        if not has_objects(explorer):
            return
        results, objects, missed = self.numbers()
        shown = [c for c in range(results.n_classes) if objects[c].sum() > 0]
        slots = {c: keys(str(results.classes[c]), k) for k, c in enumerate(shown)}
        domain = [key for c in shown for key in slots[c]][:-1]
        labels = COCO_LABELS if explorer.object_bins == "coco" else TERCILE_LABELS
        cell, size = explorer.selected_cell, explorer.object_size
        chosen = cell is not None and cell[0] == cell[1] and explorer.order == "missed"
        self._syncing = True
        try:
            self.x.domain = domain
            for b, mark in enumerate(self.bars):
                mine = [c for c in shown if objects[c, b] > 0]
                self.classes[b] = mine
                found = [(objects[c, b] - missed[c, b]) / objects[c, b] for c in mine]
                mark.x = [slots[c][b] for c in mine]
                mark.y = np.asarray(found, dtype=float)
                hit = chosen and size == b and cell is not None and cell[0] in mine
                mark.selected = [mine.index(cell[0])] if hit and cell is not None else None
            self.legend.value = legend(labels)
            what = "COCO sizes" if explorer.object_bins == "coco" else "terciles"
            self.figure.title = f"Object recall, {what} · click a bar"  # recall: found / all
            self.switch.value = explorer.object_bins
            self.size.options = [("all sizes", -1), *((label, b) for b, label in enumerate(labels))]
            shown_size = size if explorer.order == "missed" and size is not None else -1
            self.size.value = shown_size
        finally:
            self._syncing = False

    def describe(self, b: int, i: int) -> str:
        """The tooltip of bar ``i`` of size bin ``b``: class, bin, found, missed, all."""
        results, objects, missed = self.numbers()
        c = self.classes[b][i]
        labels = COCO_LABELS if self.explorer.object_bins == "coco" else TERCILE_LABELS
        n, lost = int(objects[c, b]), int(missed[c, b])
        return f"{results.classes[c]}, {labels[b]}: {n - lost:,} of {n:,} found, {lost:,} missed"

    def _on_hover(self, b: int, event: dict[str, Any]) -> None:
        i = event.get("data", {}).get("index") if isinstance(event, dict) else None
        if isinstance(i, int) and 0 <= i < len(self.classes[b]):
            self.tip.value = self.describe(b, i)

    def _on_click(self, b: int, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        chosen = change["new"]  # an array of bar indices, or None
        if chosen is None or len(chosen) == 0 or not 0 <= int(chosen[0]) < len(self.classes[b]):
            return
        c = self.classes[b][int(chosen[0])]
        with self.explorer.hold_trait_notifications():
            self.explorer.selected_cell = (c, c)
            self.explorer.order = "missed"
            self.explorer.object_size = b

    def _on_size(self, change: dict[str, Any]) -> None:
        """A size button: the "missed" order and that bin for the selected class (or cell)."""
        if self._syncing:
            return
        with self.explorer.hold_trait_notifications():
            if change["new"] == -1:
                self.explorer.object_size = None
            else:
                self.explorer.order = "missed"
                self.explorer.object_size = int(change["new"])

    def _on_switch(self, change: dict[str, Any]) -> None:
        if not self._syncing and change["new"] in BINNINGS:
            self.explorer.object_bins = change["new"]
