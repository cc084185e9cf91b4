"""The offline report of a comparison (the demo's early weights against its final ones),
opened from disk in Chromium with every network request aborted. Driven through the DOM
contract (``report_page.py``), the gallery is held to ``Comparison.rank`` and, under the
loss-change brush, to ``widget_compare.gallery_ranking``, computed here; the report's own
charts to the comparison's numbers (IoU change per class, loss change per image).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from checks import (
    DETAIL,
    GALLERY,
    PANEL,
    THUMB,
    assert_gallery_matches,
    shot,
    show_panel,
    wait_painted,
)
from lab import WAIT, expect
from report_page import ANY, LOSS, Opened, open_report
from sw_e2e import changed_both_ways, compare_demo, ranking

from segwidget.results import metrics
from segwidget.results.comparison import Comparison
from segwidget.view.charts import loss_bins
from segwidget.view.compare import gallery_ranking, loss_change

pytestmark = pytest.mark.browser

MAX_IMAGES = 40  # of the demo's 160: some detail views open at thumbnail size
IOU = '[data-testid="segwidget-report-iou"]'


@pytest.fixture(scope="module")
def report(pages: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Opened, Any]]:
    explorer = compare_demo()
    try:
        path = explorer.save_html(
            tmp_path_factory.mktemp("compare") / "compare.html", max_images=MAX_IMAGES
        )
        comparison = explorer.comparison
    finally:
        explorer.close()
    opened = open_report(pages, "report-compare", path)
    yield opened, comparison
    pages.close("report-compare")


def _control(opened: Opened, name: str) -> Any:
    return opened.root.locator(f'[data-testid="segwidget-control"][data-name="{name}"]')


def test_opens_offline_with_both_models_and_the_changes_charted(
    report: tuple[Opened, Comparison],
) -> None:
    opened, comparison = report
    expect(_control(opened, "direction")).to_have_value("worse", timeout=WAIT)
    expect(opened.root.locator(".sw-header")).to_contain_text("mean IoU (early → final)")
    gallery = opened.root.locator(GALLERY)
    expect(gallery).to_have_attribute("data-count", str(comparison.n_images), timeout=WAIT)
    assert_gallery_matches(gallery, ranking(comparison.rank()), "comparison, nothing selected")
    # the IoU bars: each class's change B − A, exactly as the kernel computes it
    show_panel(opened.root, "iou")
    bars = opened.page.locator(IOU)
    expect(bars).to_have_attribute("data-kind", "iou-change")
    expect(opened.page.locator(".swr-iou h2")).to_contain_text("IoU change (final − early)")
    change = metrics.iou(comparison.b.confusion()) - metrics.iou(comparison.a.confusion())
    shown = bars.evaluate(
        "(b) => [...b.querySelectorAll('.swr-bar')].map((r) => [+r.dataset.class, r.dataset.value])"
    )
    assert len(shown) == min(comparison.n_classes, 25)
    for c, value in shown:
        want = float(change[c])
        got = float(value)
        assert got == want or (math.isnan(got) and math.isnan(want)), (c, got, want)
    # a symmetric scale: the largest |change| reaches one end of the track
    assert float(bars.get_attribute("data-reach")) == float(np.nanmax(np.abs(change)))
    # the histogram: every image's loss change, in the notebook's bins
    edges = loss_bins(loss_change(comparison))
    show_panel(opened.root, "loss")
    chart = opened.page.locator(LOSS)
    expect(chart).to_have_attribute("data-hi", ANY)
    bounds = chart.evaluate("(c) => [c.dataset.lo, c.dataset.hi]")
    assert [float(v) for v in bounds] == [edges[0], edges[-1]]
    assert "loss change (final − early)" in chart.get_attribute("aria-label")
    assert opened.requests == [opened.path.as_uri()], "the report asked the network for something"
    shot(opened.page, "report-compare-01-opened")


def test_delta_cell_click_then_direction_switch(report: tuple[Opened, Comparison]) -> None:
    opened, comparison = report
    t, p = changed_both_ways(comparison)
    opened.click_cell(t, p)
    expect(opened.root).to_have_attribute("data-selected-true", str(t), timeout=WAIT)
    expect(opened.root).to_have_attribute("data-selected-pred", str(p), timeout=WAIT)
    gallery = opened.root.locator(GALLERY)
    worse = ranking(comparison.rank(t, p, "worse"))
    assert len(worse["indices"]) >= 2 and all(s > 0 for s in worse["scores"])
    expect(gallery).to_have_attribute("data-count", str(len(worse["indices"])), timeout=WAIT)
    assert_gallery_matches(gallery, worse, f"report, delta cell ({t}, {p}), worse")
    show_panel(opened.root, "loss")
    chart = opened.page.locator(LOSS)
    expect(chart).to_have_attribute("data-matching", str(len(worse["indices"])))
    _control(opened, "direction").select_option("better")
    better = ranking(comparison.rank(t, p, "better"))
    assert len(better["indices"]) >= 2 and all(s < 0 for s in better["scores"])
    expect(gallery).to_have_attribute("data-count", str(len(better["indices"])), timeout=WAIT)
    assert_gallery_matches(gallery, better, f"report, delta cell ({t}, {p}), better")
    expect(chart).to_have_attribute("data-matching", str(len(better["indices"])))
    shot(opened.page, "report-compare-02-cell-better")


def _open_detail(opened: Opened, index: int) -> Any:
    opened.root.locator(f"{THUMB}[data-index='{index}']").click()
    detail = opened.root.locator(DETAIL)
    expect(detail).to_have_attribute("data-index", str(index), timeout=WAIT)
    expect(detail).not_to_have_class(re.compile(r"\bsw-loading\b"), timeout=WAIT)
    panels = detail.locator(PANEL)
    expect(panels).to_have_count(5)
    kinds = [panels.nth(i).get_attribute("data-kind") for i in range(5)]
    assert kinds == ["image", "truth", "prediction", "prediction-b", "difference"]
    for i, kind in enumerate(kinds):
        wait_painted(opened.page, panels.nth(i).locator("canvas"), f"detail {index}: {kind}")
    a, diff = (panels.nth(i).locator("canvas").evaluate("(c) => c.toDataURL()") for i in (2, 4))
    assert a != diff, "the difference panel marks other pixels than A's prediction"
    return detail


def test_detail_views_show_both_predictions_and_their_difference(
    report: tuple[Opened, Comparison],
) -> None:
    opened, comparison = report
    t, p = changed_both_ways(comparison)
    shown = comparison.rank(t, p, "better").indices[:12].tolist()
    by_loss = comparison.a.rank().indices[:MAX_IMAGES].tolist()  # the embedded ones
    for index in (
        next(i for i in shown if i in by_loss),
        next(i for i in shown if i not in by_loss),
    ):
        detail = _open_detail(opened, index)
        embedded = index in by_loss
        assert ("thumbnail size" in detail.inner_text()) != embedded
        if embedded:
            shot(opened.page, "report-compare-03-detail")
        opened.page.keyboard.press("Escape")
        expect(detail).to_be_hidden(timeout=WAIT)


def test_the_brush_keeps_a_range_of_loss_change(report: tuple[Opened, Comparison]) -> None:
    opened, comparison = report
    t, p = changed_both_ways(comparison)
    full = comparison.rank(t, p, "better")
    change = loss_change(comparison)
    edges = loss_bins(change)
    # from the left end to the median change of the gallery's images: about half of them kept
    middle = float(np.median(change[full.indices]))
    kept, lo, hi, step = opened.brush(0.0, (middle - edges[0]) / (edges[-1] - edges[0]))
    assert (lo, hi) == (edges[0], edges[-1])
    assert abs(kept[0] - lo) < 2 * step and abs(kept[1] - middle) < 2 * step
    expected = ranking(gallery_ranking(comparison, t, p, "better", (kept[0], kept[1])))
    assert 0 < len(expected["indices"]) < len(full)
    gallery = opened.root.locator(GALLERY)
    expect(gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert_gallery_matches(gallery, expected, "report, delta cell, better, loss-change range")
    expect(opened.root).to_contain_text("loss change in")
    shot(opened.page, "report-compare-04-loss-change")
    opened.root.get_by_text("clear loss filter").click()
    show_panel(opened.root, "loss")
    expect(opened.page.locator(LOSS)).to_have_attribute("data-range", "null", timeout=WAIT)
    expect(gallery).to_have_attribute("data-count", str(len(full)), timeout=WAIT)


def test_an_iou_change_bar_selects_its_class(report: tuple[Opened, Comparison]) -> None:
    opened, comparison = report
    sizes = [len(comparison.rank(c, c, "better")) for c in range(comparison.n_classes)]
    c = int(np.argmax(sizes))
    show_panel(opened.root, "iou")
    opened.page.locator(f'{IOU} .swr-bar[data-class="{c}"]').click()
    expect(opened.root).to_have_attribute("data-selected-true", str(c), timeout=WAIT)
    expect(opened.root).to_have_attribute("data-selected-pred", str(c), timeout=WAIT)
    expected = ranking(comparison.rank(c, c, "better"))
    gallery = opened.root.locator(GALLERY)
    expect(gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert_gallery_matches(gallery, expected, f"report, IoU-change bar of class {c}, better")
    assert opened.requests == [opened.path.as_uri()]
