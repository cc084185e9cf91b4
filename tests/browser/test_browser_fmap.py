"""The failure map (issue 20) in the offline report, opened from disk with the network blocked:
a box dragged where ``data-view`` says the points are drawn selects the points inside it by
``Results.map()``, and the gallery shows the ranking restricted to them; "more like this"
ranks the gallery as ``Results.similar(i)`` (distances at the protocol's float32)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from checks import DETAIL, GALLERY, THUMB, assert_gallery_matches, shot
from lab import WAIT, expect
from report_page import Opened, open_report
from sw_e2e import synthetic

from segwidget.results.fmap import in_box, restrict

pytestmark = pytest.mark.browser

MAP = '[data-testid="segwidget-map"]'
TAB = '[data-testid="segwidget-panel-tab"][data-panel="map"]'
CLASSES = ["road", "sidewalk", "car", "sky", "person"]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]  # 22aa: 24 px targets


@pytest.fixture(scope="module")
def report(pages: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Opened, Any]]:
    results = synthetic(240, CLASSES, side=32, seed=9)
    path = results.save_html(tmp_path_factory.mktemp("fmap") / "report.html")
    opened = open_report(pages, "fmap", path)
    opened.root.locator(TAB).click()
    expect(opened.root.locator(MAP)).to_have_attribute("data-points", "240", timeout=WAIT)
    yield opened, results
    pages.close("fmap")


def _as_lists(ranked: Any, float32: bool = False) -> dict[str, list[Any]]:
    scores = ranked.scores.astype(np.float32).astype(np.float64) if float32 else ranked.scores
    return {"indices": ranked.indices.tolist(), "scores": scores.tolist()}


def test_a_box_selects_the_points_inside_it_and_restricts_the_gallery(
    report: tuple[Opened, Any],
) -> None:
    opened, results = report
    assert not opened.requests or all(u.startswith("file:") for u in opened.requests)
    canvas = opened.root.locator(MAP)
    canvas.scroll_into_view_if_needed()
    x0, y0, sx, sy = json.loads(canvas.get_attribute("data-view"))
    xy = results.map()
    # a box around the densest quarter of the points: centred on their median
    cu, cv = (float(c) for c in np.median(xy, axis=0))
    su, sv = (float(s) for s in np.abs(xy - [cu, cv]).mean(axis=0) * 0.6)
    box = canvas.bounding_box()
    # whole CSS pixels: the page maps exactly these back to the map (u = (px - x0) / sx)
    pixels = [(round(x0 + sx * u), round(y0 + sy * v)) for u, v in
              [(cu - su, cv + sv), (cu + su, cv - sv)]]  # fmt: skip
    corners = [((px - x0) / sx, (py - y0) / sy) for px, py in pixels]
    page = opened.page
    page.mouse.move(box["x"] + pixels[0][0], box["y"] + pixels[0][1])
    page.mouse.down()
    page.mouse.move(box["x"] + (pixels[0][0] + pixels[1][0]) / 2, box["y"] + pixels[0][1] + 5)
    page.mouse.move(box["x"] + pixels[1][0], box["y"] + pixels[1][1])
    page.mouse.up()
    inside = in_box(xy, *corners[0], *corners[1])
    assert 0 < inside.size < results.n_images
    gallery = opened.root.locator(GALLERY)
    expect(gallery).to_have_attribute("data-count", str(inside.size), timeout=WAIT)
    assert_gallery_matches(gallery, _as_lists(restrict(results.rank(), inside)), "map box")
    shot(page, "fmap-box")


def test_the_keyboard_selects_the_points_in_the_centred_box(report: tuple[Opened, Any]) -> None:
    opened, results = report
    canvas = opened.root.locator(MAP)
    canvas.scroll_into_view_if_needed()
    canvas.focus()
    canvas.press("ArrowLeft")  # the map moves under the box: 20 px right
    canvas.press("+")  # and zooms about the canvas' centre
    opened.page.evaluate(
        "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
    )
    gallery = opened.root.locator(GALLERY)
    x0, y0, sx, sy = json.loads(canvas.get_attribute("data-view"))
    width, height = canvas.evaluate("e => [e.clientWidth, e.clientHeight]")
    half = 0.3 * min(width, height) / 2  # the keyboard's box (view/mapinput.ts keyBox)
    left, top, right, bottom = (
        width / 2 - half,
        height / 2 - half,
        width / 2 + half,
        height / 2 + half,
    )
    inside = in_box(
        results.map(), (left - x0) / sx, (top - y0) / sy, (right - x0) / sx, (bottom - y0) / sy
    )
    assert 0 < inside.size < results.n_images
    canvas.press("Enter")
    expect(gallery).to_have_attribute("data-count", str(inside.size), timeout=WAIT)
    assert_gallery_matches(gallery, _as_lists(restrict(results.rank(), inside)), "keyboard box")
    canvas.press("Escape")
    expect(gallery).to_have_attribute("data-count", str(results.n_images), timeout=WAIT)


def test_the_map_panel_passes_axe_and_its_mode_switch_is_labelled(
    report: tuple[Opened, Any],
) -> None:
    opened, _ = report
    page, root = opened.page, opened.root
    modes = root.locator('[data-testid="segwidget-map-mode"]')
    assert modes.evaluate_all("els => els.map((e) => e.textContent)") == ["box", "lasso"]
    for mode in modes.all():
        size = mode.bounding_box()
        assert size and size["width"] >= 24 and size["height"] >= 24, size
    group = root.locator(".sw-map-modes")
    assert group.get_attribute("role") == "group" and group.get_attribute("aria-label")
    root.locator('[data-mode="lasso"]').click()
    expect(root.locator('[data-mode="lasso"]')).to_have_attribute("aria-pressed", "true")
    expect(root.locator('[data-mode="box"]')).to_have_attribute("aria-pressed", "false")
    root.locator('[data-mode="box"]').click()
    # from the keyboard: Tab from the mode switch's last control reaches the map, focus drawn
    root.get_by_role("button", name="Reset view").focus()
    canvas = root.locator(MAP)
    for _ in range(4):
        if canvas.evaluate("e => document.activeElement === e"):
            break
        page.keyboard.press("Tab")
    assert canvas.evaluate("e => e.matches(':focus-visible')")
    outline = canvas.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none", "the focused map shows no outline"
    expect(root.locator(".sw-map-band")).to_be_visible()  # the keyboard's box
    shot(root.locator(".sw-map-stage"), "fmap-keyboard-box")
    for theme in ("light", "dark"):
        root.evaluate(f"e => e.dataset.theme = '{theme}'")
        if not page.evaluate("() => Boolean(window.axe)"):  # the report's CSP refuses a script tag
            page.context.new_cdp_session(page).send(
                "Runtime.evaluate", {"expression": AXE.read_text()}
            )
        where = json.dumps({"include": ['[data-testid="segwidget-panelarea"]']})
        only = json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}})
        bad = page.evaluate(
            f"async () => (await axe.run({where}, {only})).violations"
            ".filter((v) => v.impact === 'serious' || v.impact === 'critical')"
            ".map((v) => [v.id, v.nodes.slice(0, 3).map((n) => n.target.join(' '))])"
        )
        assert not bad, f"axe-core, the map panel ({theme}): {bad}"
    page.keyboard.press("Escape")


def test_more_like_this_ranks_the_gallery_as_results_similar(report: tuple[Opened, Any]) -> None:
    opened, results = report
    opened.root.get_by_role("button", name="Clear selection").click()
    gallery = opened.root.locator(GALLERY)
    expect(gallery).to_have_attribute("data-count", str(results.n_images), timeout=WAIT)
    stop = opened.root.get_by_role("button", name="✕ more like this")
    expect(stop).to_be_hidden()  # offered only while "more like this" is on
    first = gallery.locator(THUMB).first
    i = int(first.get_attribute("data-index"))
    first.click()
    expect(opened.root.locator(DETAIL)).to_be_visible(timeout=WAIT)
    opened.root.locator('[data-testid="segwidget-more-like-this"]').click()
    similar = results.similar(i)
    expect(gallery).to_have_attribute("data-count", str(len(similar)), timeout=WAIT)
    assert_gallery_matches(gallery, _as_lists(similar, float32=True), "more like this")
    assert "distance" in (gallery.locator(THUMB).first.text_content() or "")  # what it ranks by
    opened.root.locator(DETAIL).get_by_title("close (Esc)").click()  # the map panel again
    expect(opened.root.locator(DETAIL)).to_be_hidden(timeout=WAIT)
    stop.click()
    expect(stop).to_be_hidden()
    expect(gallery).to_have_attribute("data-count", str(results.n_images), timeout=WAIT)
