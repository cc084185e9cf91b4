"""Objects in JupyterLab: the objects chart in the panel area and the gallery it orders.

On the shared demo explorer (its pass keeps objects by default): the "objects" panel lists,
per class, a bar per COCO size bin; clicking pedestrian's "small" bar selects the class,
the "missed objects" order and that size bin, and the gallery then equals
``Results.rank_objects(t, by="missed", size=0)`` (``rank(t, by="missed")`` restricted to
that bin), as does the kernel's ``shown_indices``; the bar's counts are
``object_table("coco")``'s; the caption gives the count of missed objects. Opening the first
image shows the detail's objects panel, whose ``data-missed`` and ``data-false`` are that
image's missed truth objects and false predicted objects in ``objects()`` and
``false_objects()``.
"""

from __future__ import annotations

import pytest
from checks import DETAIL, GALLERY, PANEL, assert_gallery_matches, assert_painted, shot
from lab import WAIT, Lab, expect

pytestmark = pytest.mark.browser

RESET = (
    "explorer.selected_image = None\nexplorer.selected_cell = None\nexplorer.order = 'share'\n"
    "explorer.object_size = None"
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
    lab.root.locator('[data-testid="segwidget-panel-tab"][data-panel="objects"]').click()
    bar = lab.root.locator(f'[data-testid="segwidget-object-bar"][data-class="{t}"][data-size="0"]')
    expect(bar).to_be_visible(timeout=WAIT)
    table = nb.value(
        "tab = explorer.results.object_table('coco').loc['pedestrian']\n"
        "emit(objects=tab['objects'].tolist(), missed=tab['missed'].tolist())"
    )
    assert bar.get_attribute("data-objects") == str(table["objects"][0])
    assert bar.get_attribute("data-missed") == str(table["missed"][0])
    bar.click()
    lab.expect_selected((t, t))
    expect(bar).to_have_attribute("aria-pressed", "true", timeout=WAIT)
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
