"""Objects in JupyterLab: the bqplot objects chart in the panel area and the gallery it orders.

On the shared demo explorer (its pass keeps objects by default): the "objects" panel is the
notebook's bqplot chart (``view/objects_chart.py``), per class a bar per size bin; clicking
pedestrian's "small" bar selects the class, the "missed objects" order and that size bin, and
the gallery then equals ``Results.rank_objects(t, by="missed", size=0)`` (``rank(t,
by="missed")`` restricted to that bin), as does the kernel's ``shown_indices``; the bars'
heights are ``object_table("coco")``'s recall; the caption gives the count of missed objects.
The chart's "terciles" button sets ``object_bins`` and a bar then ranks by that class's
terciles; the size buttons above the chart (its keyboard path) choose a bin the same way.
Opening the first image shows the detail's objects panel, whose ``data-missed`` and
``data-false`` are that image's missed truth objects and false predicted objects in
``objects()`` and ``false_objects()``. (The browser's own canvas chart, which stands in
where no widget manager can, is tested in the report: ``test_browser_objects_report.py``.)
"""

from __future__ import annotations

from typing import Any

import pytest
from checks import DETAIL, GALLERY, PANEL, assert_gallery_matches, assert_painted, shot, show_panel
from lab import WAIT, Lab, expect

pytestmark = pytest.mark.browser

RESET = (
    "explorer.selected_image = None\nexplorer.selected_cell = None\nexplorer.order = 'share'\n"
    "explorer.object_size = None\nexplorer.object_bins = 'coco'"
)


def _figure(lab: Lab) -> Any:
    """The objects panel shown: the bqplot figure in it."""
    show_panel(lab.root, "objects")
    figure = lab.nb.cell(1).locator(".bqplot.figure").filter(has_text="Object recall")
    expect(figure).to_have_count(1, timeout=WAIT)
    figure.scroll_into_view_if_needed()
    return figure


def _bar_index(lab: Lab, t: int, b: int) -> int:
    """The DOM position of class ``t``'s bar of size bin ``b`` among the figure's bars (the
    marks small, medium, large in turn, each its classes with objects in that bin)."""
    return int(
        lab.nb.value(
            f"ch = explorer.charts.objects\n"
            f"emit(k=sum(len(c) for c in ch.classes[:{b}]) + ch.classes[{b}].index({t}))"
        )["k"]
    )


@pytest.fixture
def objects(lab: Lab):
    lab.nb.run(RESET)
    lab.expect_selected(None)
    yield lab
    lab.nb.run(RESET)  # the other modules' explorer as they expect it


def test_a_size_bar_orders_the_gallery_by_missed_objects_of_that_bin(objects: Lab) -> None:
    lab, nb = objects, objects.nb
    t = lab.classes.index("pedestrian")
    figure = _figure(lab)
    bar = figure.locator("rect.bar").nth(_bar_index(lab, t, 0))
    heights = nb.value(
        f"tab = explorer.results.object_table('coco').loc['pedestrian']\n"
        f"ch = explorer.charts.objects\n"
        f"emit(recall=[None if r != r else r for r in tab['object_recall'].tolist()],"
        f" drawn=[float(m.y[ch.classes[b].index({t})]) if {t} in ch.classes[b] else None"
        f" for b, m in enumerate(ch.bars)])"
    )
    assert heights["drawn"] == heights["recall"], "the bars are object_table's recall"
    shot(lab.root.locator('[data-testid="segwidget-panelarea"]'), "objects-00-chart")
    bar.click()
    lab.expect_selected((t, t))
    assert nb.wait_value("emit(size=explorer.object_size)", "size", 0) == 0
    expected = lab.rank(f"explorer.results.rank_objects({t}, by='missed', size=0)")
    assert expected["indices"], "the demo misses small pedestrians"
    expect(lab.gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert_gallery_matches(lab.gallery, expected, "missed small pedestrians")
    shown = nb.wait_value(
        "emit(shown=explorer.shown_indices)", "shown", until=lambda v: v == expected["indices"]
    )
    assert shown == expected["indices"], "explorer.shown_indices ignores the objects chart"
    caption = lab.root.locator(".sw-gallery-heading").inner_text()
    missed = int(sum(expected["scores"]))
    assert f"{missed:,} missed objects of pedestrian (small" in caption, caption
    lab.page.mouse.move(0, 0)
    lab.page.wait_for_timeout(800)  # thumbnails painted
    shot(nb.cell(1), "objects-01-missed-small-pedestrians")

    first = expected["indices"][0]
    lab.root.locator(f'{GALLERY} [data-testid="segwidget-thumb"][data-index="{first}"]').click()
    detail = lab.root.locator(DETAIL)
    expect(detail).to_have_attribute("data-index", str(first), timeout=WAIT)
    counts = nb.value(
        f"o, f = explorer.results.objects(), explorer.results.false_objects()\n"
        f"emit(missed=int(o[o['image'] == {first}]['missed'].sum()),"
        f" false=int((f['image'] == {first}).sum()))"
    )
    assert counts["missed"] >= expected["scores"][0] > 0
    panel = detail.locator(f'{PANEL}[data-kind="objects"]')
    expect(panel).to_have_attribute("data-missed", str(counts["missed"]), timeout=WAIT)
    expect(panel).to_have_attribute("data-false", str(counts["false"]), timeout=WAIT)
    assert_painted(panel.locator("canvas"), f"image {first}: objects panel")
    shot(detail, "objects-02-detail")


def test_the_terciles_button_bins_each_class_by_its_own_thirds(objects: Lab) -> None:
    lab, nb = objects, objects.nb
    t = lab.classes.index("pedestrian")
    figure = _figure(lab)
    lab.nb.cell(1).locator(".segwidget-object-bins button", has_text="terciles").click()
    assert nb.wait_value("emit(bins=explorer.object_bins)", "bins", "terciles") == "terciles"
    expect(figure).to_contain_text("Object recall, terciles", timeout=WAIT)
    b = 2  # the upper third: the largest pedestrians
    figure.locator("rect.bar").nth(_bar_index(lab, t, b)).click()
    lab.expect_selected((t, t))
    assert nb.wait_value("emit(size=explorer.object_size)", "size", b) == b
    expected = lab.rank(
        f"explorer.results.rank_objects({t}, by='missed', size={b}, bins='terciles')"
    )
    expect(lab.gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert_gallery_matches(lab.gallery, expected, "missed pedestrians of the upper third")
    caption = lab.root.locator(".sw-gallery-heading").inner_text()
    assert "(upper third, ≥" in caption, caption
    shot(lab.nb.cell(1), "objects-03-terciles")
    # the keyboard's path: the class stays selected, the size buttons choose the bin
    middle = lab.nb.cell(1).locator(".segwidget-object-size button", has_text="middle third")
    middle.focus()
    lab.page.keyboard.press("Space")
    assert nb.wait_value("emit(size=explorer.object_size)", "size", 1) == 1
    expected = lab.rank(f"explorer.results.rank_objects({t}, by='missed', size=1, bins='terciles')")
    expect(lab.gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert_gallery_matches(lab.gallery, expected, "keyboard: missed pedestrians, middle third")
    area = lab.root.locator('[data-testid="segwidget-panelarea"]')
    area.locator(".sw-panelarea-body").evaluate("(b) => { b.scrollTop = b.scrollHeight; }")
    shot(area, "objects-04-chart-axis")  # the class names under the bars
