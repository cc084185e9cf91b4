"""The offline report (``save_html``) opened from disk in Chromium with every network request
aborted: no kernel, no server. The page is driven through the DOM contract only
(``report_page.py``), and the gallery is checked against ``Results.rank`` computed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from checks import (
    DETAIL,
    GALLERY,
    HEATMAP,
    PANEL,
    THUMB,
    assert_gallery_matches,
    close_filters,
    luminance,
    open_filters,
    shot,
    show_panel,
    wait_painted,
)
from lab import WAIT, expect
from report_page import LOSS, Opened, open_report
from sw_e2e import ade_like, busiest_off_diagonal, ranking, synthetic

from segwidget.results import metrics, slices
from segwidget.view.class_focus import focus_classes

pytestmark = pytest.mark.browser

XSS_NAMES = ["<img src=x onerror=window.__xss=1>", "</script><script>window.__xss=1</script>"]
CLASSES = ["road", "sidewalk", XSS_NAMES[0], "car", XSS_NAMES[1], "sky"]
TITLE = "demo </title><script>window.__xss=1</script>"
MAX_IMAGES = 40
ANY_LOADED = re.compile(r"\bsw-loaded\b")


@pytest.fixture(scope="module")
def small(pages: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Opened, Any]]:
    results = synthetic(300, CLASSES, side=48, seed=4)
    path = results.save_html(tmp_path_factory.mktemp("report") / "report.html",
                             max_images=MAX_IMAGES, title=TITLE)  # fmt: skip
    opened = open_report(pages, "report", path)
    yield opened, results
    pages.close("report")


def test_opens_from_disk_with_the_network_blocked(small: tuple[Opened, Any]) -> None:
    opened, results = small
    gallery = opened.root.locator(GALLERY)
    expect(gallery).to_have_attribute("data-count", str(results.n_images), timeout=WAIT)
    assert_gallery_matches(gallery, ranking(results.rank()), "nothing selected")
    expect(gallery.locator(f"{THUMB}[data-rank='0']")).to_have_class(ANY_LOADED, timeout=WAIT)
    statement = opened.page.locator('[data-testid="segwidget-report-statement"]')
    expect(statement).to_contain_text(f"the {MAX_IMAGES} images with the highest loss")
    expect(statement).to_contain_text(f"Thumbnails for all {results.n_images} images")
    assert opened.requests == [opened.path.as_uri()], "the report asked the network for something"
    shot(opened.page, "report-01-opened")


def test_hostile_class_names_and_title_render_as_text(small: tuple[Opened, Any]) -> None:
    opened, _ = small
    page = opened.page
    assert page.title() == TITLE
    expect(page.locator("h1")).to_have_text(TITLE)
    show_panel(opened.root, "iou")
    names = page.locator(".swr-bar-name").all_text_contents()
    for name in XSS_NAMES:
        assert name in names
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("() => window.__xss") is None


def test_cell_click_ranks_the_gallery_like_results_rank(small: tuple[Opened, Any]) -> None:
    opened, results = small
    t, p = busiest_off_diagonal(results)
    opened.click_cell(t, p)
    expect(opened.root).to_have_attribute("data-selected-true", str(t), timeout=WAIT)
    expect(opened.root).to_have_attribute("data-selected-pred", str(p), timeout=WAIT)
    expected = ranking(results.rank(t, p))
    gallery = opened.root.locator(GALLERY)
    expect(gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert 0 < len(expected["indices"]) < results.n_images
    assert_gallery_matches(gallery, expected, f"report, cell ({t}, {p})")
    shot(opened.page, "report-02-cell")


def _open_detail(opened: Opened, index: int) -> Any:
    thumb = opened.root.locator(f"{THUMB}[data-index='{index}']")
    thumb.click()
    detail = opened.root.locator(DETAIL)
    expect(detail).to_be_visible(timeout=WAIT)
    expect(detail).to_have_attribute("data-index", str(index), timeout=WAIT)
    panels = detail.locator(PANEL)
    kinds = [panels.nth(i).get_attribute("data-kind") for i in range(panels.count())]
    assert kinds[:4] == ["image", "truth", "prediction", "pair"]
    for i, kind in enumerate(kinds[:4]):
        wait_painted(opened.page, panels.nth(i).locator("canvas"), f"detail {index}: {kind}")
    return detail


def test_detail_views_embedded_and_at_thumbnail_size(small: tuple[Opened, Any]) -> None:
    opened, results = small
    t, p = busiest_off_diagonal(results)
    ranked = results.rank(t, p).indices.tolist()
    by_loss = results.rank().indices.tolist()
    embedded = next(i for i in ranked[:12] if i in by_loss[:MAX_IMAGES])
    detail = _open_detail(opened, embedded)
    assert "thumbnail size" not in detail.inner_text()
    shot(opened.page, "report-03-detail")
    opened.page.keyboard.press("Escape")
    expect(detail).to_be_hidden(timeout=WAIT)
    other = next(i for i in ranked[:12] if i not in by_loss[:MAX_IMAGES])
    detail = _open_detail(opened, other)
    expect(detail).to_contain_text("thumbnail size")
    opened.page.keyboard.press("Escape")
    expect(detail).to_be_hidden(timeout=WAIT)


def test_the_loss_brush_filters_the_gallery(small: tuple[Opened, Any]) -> None:
    opened, results = small
    t, p = busiest_off_diagonal(results)
    kept, lo, hi, step = opened.brush(0.3, 0.7)  # step: one pixel of the plot in loss units
    chart = opened.page.locator(LOSS)
    assert abs(kept[0] - (lo + 0.3 * (hi - lo))) < 2 * step
    assert abs(kept[1] - (lo + 0.7 * (hi - lo))) < 2 * step
    expected = ranking(results.rank(t, p, loss_range=tuple(kept)))
    gallery = opened.root.locator(GALLERY)
    expect(gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert len(expected["indices"]) < len(results.rank(t, p))
    assert_gallery_matches(gallery, expected, "report, cell and loss range")
    shot(opened.page, "report-04-loss-filter")
    opened.root.get_by_text("clear loss filter").click()
    expect(chart).to_have_attribute("data-range", "null", timeout=WAIT)
    expect(gallery).to_have_attribute("data-count", str(len(results.rank(t, p))), timeout=WAIT)


def test_the_theme_follows_the_os(small: tuple[Opened, Any], pages: Any) -> None:
    opened, _ = small
    dark = open_report(pages, "report-dark", opened.path, scheme="dark")
    try:
        expect(dark.root).to_have_attribute("data-theme", "dark", timeout=WAIT)
        body = dark.page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert luminance(body) < 0.2, body
        shot(dark.page, "report-05-dark")
    finally:
        pages.close("report-dark")
    expect(opened.root).to_have_attribute("data-theme", "light")


def test_150_classes_focus_and_rank_like_results_rank(
    pages: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    results = ade_like(2000)
    path = results.save_html(tmp_path_factory.mktemp("report150") / "ade.html")
    opened = open_report(pages, "report-150", path)
    try:
        heatmap = opened.root.locator(HEATMAP)
        expect(heatmap).to_have_attribute("data-classes", "150", timeout=WAIT)
        rows = json.loads(heatmap.get_attribute("data-rows"))
        assert 8 <= len(rows) < 150
        assert rows == focus_classes(results.counts().pooled, len(rows))
        images = results.cell_index.ptr[1:] - results.cell_index.ptr[:-1]
        t, p = max(
            ((int(images[a * 150 + b]), a, b) for a in rows for b in rows if a != b),
        )[1:]
        opened.click_cell(t, p)
        expected = ranking(results.rank(t, p))
        gallery = opened.root.locator(GALLERY)
        expect(gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
        assert_gallery_matches(gallery, expected, f"report, 150 classes, cell ({t}, {p})")
        assert opened.requests == [path.as_uri()]
        shot(opened.page, "report-06-150-classes")
    finally:
        pages.close("report-150")


def test_slices_and_tags_work_offline(pages: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    results = synthetic(240, CLASSES, side=32, seed=6)
    results.metadata = {"site": np.array([XSS_NAMES[0], "depot", "yard"] * 80)}
    path = results.save_html(tmp_path_factory.mktemp("slices") / "sliced.html")
    opened = open_report(pages, "report-slices", path)
    root, page = opened.root, opened.page
    try:
        spec = {"site": ["depot"]}
        positions = slices.slice_indices(results, spec)  # the slice's images in the full results
        part = results.where(spec)

        def in_slice(t: int | None = None, p: int | None = None) -> dict[str, list[Any]]:
            ranked = part.rank(t, p)
            return {"indices": positions[ranked.indices].tolist(), "scores": ranked.scores.tolist()}

        open_filters(root)
        root.locator('.sw-chip[data-column="site"][data-value="depot"]').click()
        close_filters(root)  # open, they lie over the heatmap and the gallery
        gallery = root.locator(GALLERY)
        expect(gallery).to_have_attribute("data-count", str(part.n_images), timeout=WAIT)
        assert_gallery_matches(gallery, in_slice(), "report, site = depot")
        t, p = busiest_off_diagonal(part)
        opened.click_cell(t, p)
        expected = in_slice(t, p)
        expect(gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
        assert_gallery_matches(gallery, expected, f"report, site = depot, cell ({t}, {p})")
        # the IoU bars are the slice's, as the notebook's chart
        iou = metrics.iou(part.confusion())
        show_panel(root, "iou")
        bar = page.locator(f'.swr-bar[data-class="{t}"] .swr-bar-value')
        expect(bar).to_have_text(f"{100 * iou[t]:.1f}%")
        # tags: two thumbnails picked and tagged with a hostile name, shown as text
        thumbs = [gallery.locator(f'{THUMB}[data-rank="{r}"]') for r in (0, 1)]
        for thumb in thumbs:
            thumb.click(modifiers=["Control"])
        show_panel(root, "tags")
        tags = root.locator('[data-testid="segwidget-tags"]')
        tags.locator('input[data-action="name"]').fill(XSS_NAMES[1])
        tags.locator('[data-action="tag-picked"]').click()
        for thumb in thumbs:
            expect(thumb.locator(".sw-tag-badge")).to_have_text(XSS_NAMES[1], timeout=WAIT)
        page.wait_for_timeout(300)  # a broken image's onerror would have run by now
        assert page.evaluate("() => window.__xss") is None
        assert page.locator('img[src="x"]').count() == 0
        assert opened.requests == [path.as_uri()]
        shot(page, "report-07-slice-and-tags")
    finally:
        pages.close("report-slices")
