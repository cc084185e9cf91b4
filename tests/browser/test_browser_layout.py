"""One screen: the explorer's frame in JupyterLab's layouts (issue 17's figures).

A 900 px tall window at 1400 px with the file browser open (Lab's default), and at 1000 and
700 px with it closed. With the explorer's top at the top of the notebook area, a click on a
heatmap cell (found through the contract's data-rows/cols, data-origin-x/y, data-cell-size)
must leave thumbnails fully visible; opening one must not move the page, the gallery or the
thumbnail; the detail fits the frame, and the frame the notebook area; Escape returns focus to
the tile. At output widths 332 and 584 px nothing overflows the explorer sideways. Each
configuration's figures go to test-artifacts/browser/layout-<name>.json before they are
checked (the same test measures a build without the frame), with a screenshot beside them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from checks import DETAIL, GALLERY, HEATMAP, ROOT, THUMB
from harness import ARTIFACTS, NotebookDriver, write_notebook
from lab import ANY_VALUE, SETUP, WAIT, expect

pytestmark = pytest.mark.browser

HEIGHT = 900
SCROLLER = ".jp-WindowedPanel-outer"  # the notebook area's scrolling box (JupyterLab 4)
OUTPUT = ".jp-OutputArea-output"

# Where each thing is on screen, relative to the viewport; thumbnails fully inside the viewport,
# the notebook area and the gallery's own scroll box.
MEASURE = """
(root, rank) => {
  const box = (el) => el.getBoundingClientRect();
  const scroller = root.closest(".jp-WindowedPanel-outer");
  const gallery = root.querySelector('[data-testid="segwidget-gallery"]');
  const area = box(scroller), g = box(gallery);
  const top = Math.max(0, area.top, g.top), bottom = Math.min(innerHeight, area.bottom, g.bottom);
  const left = Math.max(0, area.left, g.left), right = Math.min(innerWidth, area.right, g.right);
  const thumbs = [...gallery.querySelectorAll('[data-testid="segwidget-thumb"]')];
  const visible = thumbs.filter((t) => {
    const r = box(t);
    const inside = (a, b, lo, hi) => a >= lo - 0.5 && b <= hi + 0.5;
    return inside(r.top, r.bottom, top, bottom) && inside(r.left, r.right, left, right);
  });
  const tile = rank === null ? null : gallery.querySelector(`[data-rank="${rank}"]`);
  const detail = root.querySelector('[data-testid="segwidget-detail"]');
  return {
    visible: visible.map((t) => Number(t.dataset.rank)).sort((a, b) => a - b),
    scrollTop: scroller.scrollTop,
    areaHeight: scroller.clientHeight,
    frameHeight: box(root).height,
    rootTop: box(root).top - area.top,
    galleryTop: g.top,
    tileTop: tile ? box(tile).top : null,
    detailHeight: detail && !detail.hidden ? box(detail).height : null,
    outputWidth: root.clientWidth,
    overflow: root.scrollWidth - root.clientWidth,
  };
}
"""

CONFIGS = [("1400", 1400, True), ("1000", 1000, False), ("700", 700, False)]
MIN_VISIBLE = {"1400": 6, "1000": 3, "700": 3}


@pytest.fixture(scope="module")
def layout(lab_server: Any, pages: Any) -> Iterator[tuple[NotebookDriver, Any]]:
    """The demo explorer alone in its own notebook and page."""
    write_notebook(lab_server.root / "layout.ipynb", [SETUP, "explorer"])
    page = pages.open("layout")
    page.set_viewport_size({"width": 1400, "height": HEIGHT})
    nb = NotebookDriver(page, lab_server, "layout")
    nb.open("/lab/tree/layout.ipynb?reset")  # its own workspace: no other notebook beside it
    nb.run_all()
    root = nb.cell(1).locator(ROOT)
    expect(root).to_be_visible(timeout=60_000)
    expect(root.locator(HEATMAP)).to_have_attribute("data-cell-size", ANY_VALUE, timeout=WAIT)
    yield nb, root
    pages.close("layout")


def _window(nb: NotebookDriver, width: int, browser_open: bool) -> None:
    nb.page.set_viewport_size({"width": width, "height": HEIGHT})
    collapsed = nb.page.evaluate("() => window.jupyterapp.shell.leftCollapsed")
    if collapsed == browser_open:
        if browser_open:
            nb.command("filebrowser:activate")
        else:
            nb.command("application:toggle-left-area")
    nb.page.wait_for_function(
        "(open) => window.jupyterapp.shell.leftCollapsed === !open", arg=browser_open
    )
    nb.page.wait_for_timeout(400)  # Lab's panels and the widget's resize observers settle


def _explorer_at_top(nb: NotebookDriver, root: Any) -> None:
    """Scroll the notebook so that the explorer's top is the notebook area's top."""
    root.evaluate(
        "(r) => { const s = r.closest('.jp-WindowedPanel-outer');"
        " s.scrollTop += r.getBoundingClientRect().top - s.getBoundingClientRect().top; }"
    )
    nb.page.wait_for_timeout(200)


def _click_cell(nb: NotebookDriver, root: Any, t: int, p: int) -> None:
    """Click cell (t, p), located by the contract's attributes, where it is on screen."""
    heatmap = root.locator(HEATMAP)
    geo = heatmap.evaluate(
        "(c) => ({ rows: JSON.parse(c.dataset.rows), cols: JSON.parse(c.dataset.cols),"
        " ox: Number(c.dataset.originX), oy: Number(c.dataset.originY),"
        " size: Number(c.dataset.cellSize), box: c.getBoundingClientRect().toJSON() })"
    )
    row, col = geo["rows"].index(t), geo["cols"].index(p)
    x = geo["box"]["x"] + geo["ox"] + (col + 0.5) * geo["size"]
    y = geo["box"]["y"] + geo["oy"] + (row + 0.5) * geo["size"]
    assert 0 <= y <= HEIGHT, f"cell ({t}, {p}) is off-screen at y={y:.0f}"
    nb.page.mouse.click(x, y)


