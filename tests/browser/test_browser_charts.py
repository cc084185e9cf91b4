"""The bqplot charts beside the widget, driven with the mouse in JupyterLab.

Runs in the same JupyterLab session and kernel as ``test_browser_lab.py`` (the ``lab``
fixture); each test starts with nothing selected.
"""

from __future__ import annotations

from typing import Any

import pytest
from checks import assert_gallery_matches, gallery_state, shot, show_panel
from lab import CELL, WAIT, Lab, expect

pytestmark = pytest.mark.browser


def _figure(lab: Lab, title: str) -> Any:
    show_panel(lab.root, "iou" if "IoU" in title else "loss")  # the explorer's panels
    figure = lab.nb.cell(1).locator(".bqplot.figure").filter(has_text=title)
    expect(figure).to_have_count(1)
    figure.scroll_into_view_if_needed()
    return figure


@pytest.mark.usefixtures("fresh")
def test_clicking_an_iou_bar_selects_its_class(lab: Lab) -> None:
    figure = _figure(lab, "Per-class IoU")
    bars = figure.locator("rect.bar")
    expect(bars).to_have_count(len(lab.classes), timeout=WAIT)
    worst = lab.nb.value(
        "import numpy as np\n"
        "emit(worst=int(np.nanargmin(explorer.class_table()['iou'].to_numpy())))"
    )["worst"]
    bars.first.click()  # bars are sorted worst IoU first
    lab.expect_selected((worst, worst))
    assert lab.nb.wait_value(CELL, "cell", [worst, worst]) == [worst, worst]
    expected = lab.rank(f"explorer.rank({worst}, {worst})")
    assert_gallery_matches(lab.gallery, expected, f"IoU bar of class {worst}")
    assert expected["scores"] == sorted(expected["scores"]), "worst IoU first"
    shot(lab.nb.cell(1), "lab-10-iou-bar-clicked")


@pytest.mark.usefixtures("fresh")
def test_loss_histogram_brush_filters_gallery(lab: Lab) -> None:
    figure = _figure(lab, "Loss per image")
    plot = figure.locator("svg.svg-figure rect.plotarea_background, svg rect.plotarea_events")
    box = (plot.first if plot.count() else figure).bounding_box()
    assert box is not None
    y = box["y"] + box["height"] * 0.5
    x0, x1 = box["x"] + box["width"] * 0.2, box["x"] + box["width"] * 0.55
    page = lab.page
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(x1, y, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "([g, n]) => Number(g.dataset.count) !== n",
        arg=[lab.gallery.element_handle(), lab.n_images],
        timeout=WAIT,
    )
    brushed = lab.nb.wait_value(
        "emit(range=explorer.loss_range)", "range", until=lambda v: v is not None
    )
    assert brushed is not None, "the brush did not set loss_range"
    seen = lab.nb.value(
        "emit(range=explorer.loss_range, shown=len(explorer.shown_indices),\n"
        "     **ranking(explorer.rank(loss_range=explorer.loss_range)))"
    )
    count = gallery_state(lab.gallery)["count"]
    assert count == seen["shown"], f"gallery shows {count}, Python {seen['shown']}"
    assert 0 < count < lab.n_images
    assert_gallery_matches(lab.gallery, seen, f"loss in {seen['range']}")
    shot(lab.nb.cell(1), "lab-06-loss-brushed")
    lab.nb.run("explorer.loss_range = None")
    expect(lab.gallery).to_have_attribute("data-count", str(lab.n_images), timeout=WAIT)
