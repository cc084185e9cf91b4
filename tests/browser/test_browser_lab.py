"""segwidget in a real JupyterLab and Chromium: heatmap, gallery, detail view, charts, theme.

One JupyterLab server and one notebook serve the whole module: its first cells build a
``SegExplorer`` on the demo model and data, and each test runs further cells in the same
kernel, both to act from Python and to read what Python sees (``Results.rank``,
``selected_cell``, ``shown_indices``). Each test starts from the explorer with nothing
selected (the ``fresh`` fixture); the last one switches JupyterLab to its dark theme.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from checks import (
    DETAIL,
    GALLERY,
    HEATMAP,
    LABEL_BANDS,
    PANEL,
    ROOT,
    THUMB,
    assert_gallery_matches,
    assert_painted,
    cell_center,
    click_cell,
    gallery_state,
    luminance,
    shot,
    wait_painted,
)
from lab import CELL, IMAGE, WAIT, XSS, Lab

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI)
    expect = None

pytestmark = pytest.mark.browser


@pytest.mark.usefixtures("fresh")
def test_widget_renders_heatmap_and_gallery(lab: Lab) -> None:
    heatmap = lab.heatmap
    assert int(heatmap.get_attribute("data-classes")) == len(lab.classes)
    assert_painted(heatmap, "heatmap", min_colors=len(lab.classes))
    bands = heatmap.evaluate(LABEL_BANDS)
    assert bands["rows"] == [True] * len(lab.classes), f"row labels drawn: {bands['rows']}"
    assert bands["cols"] == [True] * len(lab.classes), f"column labels drawn: {bands['cols']}"
    assert not bands["belowRows"], "a row label below the last class"
    # No selection: every image, by loss.
    assert lab.root.get_attribute("data-selected-true") is None
    assert_gallery_matches(lab.gallery, lab.rank("explorer.rank()"), "no selection")
    # Thumbnails arrive from the kernel on demand and are painted in the browser.
    first = lab.gallery.locator(f'{THUMB}[data-rank="0"] canvas')
    wait_painted(lab.page, first, "first thumbnail")
    assert lab.root.get_attribute("data-theme") == "light"
    shot(lab.nb.cell(1), "lab-01-widget")


@pytest.mark.usefixtures("fresh")
def test_off_diagonal_click_filters_gallery_like_results_rank(lab: Lab) -> None:
    t, p = lab.cell
    before = gallery_state(lab.gallery)["count"]
    click_cell(lab.page, lab.heatmap, t, p)
    lab.expect_selected((t, p))
    seen = lab.nb.wait_value(CELL, "cell", [t, p])
    assert seen == [t, p], f"the click did not reach Python's selected_cell: {seen}"
    expected = lab.rank(f"explorer.rank({t}, {p})")
    shown = lab.nb.value("emit(n=len(explorer.shown_indices))")["n"]
    assert shown == len(expected["indices"]) < before == lab.n_images
    rendered = assert_gallery_matches(lab.gallery, expected, f"cell ({t}, {p})")
    assert rendered >= min(8, len(expected["indices"]))
    shot(lab.nb.cell(1), "lab-02-off-diagonal-selected")


@pytest.mark.usefixtures("fresh")
def test_diagonal_click_orders_by_worst_iou(lab: Lab) -> None:
    c = lab.diagonal
    click_cell(lab.page, lab.heatmap, c, c)
    lab.expect_selected((c, c))
    assert lab.nb.wait_value(CELL, "cell", [c, c]) == [c, c]
    expected = lab.rank(f"explorer.rank({c}, {c})")
    assert_gallery_matches(lab.gallery, expected, f"class {c}")
    scores = expected["scores"]
    assert scores == sorted(scores), "worst IoU first"
    shot(lab.nb.cell(1), "lab-03-diagonal-selected")


@pytest.mark.usefixtures("fresh")
def test_escape_clears_selection_back_to_loss_order(lab: Lab) -> None:
    c = lab.diagonal
    click_cell(lab.page, lab.heatmap, c, c)  # selects the class and focuses the heatmap
    lab.expect_selected((c, c))
    lab.page.keyboard.press("Escape")
    lab.expect_selected(None)
    assert lab.nb.wait_value(CELL, "cell", None) is None
    expected = lab.nb.value(
        "losses, indices = explorer.top_losses()\nemit(indices=indices, scores=losses)"
    )
    assert len(expected["indices"]) == lab.n_images
    assert_gallery_matches(lab.gallery, expected, f"after Escape from class {c}")


@pytest.mark.usefixtures("fresh")
def test_thumbnail_opens_detail_and_arrows_step_through_ranking(lab: Lab) -> None:
    t, p = lab.cell
    lab.nb.run(f"explorer.selected_cell = ({t}, {p})")
    lab.expect_selected((t, p))
    expected = lab.rank(f"explorer.rank({t}, {p})")["indices"]
    assert len(expected) >= 3
    detail = lab.root.locator(DETAIL)
    expect(detail).to_be_hidden()
    lab.gallery.locator(f'{THUMB}[data-rank="1"]').click()
    expect(detail).to_be_visible(timeout=WAIT)
    expect(detail).to_have_attribute("data-index", str(expected[1]))
    _expect_detail_painted(detail, "detail of rank 1")
    shot(lab.root, "lab-04-detail")
    # The detail view took the focus: arrows move through the ranked list.
    lab.page.keyboard.press("ArrowRight")
    expect(detail).to_have_attribute("data-index", str(expected[2]), timeout=WAIT)
    _expect_detail_painted(detail, "detail of rank 2")
    lab.page.keyboard.press("ArrowLeft")
    lab.page.keyboard.press("ArrowLeft")
    expect(detail).to_have_attribute("data-index", str(expected[0]), timeout=WAIT)
    _expect_detail_painted(detail, "detail of rank 0")
    # (running a cell moves the focus to the notebook)
    assert lab.nb.wait_value(IMAGE, "image", expected[0]) == expected[0]

    detail.locator(".sw-detail-title").click()
    lab.page.keyboard.press("Escape")  # closes the detail view, keeps the selection
    expect(detail).to_be_hidden(timeout=WAIT)
    lab.expect_selected((t, p))
    assert lab.nb.wait_value(IMAGE, "image", None) is None
    lab.nb.run("explorer.selected_cell = None")
    lab.expect_selected(None)


def _expect_detail_painted(detail: Any, what: str) -> None:
    expect(detail).not_to_have_class(re.compile(r"\bsw-loading\b"), timeout=WAIT)
    panels = detail.locator(PANEL)
    # the demo's pass kept the band, the confident disagreements and the objects
    expect(panels).to_have_count(7)
    kinds = [panels.nth(i).get_attribute("data-kind") for i in range(7)]
    assert kinds == ["image", "truth", "prediction", "pair", "boundary", "confident", "objects"]
    for i, kind in enumerate(kinds):
        assert_painted(panels.nth(i).locator("canvas"), f"{what}: {kind} panel")


@pytest.mark.usefixtures("fresh")
def test_selected_cell_set_from_python_drives_the_view(lab: Lab) -> None:
    t, p = lab.other
    lab.nb.run(f"explorer.selected_cell = (CLASSES[{t}], CLASSES[{p}])")  # by name
    lab.expect_selected((t, p))
    assert_gallery_matches(lab.gallery, lab.rank(f"explorer.rank({t}, {p})"), f"cell ({t}, {p})")
    shot(lab.nb.cell(1), "lab-05-selected-from-python")
    lab.nb.run("explorer.selected_cell = None")
    lab.expect_selected(None)
    assert_gallery_matches(lab.gallery, lab.rank("explorer.rank()"), "cleared from Python")


def test_large_gallery_stays_virtualised_while_scrolling(lab: Lab) -> None:
    n = 3000
    index, _ = lab.nb.run(
        f"big = SegExplorer(results=synthetic({n}, [f'class {{c}}' for c in range(12)]))\nbig"
    )
    root = lab.nb.cell(index).locator(ROOT)
    gallery = root.locator(GALLERY)
    expect(gallery).to_have_attribute("data-count", str(n), timeout=60_000)
    expected = lab.rank("big.rank()")
    gallery.scroll_into_view_if_needed()
    counts = [assert_gallery_matches(gallery, expected, "big, top")]
    gallery.hover()
    for _ in range(3):  # the mouse wheel, as a person scrolls
        lab.page.mouse.wheel(0, 900)
        counts.append(_settled_window(lab.page, gallery, expected, "big, wheel"))
    assert gallery_state(gallery)["scrollTop"] > 0, "the mouse wheel did not scroll the gallery"
    for fraction in (0.5, 1.0):
        gallery.evaluate(
            "(g, f) => { g.scrollTop = f * (g.scrollHeight - g.clientHeight); }", fraction
        )
        counts.append(_settled_window(lab.page, gallery, expected, f"big, at {fraction:.0%}"))
    print(f"thumbnail DOM nodes while scrolling {n} images: {counts}")
    state = gallery_state(gallery)
    assert state["thumbs"][-1]["rank"] == n - 1, "the last image is rendered at the bottom"
    assert state["scrollHeight"] > 20 * state["clientHeight"], "the sizer spans all rows"
    assert max(counts) <= 150, f"thumbnail DOM nodes grow with N: {counts}"
    shot(lab.nb.cell(index), "lab-07-large-gallery-scrolled")


def _settled_window(page: Any, gallery: Any, expected: dict[str, Any], what: str) -> int:
    """Wait until the rendered tiles cover the viewport, then check them against the ranking."""
    page.wait_for_function(
        """(g) => {
          const top = g.scrollTop, bottom = top + g.clientHeight;
          const tiles = [...g.querySelectorAll('[data-testid="segwidget-thumb"]')];
          const covers = (el) => el.offsetTop <= top + 1 && el.offsetTop + el.offsetHeight > top;
          const inside = (el) => el.offsetTop >= top && el.offsetTop < bottom && top > 0;
          return tiles.some(covers) || tiles.some(inside);
        }""",
        arg=gallery.element_handle(),
        timeout=WAIT,
    )
    return assert_gallery_matches(gallery, expected, what)


def test_class_names_are_text_not_html(lab: Lab) -> None:
    index, _ = lab.nb.run(
        f"xss = SegExplorer(results=synthetic(24, ['road', {XSS!r}, 'sky'], seed=1))\nxss"
    )
    root = lab.nb.cell(index).locator(ROOT)
    heatmap = root.locator(HEATMAP)
    expect(heatmap).to_have_attribute("data-classes", "3", timeout=60_000)
    page = lab.page
    x, y = cell_center(page, heatmap, 1, 0)
    page.mouse.move(x, y)  # the tooltip names the classes
    tooltip = root.locator(".sw-tooltip")
    expect(tooltip).to_contain_text(XSS, timeout=WAIT)
    click_cell(page, heatmap, 1, 0)
    expect(root).to_have_attribute("data-selected-true", "1", timeout=WAIT)
    root.locator(f'{GALLERY} {THUMB}[data-rank="0"]').click()  # the detail view's tables
    expect(root.locator(DETAIL)).to_contain_text(XSS, timeout=WAIT)
    expect(root.locator(GALLERY).locator("xpath=..")).to_contain_text(XSS)
    page.wait_for_timeout(300)  # give a broken image's onerror a chance to run
    assert page.evaluate("() => window.__xss") is None, "a class name ran as HTML"
    assert page.locator('img[src="x"]').count() == 0, "a class name became an <img>"
    shot(lab.nb.cell(index), "lab-08-xss-class-name")
    lab.nb.run("xss.selected_image = None")


@pytest.mark.usefixtures("fresh")
def test_follows_jupyterlab_dark_theme(lab: Lab) -> None:
    background = "(el) => getComputedStyle(el).backgroundColor"
    light = lab.root.evaluate(background)
    assert luminance(light) > 0.8, f"light theme background {light}"
    lab.nb.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
    lab.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    roots = lab.page.locator(ROOT)
    for i in range(roots.count()):
        expect(roots.nth(i)).to_have_attribute("data-theme", "dark", timeout=WAIT)
    lab.page.wait_for_function(
        "([el, before]) => getComputedStyle(el).backgroundColor !== before",
        arg=[lab.root.element_handle(), light],
        timeout=WAIT,
    )
    dark = lab.root.evaluate(background)
    assert luminance(dark) < 0.2, f"dark theme background {dark}"
    assert_painted(lab.heatmap, "heatmap, dark", min_colors=len(lab.classes))
    shot(lab.nb.cell(1), "lab-09-dark-theme")
    lab.nb.command("apputils:change-theme", {"theme": "JupyterLab Light"})  # for later modules
    lab.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")
    expect(lab.root).to_have_attribute("data-theme", "light", timeout=WAIT)