def _save(name: str, figures: dict[str, Any]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"layout-{name}.json").write_text(json.dumps(figures, indent=1))


@pytest.mark.parametrize(("name", "width", "browser_open"), CONFIGS)
def test_click_shows_thumbnails_and_the_detail_opens_in_place(
    layout: tuple[NotebookDriver, Any], name: str, width: int, browser_open: bool
) -> None:
    nb, root = layout
    nb.run("explorer.selected_image = None\nexplorer.selected_cell = None")
    expect(root.locator(DETAIL)).to_be_hidden(timeout=WAIT)
    t, p = nb.value("t, p = busiest_off_diagonal(explorer.results)\nemit(cell=[t, p])")["cell"]
    _window(nb, width, browser_open)
    _explorer_at_top(nb, root)
    _click_cell(nb, root, t, p)
    expect(root).to_have_attribute("data-selected-pred", str(p), timeout=WAIT)
    gallery = root.locator(GALLERY)
    expect(gallery.locator(f"{THUMB}.sw-loaded").first).to_be_visible(timeout=WAIT)
    nb.page.mouse.move(1, HEIGHT - 1)  # the cell's tooltip goes: the screenshot shows the view
    nb.page.wait_for_timeout(300)
    clicked = root.evaluate(MEASURE, None)
    figures: dict[str, Any] = {"window": [width, HEIGHT], "file_browser": browser_open}
    figures |= {"after_click": clicked, "thumbs_fully_visible": len(clicked["visible"])}
    nb.page.screenshot(path=str(ARTIFACTS / f"explorer-{name}.png"))
    rank = clicked["visible"][0] if clicked["visible"] else 0
    before = root.evaluate(MEASURE, rank)
    gallery.locator(f'{THUMB}[data-rank="{rank}"]').click()
    expect(root.locator(DETAIL)).to_be_visible(timeout=WAIT)
    expect(root.locator(DETAIL)).to_have_attribute("data-index", ANY_VALUE, timeout=WAIT)
    nb.page.wait_for_timeout(300)
    after = root.evaluate(MEASURE, rank)
    nb.page.screenshot(path=str(ARTIFACTS / f"explorer-{name}-detail.png"))
    figures |= {
        "opened": after,
        "scroll_change": after["scrollTop"] - before["scrollTop"],
        "gallery_moved": after["galleryTop"] - before["galleryTop"],
        "thumb_moved": None if after["tileTop"] is None else after["tileTop"] - before["tileTop"],
    }
    nb.page.keyboard.press("Escape")
    expect(root.locator(DETAIL)).to_be_hidden(timeout=WAIT)
    focus = root.evaluate(
        "(r) => { const a = document.activeElement;"
        " const g = r.querySelector('[data-testid=\"segwidget-gallery\"]');"
        " const c = g.querySelector('.sw-cursor');"
        " return { inGallery: g.contains(a), cursor: c ? Number(c.dataset.rank) : null }; }"
    )
    figures["escape"] = focus
    _save(name, figures)

    assert figures["thumbs_fully_visible"] >= MIN_VISIBLE[name], figures
    assert figures["scroll_change"] == 0, figures
    assert figures["gallery_moved"] == 0, figures
    assert figures["thumb_moved"] in (0, None), figures
    assert after["detailHeight"] is not None
    assert after["detailHeight"] <= after["frameHeight"] + 0.5 <= after["areaHeight"] + 1, figures
    assert focus == {"inGallery": True, "cursor": rank}, figures


@pytest.mark.parametrize("output_width", [332, 584])
def test_nothing_overflows_sideways_at_narrow_output_widths(
    layout: tuple[NotebookDriver, Any], output_width: int
) -> None:
    nb, root = layout
    _window(nb, 1400, False)
    output = nb.cell(1).locator(OUTPUT).last
    output.evaluate(
        "(o, w) => { o.style.width = o.style.maxWidth = `${w}px`; o.style.flex = 'none'; }",
        output_width,
    )
    try:
        nb.page.wait_for_timeout(500)
        _explorer_at_top(nb, root)
        figures = root.evaluate(MEASURE, None)
        nb.page.screenshot(path=str(ARTIFACTS / f"explorer-output-{output_width}.png"))
        _save(f"output-{output_width}", figures)
        assert figures["outputWidth"] <= output_width
        assert figures["overflow"] == 0, figures
        heat = root.locator(HEATMAP).bounding_box()
        grid = root.locator(GALLERY).bounding_box()
        area = root.evaluate(f"(r) => r.closest('{SCROLLER}').getBoundingClientRect().toJSON()")
        assert heat is not None and grid is not None
        # both in view: the heatmap whole, the gallery's first row at least
        assert area["top"] <= heat["y"] and heat["y"] + heat["height"] <= area["bottom"], figures
        assert grid["y"] + min(grid["height"], 120) <= area["bottom"], (grid, area)
    finally:
        output.evaluate("(o) => { o.style.width = o.style.maxWidth = o.style.flex = ''; }")
