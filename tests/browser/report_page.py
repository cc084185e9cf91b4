"""An offline report opened from disk in Chromium with every network request aborted, and
the report's own controls driven through their DOM contract (the heatmap's ``data-rows``/
``data-cols``, ``data-origin-x/y``, ``data-cell-size``; the loss chart's
``data-x0/x1/lo/hi/range``). Shared by the report's browser tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks import HEATMAP, ROOT, show_panel
from lab import WAIT, expect

LOSS = '[data-testid="segwidget-report-loss"]'
ANY = re.compile(".*")


@dataclass
class Opened:
    page: Any
    path: Path
    requests: list[str] = field(default_factory=list)

    @property
    def root(self) -> Any:
        return self.page.locator(ROOT)

    def click_cell(self, t: int, p: int) -> None:
        """Click cell (t, p) where the DOM contract says it is drawn."""
        heatmap = self.root.locator(HEATMAP)
        ds = heatmap.evaluate(
            "(c) => [c.dataset.rows, c.dataset.cols, c.dataset.originX, c.dataset.originY,"
            " c.dataset.cellSize]"
        )
        rows, cols = json.loads(ds[0]), json.loads(ds[1])
        ox, oy, size = (float(v) for v in ds[2:])
        heatmap.scroll_into_view_if_needed()
        box = heatmap.bounding_box()
        x = box["x"] + ox + (cols.index(p) + 0.5) * size
        y = box["y"] + oy + (rows.index(t) + 0.5) * size
        self.page.mouse.move(x, y)
        self.page.mouse.click(x, y)

    def brush(self, start: float, end: float) -> tuple[list[float], float, float, float]:
        """Drag across the loss chart from ``start`` to ``end`` (fractions of its plot's
        width); returns the range it kept (data-range), its bins' ends and one pixel in
        the chart's units."""
        show_panel(self.root, "loss")
        chart = self.page.locator(LOSS)
        chart.scroll_into_view_if_needed()
        ds = chart.evaluate("(c) => [c.dataset.x0, c.dataset.x1, c.dataset.lo, c.dataset.hi]")
        x0, x1, lo, hi = (float(v) for v in ds)
        box = chart.bounding_box()
        y = box["y"] + box["height"] / 2
        a, b = box["x"] + x0 + start * (x1 - x0), box["x"] + x0 + end * (x1 - x0)
        self.page.mouse.move(a, y)
        self.page.mouse.down()
        self.page.mouse.move((a + b) / 2, y)
        self.page.mouse.move(b, y)
        self.page.mouse.up()
        self.page.wait_for_function("(c) => c.dataset.range !== 'null'", arg=chart.element_handle())
        return json.loads(chart.get_attribute("data-range")), lo, hi, (hi - lo) / (x1 - x0)


def open_report(pages: Any, name: str, path: Path, scheme: str = "light") -> Opened:
    """Open the report at ``path`` in a new page, every request but ``file://`` aborted
    (and recorded in ``requests``), once the heatmap is drawn."""
    page = pages.open(name)
    if scheme != "light":
        page.emulate_media(color_scheme=scheme)
    opened = Opened(page, path)

    def route(r: Any) -> None:
        opened.requests.append(r.request.url)
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    expect(opened.root.locator(HEATMAP)).to_have_attribute("data-cell-size", ANY, timeout=WAIT)
    return opened
