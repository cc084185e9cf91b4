"""Model, label or boundary? The region control and the confident order in JupyterLab.

On the shared demo explorer (the ``lab`` fixture; the demo's pass keeps boundary-band and
confident counts by default): choosing "interior only" in the header recolours the heatmap
(its pixels, and the clicked cell's pixel count in the tooltip, are the interior's) and the
gallery for a clicked cell equals ``Results.rank(t, p, region="interior")``; the order
"confident disagreements" equals ``rank(t, p, by="confident")``; the kernel's
``shown_indices`` follows both. Leaves a screenshot with the boundary region. The
offline report of the same explorer (``save_html``) does the same in the page alone.
"""

from __future__ import annotations

from typing import Any

import pytest
from checks import GALLERY, assert_gallery_matches, cell_center, click_cell, shot
from lab import WAIT, Lab, expect
from report_page import open_report

pytestmark = pytest.mark.browser

HEATMAP_PIXELS = """(c) => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 4) {
    h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 1000000007;
  }
  return h;
}"""
RESET = "explorer.selected_cell = None\nexplorer.region = 'all'\nexplorer.order = 'share'"


@pytest.fixture
def regions(lab: Lab):
    lab.nb.run(RESET)
    lab.expect_selected(None)
    yield lab
    lab.nb.run(RESET)  # the other modules' explorer as they expect it


def control(lab: Lab, name: str):
    return lab.root.locator(f'[data-testid="segwidget-control"][data-name="{name}"]')


def tooltip(lab: Lab, t: int, p: int) -> str:
    """The heatmap tooltip's text with the pointer on cell (t, p)."""
    x, y = cell_center(lab.page, lab.heatmap, t, p)
    lab.page.mouse.move(x, y)
    tip = lab.root.locator(".sw-tooltip")
    expect(tip).to_be_visible(timeout=WAIT)
    return tip.inner_text()


def test_interior_only_recolours_the_heatmap_and_ranks_the_gallery(regions: Lab) -> None:
    lab, nb = regions, regions.nb
    t, p = lab.cell
    counts = nb.value(
        f"emit(all=int(explorer.results.confusion()[{t}, {p}]),"
        f" interior=int(explorer.results.confusion(region='interior')[{t}, {p}]),"
        " share=explorer.results.boundary_error_share())"
    )
    assert 0 < counts["interior"] < counts["all"], counts
    stats = lab.root.locator(".sw-stats").inner_text()
    assert f"boundary: {100 * counts['share']:.1f}%" in stats, stats
    before = lab.heatmap.evaluate(HEATMAP_PIXELS)
    assert f"pixels: {counts['all']:,}" in tooltip(lab, t, p)

    control(lab, "region").select_option("interior")
    assert nb.wait_value("emit(region=explorer.region)", "region", "interior") == "interior"
    assert f"pixels: {counts['interior']:,}" in tooltip(lab, t, p)
    assert lab.heatmap.evaluate(HEATMAP_PIXELS) != before, "the heatmap did not change"

    click_cell(lab.page, lab.heatmap, t, p)
    lab.expect_selected((t, p))
    expected = lab.rank(f"explorer.results.rank({t}, {p}, region='interior')")
    assert expected["indices"] != lab.rank(f"explorer.results.rank({t}, {p})")["indices"]
    expect(lab.gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert_gallery_matches(lab.gallery, expected, "interior only")
    shown = nb.wait_value(
        "emit(shown=explorer.shown_indices)", "shown", until=lambda v: v == expected["indices"]
    )
    assert shown == expected["indices"], "explorer.shown_indices ignores the region"

    # the confident order: among all pixels, whatever the region (PROTOCOL.md)
    control(lab, "order").select_option("confident")
    expected = lab.rank(f"explorer.results.rank({t}, {p}, by='confident')")
    assert expected["indices"], "the demo has confident disagreements in its busiest cell"
    expect(lab.gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert_gallery_matches(lab.gallery, expected, "confident disagreements")
    shown = nb.wait_value(
        "emit(shown=explorer.shown_indices)", "shown", until=lambda v: v == expected["indices"]
    )
    assert shown == expected["indices"], "explorer.shown_indices ignores the confident order"

    # for the README: the boundary band of the same cell, by share
    control(lab, "order").select_option("share")
    control(lab, "region").select_option("boundary")
    expected = lab.rank(f"explorer.results.rank({t}, {p}, region='boundary')")
    expect(lab.gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert_gallery_matches(lab.gallery, expected, "boundary only")
    lab.page.mouse.move(0, 0)
    lab.page.wait_for_timeout(800)  # thumbnails painted
    shot(nb.cell(1), "regions-01-boundary")


def test_the_report_shows_regions_and_the_confident_order_offline(
    regions: Lab, pages: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    lab, nb = regions, regions.nb
    path = tmp_path_factory.mktemp("regions") / "report.html"
    nb.run(f"explorer.save_html({str(path)!r}, max_images=10)")
    opened = open_report(pages, "regions-report", path)
    try:
        t, p = lab.cell
        region = opened.root.locator('[data-testid="segwidget-control"][data-name="region"]')
        region.select_option("interior")
        opened.click_cell(t, p)
        expect(opened.root).to_have_attribute("data-selected-true", str(t), timeout=WAIT)
        gallery = opened.root.locator(GALLERY)
        expected = lab.rank(f"explorer.results.rank({t}, {p}, region='interior')")
        expect(gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
        assert_gallery_matches(gallery, expected, "report, interior only")
        order = opened.root.locator('[data-testid="segwidget-control"][data-name="order"]')
        order.select_option("confident")
        expected = lab.rank(f"explorer.results.rank({t}, {p}, by='confident')")
        expect(gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
        assert_gallery_matches(gallery, expected, "report, confident disagreements")
        assert opened.requests == [opened.path.as_uri()], "the report asked the network"
    finally:
        pages.close("regions-report")
