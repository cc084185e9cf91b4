"""The comparison view in JupyterLab: the demo's early weights against its final ones.

Runs in the kernel of the ``lab`` fixture's notebook: one cell builds ``SegExplorer.compare``
of the demo and shows it; the tests drive it with the mouse and the header's controls (found
by the DOM contract) and hold the gallery to ``Comparison.rank`` in the kernel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from checks import (
    DETAIL,
    GALLERY,
    HEATMAP,
    PANEL,
    ROOT,
    THUMB,
    assert_gallery_matches,
    assert_painted,
    cell_center,
    click_cell,
    shot,
    wait_painted,
)
from lab import ANY_VALUE, WAIT, Lab, expect

pytestmark = pytest.mark.browser

# The colour under a cell's centre, in canvas pixels (the heatmap is drawn at the device ratio).
PIXEL = """
(canvas, [x, y]) => {
  const r = canvas.getBoundingClientRect();
  const k = canvas.width / r.width;
  const at = (v, from) => Math.floor((v - from) * k);
  const d = canvas.getContext("2d").getImageData(at(x, r.left), at(y, r.top), 1, 1).data;
  return [d[0], d[1], d[2]];
}
"""


@dataclass
class View:
    lab: Lab
    cell_index: int  # of the notebook cell that shows the comparison
    root: Any
    cell: tuple[int, int]  # a delta cell with images in both directions

    @property
    def gallery(self) -> Any:
        return self.root.locator(GALLERY)

    def control(self, name: str) -> Any:
        return self.root.locator(f'[data-testid="segwidget-control"][data-name="{name}"]')

    def rank(self, code: str) -> dict[str, Any]:
        return self.lab.rank(code)


@pytest.fixture(scope="module")
def view(lab: Lab) -> Iterator[View]:
    index, _ = lab.nb.run(
        "from sw_e2e import changed_both_ways, compare_demo\ncmp = compare_demo()\ncmp",
        timeout=300,
    )
    root = lab.nb.cell(index).locator(ROOT)
    expect(root).to_be_visible(timeout=60_000)
    expect(root.locator(HEATMAP)).to_have_attribute("data-cell-size", ANY_VALUE, timeout=WAIT)
    cell = lab.nb.value("emit(cell=changed_both_ways(cmp.comparison))")["cell"]
    yield View(lab, index, root, (cell[0], cell[1]))
    lab.nb.run("cmp.close()")  # the later modules' page has one explorer again


def test_comparison_header_and_gallery_with_nothing_selected(view: View) -> None:
    expect(view.control("model")).to_have_value("delta")
    expect(view.control("direction")).to_have_value("worse")
    header = view.root.locator(".sw-header")
    expect(header).to_contain_text("mean IoU (early → final)")
    summary = view.lab.nb.value("emit(**cmp.comparison_summary)")
    assert summary["mean_iou"][2] > 0.1  # the longer training is better overall
    expected = view.rank("cmp.rank()")
    assert expected == view.rank("cmp.comparison.rank(direction='worse')")
    assert_gallery_matches(view.gallery, expected, "comparison, nothing selected")
    wait_painted(view.lab.page, view.gallery.locator(f'{THUMB}[data-rank="0"] canvas'), "thumb")
    shot(view.lab.nb.cell(view.cell_index), "compare-01-view")


def test_delta_heatmap_is_red_where_b_confuses_more_and_blue_where_less(view: View) -> None:
    heatmap = view.root.locator(HEATMAP)
    assert_painted(heatmap, "delta heatmap", min_colors=8)
    grew, shrank = view.lab.nb.value(
        "g, s = cmp.comparison.most_changed(1)\n"
        "emit(cells=[[cmp.results.class_index(c.true), cmp.results.class_index(c.pred)]"
        " for c in (g[0], s[0])])"
    )["cells"]
    colour = {}
    for name, (t, p) in (("grew", grew), ("shrank", shrank)):
        x, y = cell_center(view.lab.page, heatmap, t, p)
        colour[name] = heatmap.evaluate(PIXEL, [x, y])
    r, _, b = colour["grew"]
    assert r > b, f"the most grown confusion is drawn red: {colour}"
    r, _, b = colour["shrank"]
    assert b > r, f"the most shrunk confusion is drawn blue: {colour}"


def test_delta_cell_click_then_direction_switch(view: View) -> None:
    t, p = view.cell
    page = view.lab.page
    click_cell(page, view.root.locator(HEATMAP), t, p)
    expect(view.root).to_have_attribute("data-selected-true", str(t), timeout=WAIT)
    expect(view.root).to_have_attribute("data-selected-pred", str(p), timeout=WAIT)
    assert view.lab.nb.wait_value("emit(cell=cmp.selected_cell)", "cell", [t, p]) == [t, p]
    worse = view.rank(f"cmp.comparison.rank({t}, {p}, 'worse')")
    assert view.rank(f"cmp.rank({t}, {p})") == worse
    assert len(worse["indices"]) >= 2 and all(s > 0 for s in worse["scores"])
    assert_gallery_matches(view.gallery, worse, f"delta cell ({t}, {p}), worse")
    assert view.lab.nb.value("emit(shown=cmp.shown_indices)")["shown"] == worse["indices"]
    shot(view.lab.nb.cell(view.cell_index), "compare-02-cell-worse")

    view.control("direction").select_option("better")
    got = view.lab.nb.wait_value("emit(d=cmp.direction)", "d", "better")
    assert got == "better", "the direction control did not reach Python"
    better = view.rank(f"cmp.comparison.rank({t}, {p}, 'better')")
    assert len(better["indices"]) >= 2 and all(s < 0 for s in better["scores"])
    expect(view.gallery).to_have_attribute("data-count", str(len(better["indices"])), timeout=WAIT)
    assert_gallery_matches(view.gallery, better, f"delta cell ({t}, {p}), better")
    assert view.lab.nb.value("emit(shown=cmp.shown_indices)")["shown"] == better["indices"]
    first = view.gallery.locator(f'{THUMB}[data-rank="0"]')
    expect(first).to_contain_text("early")  # both models' scores in the caption
    expect(first).to_contain_text("final")
    shot(view.lab.nb.cell(view.cell_index), "compare-03-cell-better")


def test_detail_shows_both_predictions_and_where_they_differ(view: View) -> None:
    detail = view.root.locator(DETAIL)
    first = view.gallery.locator(f'{THUMB}[data-rank="0"]')
    index = first.get_attribute("data-index")
    first.click()
    expect(detail).to_be_visible(timeout=WAIT)
    expect(detail).to_have_attribute("data-index", str(index))
    expect(detail).not_to_have_class(re.compile(r"\bsw-loading\b"), timeout=WAIT)
    panels = detail.locator(PANEL)
    expect(panels).to_have_count(5)
    kinds = [panels.nth(i).get_attribute("data-kind") for i in range(5)]
    assert kinds == ["image", "truth", "prediction", "prediction-b", "difference"]
    for i, kind in enumerate(kinds):
        wait_painted(view.lab.page, panels.nth(i).locator("canvas"), f"{kind} panel")
    # the difference panel differs from A's prediction panel: it marks other pixels
    a, diff = (panels.nth(i).locator("canvas").evaluate("(c) => c.toDataURL()") for i in (2, 4))
    assert a != diff
    pixels = view.lab.nb.value(
        f"import numpy as np\nc = cmp.comparison\ni = {index}\n"
        "a, b = (r.images.view(i) for r in (c.a, c.b))\n"
        "valid = a.truth != 255\n"
        "emit(differ=int(((a.prediction != b.prediction) & valid).sum()))"
    )
    assert pixels["differ"] > 0, "the image shown has pixels where the two models differ"
    shot(view.lab.nb.cell(view.cell_index), "compare-04-detail")


def test_model_control_shows_one_model(view: View) -> None:
    view.control("model").select_option("A")
    assert view.lab.nb.wait_value("emit(m=cmp.model)", "m", "A") == "A"
    legend = view.root.locator(".sw-legend-title")
    expect(legend).to_contain_text("early")
    view.control("model").select_option("delta")
    assert view.lab.nb.wait_value("emit(m=cmp.model)", "m", "delta") == "delta"
    expect(legend).to_contain_text("red: final worse")
    data = json.dumps(view.lab.nb.value("emit(names=cmp.comparison_summary['names'])"))
    assert "early" in data and "final" in data


def test_selection_and_direction_set_from_python_drive_the_view(view: View) -> None:
    view.lab.nb.run(
        "cmp.selected_image = None\ncmp.selected_cell = ('pole', 'tree')\ncmp.direction = 'worse'"
    )
    t, p = (
        view.lab.nb.value(f"emit(c=cmp.results.class_index({n!r}))")["c"] for n in ("pole", "tree")
    )
    expect(view.root).to_have_attribute("data-selected-true", str(t), timeout=WAIT)
    expect(view.root).to_have_attribute("data-selected-pred", str(p), timeout=WAIT)
    expect(view.control("direction")).to_have_value("worse", timeout=WAIT)
    expect(view.root.locator(DETAIL)).to_be_hidden(timeout=WAIT)
    expected = view.rank(f"cmp.comparison.rank({t}, {p}, 'worse')")
    assert len(expected["indices"]) > 20  # final calls poles tree in many images (28)
    expect(view.gallery).to_have_attribute(
        "data-count", str(len(expected["indices"])), timeout=WAIT
    )
    assert_gallery_matches(view.gallery, expected, "pole → tree, worse, set from Python")
    for rank in range(3):
        wait_painted(
            view.lab.page, view.gallery.locator(f'{THUMB}[data-rank="{rank}"] canvas'), "thumb"
        )
    output = view.lab.nb.cell(view.cell_index).locator(".jp-Cell-outputWrapper")
    output.scroll_into_view_if_needed()
    shot(output, "compare-05-from-python")
