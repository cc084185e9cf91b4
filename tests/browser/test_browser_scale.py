"""150 classes and thousands of images in JupyterLab: focus, zoom, pan, the IoU chart, the wire.

Runs in the shared JupyterLab session (the ``lab`` fixture). The module builds one
ADE20K-like explorer (150 classes, some absent) and drives it through the DOM contract
only: ``data-rows``/``data-cols``, ``data-origin-x/y`` and ``data-cell-size`` place every
click, and the gallery is checked against ``Results.rank`` computed in the same kernel.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from checks import (
    GALLERY,
    HEATMAP,
    ROOT,
    THUMB,
    assert_gallery_matches,
    gallery_state,
    shot,
    show_panel,
)
from lab import WAIT, Lab, expect

pytestmark = pytest.mark.browser

N_IMAGES = 2000
BUSIEST = """
import numpy as np
def busiest_drawn(results, rows, cols):
    images = np.diff(results.cell_index.ptr).reshape(results.n_classes, -1)
    best = max((images[t, p], t, p) for t in rows for p in cols if t != p)
    assert best[0] > 0, "no confusion among the drawn cells"
    return [int(best[1]), int(best[2])]
"""


@dataclass
class Big:
    lab: Lab
    index: int  # the notebook cell showing it
    root: Any

    @property
    def heatmap(self) -> Any:
        return self.root.locator(HEATMAP)

    @property
    def gallery(self) -> Any:
        return self.root.locator(GALLERY)

    def drawn(self) -> tuple[list[int], list[int]]:
        ds = self.heatmap.evaluate("(c) => [c.dataset.rows, c.dataset.cols]")
        return json.loads(ds[0]), json.loads(ds[1])

    def click(self, t: int, p: int) -> None:
        """Click cell (t, p) where the contract says it is drawn."""
        rows, cols = self.drawn()
        geo = self.heatmap.evaluate(
            "(c) => [Number(c.dataset.originX), Number(c.dataset.originY), "
            "Number(c.dataset.cellSize)]"
        )
        ox, oy, size = geo
        self.heatmap.scroll_into_view_if_needed()
        box = self.heatmap.bounding_box()
        x = box["x"] + ox + (cols.index(p) + 0.5) * size
        y = box["y"] + oy + (rows.index(t) + 0.5) * size
        self.lab.page.mouse.move(x, y)
        self.lab.page.mouse.click(x, y)


@pytest.fixture(scope="module")
def big(lab: Lab) -> Iterator[Big]:
    lab.nb.run(BUSIEST + "from sw_e2e import WireRecorder, ade_like")
    index, _ = lab.nb.run(
        f"scale = SegExplorer(results=ade_like({N_IMAGES}))\nwire = WireRecorder(scale)\nscale",
        timeout=180,
    )
    root = lab.nb.cell(index).locator(ROOT)
    expect(root.locator(GALLERY)).to_have_attribute("data-count", str(N_IMAGES), timeout=60_000)
    yield Big(lab, index, root)
    lab.nb.run("scale.close()")


def test_default_view_focuses_on_readable_cells(big: Big) -> None:
    lab = big.lab
    heatmap = big.heatmap
    expect(heatmap).to_have_attribute("data-classes", "150", timeout=WAIT)
    lab.page.wait_for_function(
        "(c) => JSON.parse(c.dataset.rows || '[]').length < 150", arg=heatmap.element_handle()
    )
    rows, cols = big.drawn()
    size = float(heatmap.get_attribute("data-cell-size"))
    assert size >= 10, f"default cells are {size} px"
    assert rows == cols and 8 <= len(rows) < 150
    # the browser's focus is Python's visible_classes, and it is the most confused classes
    seen = lab.nb.wait_value("emit(v=scale.visible_classes)", "v", rows)
    assert seen == rows
    assert lab.nb.value(f"emit(f=scale.focus({len(rows)}))")["f"] == rows
    shot(lab.nb.cell(big.index), "lab-11-150-classes-focused")


def test_clicking_a_focused_cell_ranks_like_results_rank(big: Big) -> None:
    rows, cols = big.drawn()
    t, p = big.lab.nb.value(f"emit(cell=busiest_drawn(scale.results, {rows}, {cols}))")["cell"]
    big.click(t, p)
    expect(big.root).to_have_attribute("data-selected-true", str(t), timeout=WAIT)
    expect(big.root).to_have_attribute("data-selected-pred", str(p), timeout=WAIT)
    expected = big.lab.nb.value(f"emit(**ranking(scale.rank({t}, {p})))")
    expect(big.gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert_gallery_matches(big.gallery, expected, f"150 classes, cell ({t}, {p})")
    shot(big.lab.nb.cell(big.index), "lab-12-150-classes-cell-selected")
    big.lab.nb.run("scale.selected_cell = None")


def test_zoom_then_pan_then_click_still_ranks_like_results_rank(big: Big) -> None:
    lab = big.lab
    lab.nb.run("scale.visible_classes = []")  # all 150: 2 px cells at fit, as many as fit
    lab.page.wait_for_function(
        "(c) => { const rows = JSON.parse(c.dataset.rows || '[]');"
        " return rows.length > 60 && rows.every((r, i) => r === i); }",
        arg=big.heatmap.element_handle(),
    )
    fit = float(big.heatmap.get_attribute("data-cell-size"))
    zoom = big.root.locator('[data-testid="segwidget-control"][data-name="zoom"]')
    zoom.select_option("8")
    lab.page.wait_for_function(
        "([c, fit]) => Number(c.dataset.cellSize) >= 8 * fit - 1",
        arg=[big.heatmap.element_handle(), fit],
    )
    assert lab.nb.wait_value("emit(z=scale.zoom)", "z", 8) == 8
    rows, _ = big.drawn()
    assert len(rows) < 150, "zoomed in, only part of the matrix is drawn"
    big.heatmap.hover()
    lab.page.mouse.wheel(0, 40 * float(big.heatmap.get_attribute("data-cell-size")))
    lab.page.wait_for_function(
        "([c, first]) => JSON.parse(c.dataset.rows)[0] !== first",
        arg=[big.heatmap.element_handle(), rows[0]],
    )
    rows, cols = big.drawn()
    assert rows[0] > 0, "the wheel panned the rows"
    t, p = lab.nb.value(f"emit(cell=busiest_drawn(scale.results, {rows}, {cols}))")["cell"]
    big.click(t, p)
    expect(big.root).to_have_attribute("data-selected-true", str(t), timeout=WAIT)
    expected = lab.nb.value(f"emit(**ranking(scale.rank({t}, {p})))")
    expect(big.gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert_gallery_matches(big.gallery, expected, f"zoomed and panned, cell ({t}, {p})")
    shot(big.lab.nb.cell(big.index), "lab-13-150-classes-zoomed")
    lab.nb.run("scale.selected_cell = None\nscale.zoom = 1")


def test_visible_classes_from_python_change_the_rows(big: Big) -> None:
    lab = big.lab
    lab.nb.run("scale.visible_classes = ['car', 'road', 'person', 'flag']")
    expected = lab.nb.value("emit(v=scale.visible_classes)")["v"]
    lab.page.wait_for_function(
        "([c, want]) => c.dataset.rows === want",
        arg=[big.heatmap.element_handle(), json.dumps(expected, separators=(",", ":"))],
    )
    assert big.drawn() == (expected, expected)
    assert float(big.heatmap.get_attribute("data-cell-size")) >= 20
    lab.nb.run("scale.focus(30)")


def test_iou_chart_labels_do_not_overlap(big: Big) -> None:
    show_panel(big.root, "iou")  # the figure is a panel of the explorer
    figure = big.lab.nb.cell(big.index).locator(".bqplot.figure").filter(has_text="Per-class IoU")
    expect(figure).to_have_count(1)
    expect(figure.locator("rect.bar")).to_have_count(25, timeout=WAIT)
    boxes = figure.evaluate(
        """(fig) => [...fig.querySelectorAll('g.axis')].map((axis) =>
             [...axis.querySelectorAll('g.tick text')]
               .filter((t) => t.textContent.trim() !== '')
               .map((t) => { const r = t.getBoundingClientRect();
                             return [r.left, r.top, r.right, r.bottom, t.textContent]; }))"""
    )
    labelled = max(boxes, key=len)
    assert len(labelled) == 25, f"every drawn bar is labelled: {len(labelled)}"
    for i, a in enumerate(labelled):
        for b in labelled[i + 1 :]:
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            assert overlap_x <= 0.5 or overlap_y <= 0.5, f"labels {a[4]!r} and {b[4]!r} overlap"


def test_scrolling_thousands_of_thumbnails_sends_the_stored_bytes_in_few_messages(
    big: Big,
) -> None:
    lab = big.lab
    lab.nb.run("scale.selected_cell = None\nwire.reset()")  # count from here
    gallery = big.gallery
    gallery.scroll_into_view_if_needed()
    ratios = []
    at_bottom = False
    while not at_bottom:  # the whole list, two screens at a time
        at_bottom = gallery.evaluate(
            "(g) => { g.scrollTop += 2 * g.clientHeight;"
            " return g.scrollTop + g.clientHeight >= g.scrollHeight - 1; }"
        )
        lab.page.wait_for_function(
            """(g) => {
              const shown = [...g.querySelectorAll('[data-testid="segwidget-thumb"]')]
                .filter((t) => t.offsetTop < g.scrollTop + g.clientHeight &&
                               t.offsetTop + t.offsetHeight > g.scrollTop);
              return shown.length > 0 && shown.every((t) => t.classList.contains('sw-loaded'));
            }""",
            arg=gallery.element_handle(),
            timeout=WAIT,
        )
        ratios.append(_tiles_per_visible(gallery))
    report = lab.nb.value("emit(**wire.report())")
    print(f"wire while scrolling {N_IMAGES} images: {report}; DOM tiles / visible: {ratios}")
    assert report["thumbnails"] >= 1000
    assert report["wire_bytes"] <= 1.1 * report["stored_bytes"], report
    assert report["messages"] <= math.ceil(report["thumbnails"] / 32), report
    assert report["distinct"] == report["thumbnails"], "a thumbnail was fetched twice"
    assert max(ratios) <= 1.5, f"tiles in the DOM per visible tile: {ratios}"
    expected = lab.nb.value("emit(**ranking(scale.rank()))")
    assert_gallery_matches(gallery, expected, "after scrolling")
    state = gallery_state(gallery)
    assert state["scrollTop"] > 0 and len(state["thumbs"]) > 0


def _tiles_per_visible(gallery: Any) -> float:
    counts = gallery.evaluate(
        f"""async (g) => {{
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          const tiles = [...g.querySelectorAll('{THUMB}')];
          const visible = tiles.filter((t) => t.offsetTop < g.scrollTop + g.clientHeight &&
                                              t.offsetTop + t.offsetHeight > g.scrollTop);
          return [tiles.length, visible.length];
        }}"""
    )
    return counts[0] / max(1, counts[1])
