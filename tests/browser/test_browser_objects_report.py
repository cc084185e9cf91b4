"""The objects chart in the offline report (the widget's own canvas panel, no kernel, the
network blocked): its bars' counts equal ``Results.object_table``; a click on a size bar, and
the keyboard's path (arrows, Enter), order the gallery as ``Results.rank_objects(t,
by="missed", size=b)`` (``rank(t, by="missed")`` restricted to that bin); the bins' select
switches to terciles, and under a slice the bars and the gallery are those of the slice's own
terciles (``Results.subset``), computed in the page with no round trip.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from checks import GALLERY, assert_gallery_matches, close_filters, open_filters, shot, show_panel
from lab import WAIT, expect
from objects_fixture import build_results
from report_page import open_report

from segwidget.results import slices

pytestmark = pytest.mark.browser

CHART = '[data-testid="segwidget-objects-chart"]'
BINS = '[data-testid="segwidget-control"][data-name="object_bins"]'


def _results() -> Any:
    results = build_results()
    results.metadata = {"site": np.array(["depot", "yard", "pier"] * (results.n_images // 3))}
    return results


def _bars(chart: Any) -> list[list[int]]:
    return json.loads(chart.get_attribute("data-bars"))


def _table(results: Any, bins: str) -> dict[tuple[int, int], list[int]]:
    frame = results.object_table(bins)
    objects = frame["objects"].to_numpy().reshape(-1, 3)
    missed = frame["missed"].to_numpy().reshape(-1, 3)
    return {
        (c, b): [int(objects[c, b]), int(missed[c, b])]
        for c in range(results.n_classes)
        for b in range(3)
        if objects[c].sum() > 0
    }


def _click_bar(page: Any, chart: Any, c: int, b: int) -> None:
    bar = next(x for x in _bars(chart) if x[0] == c and x[1] == b)
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    row = float(chart.get_attribute("data-row"))
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + bar[4] + row / 2)


def _as_list(positions: np.ndarray, ranked: Any) -> dict[str, list[Any]]:
    return {"indices": positions[ranked.indices].tolist(), "scores": ranked.scores.tolist()}


def test_size_bars_rank_the_gallery_offline_by_click_keyboard_and_slice(
    pages: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    results = _results()
    every = np.arange(results.n_images)
    path = results.save_html(tmp_path_factory.mktemp("objects") / "objects.html")
    opened = open_report(pages, "report-objects", path)
    try:
        page, root = opened.page, opened.root
        gallery = root.locator(GALLERY)
        show_panel(root, "objects")
        chart = root.locator(CHART)
        expect(chart).to_be_visible(timeout=WAIT)
        drawn = {(c, b): [n, m] for c, b, n, m, _ in _bars(chart)}
        assert drawn == _table(results, "coco")

        # a click on class 3's small bar: its missed small objects, most first
        _click_bar(page, chart, 3, 0)
        expect(root).to_have_attribute("data-selected-true", "3", timeout=WAIT)
        expected = _as_list(every, results.rank_objects(3, by="missed", size=0))
        assert expected["indices"], "class 3 has missed small objects"
        expect(gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
        assert_gallery_matches(gallery, expected, "report, missed small objects of class 3")
        shot(page, "report-objects-01-small-bar")

        # the keyboard's path: focus, arrows to class 1's medium bar, Enter
        chart.focus()
        order = [(x[0], x[1]) for x in _bars(chart)]
        at = order.index((int(chart.get_attribute("data-focus-class")),
                          int(chart.get_attribute("data-focus-size"))))  # fmt: skip
        target = order.index((1, 1))
        for _ in range(abs(target - at)):
            page.keyboard.press("ArrowDown" if target > at else "ArrowUp")
        expect(chart).to_have_attribute("data-focus-class", "1")
        expect(chart).to_have_attribute("data-focus-size", "1")
        page.keyboard.press("Enter")
        expect(root).to_have_attribute("data-selected-true", "1", timeout=WAIT)
        expected = _as_list(every, results.rank_objects(1, by="missed", size=1))
        expect(gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
        assert_gallery_matches(gallery, expected, "report, keyboard, missed medium of class 1")
        shot(chart, "report-objects-02-keyboard-focus")

        # terciles, then a slice: the slice's own terciles, in the page
        root.locator(BINS).select_option("terciles")
        expect(chart).to_have_attribute("data-binning", "terciles", timeout=WAIT)
        assert {(c, b): [n, m] for c, b, n, m, _ in _bars(chart)} == _table(results, "terciles")
        open_filters(root)
        root.locator('.sw-chip[data-column="site"][data-value="depot"]').click()
        close_filters(root)
        positions = slices.slice_indices(results, {"site": ["depot"]})
        part = results.subset(positions)
        page.wait_for_function(
            "([c, n]) => JSON.parse(c.dataset.bars).reduce((s, b) => s + b[2], 0) === n",
            arg=[chart.element_handle(), int(part.object_table("terciles")["objects"].sum())],
            timeout=WAIT,
        )
        assert {(c, b): [n, m] for c, b, n, m, _ in _bars(chart)} == _table(part, "terciles")
        _click_bar(page, chart, 2, 2)
        expected = _as_list(positions, part.rank_objects(2, by="missed", size=2, bins="terciles"))
        expect(gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
        assert_gallery_matches(gallery, expected, "report, slice depot, upper third of class 2")
        shot(page, "report-objects-03-slice-terciles")
        assert opened.requests == [path.as_uri()], "the report asked the network for something"
    finally:
        pages.close("report-objects")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_in_the_objects_panel(
    pages: Any, tmp_path_factory: pytest.TempPathFactory, scheme: str
) -> None:
    from test_browser_a11y import assert_no_serious, audit

    path = _results().save_html(tmp_path_factory.mktemp("objects-a11y") / "objects.html")
    opened = open_report(pages, f"objects-a11y-{scheme}", path, scheme=scheme, bypass_csp=True)
    try:
        show_panel(opened.root, "objects")
        chart = opened.root.locator(CHART)
        expect(chart).to_be_visible(timeout=WAIT)
        _click_bar(opened.page, chart, 3, 0)  # a bar chosen, the canvas focused
        expect(opened.root).to_have_attribute("data-selected-true", "3", timeout=WAIT)
        assert_no_serious(audit(opened.page, None), f"report's objects panel, {scheme}")
        shot(opened.root.locator('[data-testid="segwidget-panelarea"]'), f"objects-a11y-{scheme}")
    finally:
        pages.close(f"objects-a11y-{scheme}")
