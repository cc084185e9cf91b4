"""What the browser tests do to the widget and read from it (DESIGN.md's testability contract)."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from harness import ARTIFACTS

ROOT = '[data-testid="segwidget"]'
HEATMAP = '[data-testid="segwidget-heatmap"]'
GALLERY = '[data-testid="segwidget-gallery"]'
THUMB = '[data-testid="segwidget-thumb"]'
DETAIL = '[data-testid="segwidget-detail"]'
PANEL = '[data-testid="segwidget-panel"]'

CANVAS_STATS = """
(canvas) => {
  const ctx = canvas.getContext("2d");
  if (!ctx || canvas.width === 0 || canvas.height === 0) {
    return { width: 0, height: 0, painted: 0, colors: 0 };
  }
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  let painted = 0;
  const colors = new Set();
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0) painted++;
    const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    if (colors.size < 4096) colors.add(rgb * 256 + data[i + 3]);
  }
  return { width: canvas.width, height: canvas.height, painted, colors: colors.size };
}
"""

# Which class-label bands of the heatmap's margins carry ink: row t's band is
# [0, originX) x [originY + t*size, originY + (t+1)*size), column p's the same above the cells.
LABEL_BANDS = """
(canvas) => {
  const ds = canvas.dataset;
  const C = Number(ds.classes), size = Number(ds.cellSize);
  const ox = Number(ds.originX), oy = Number(ds.originY);
  const k = canvas.width / canvas.getBoundingClientRect().width;
  const ctx = canvas.getContext("2d");
  const inked = (x, y, w, h) => {
    if (w <= 0 || h <= 0) return false;
    const side = (v) => Math.max(1, Math.floor(v * k));
    const px = ctx.getImageData(Math.floor(x * k), Math.floor(y * k), side(w), side(h)).data;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) return true;
    return false;
  };
  const rows = [], cols = [];
  for (let c = 0; c < C; c++) {
    rows.push(inked(0, oy + c * size + 1, ox - 2, size - 2));
    cols.push(inked(ox + c * size + 1, 0, size - 2, oy - 2));
  }
  const after = canvas.height / k - (oy + C * size);
  return { rows, cols, belowRows: inked(0, oy + C * size + 1, ox - 2, after - 1) };
}
"""

GALLERY_STATE = """
(gallery) => {
  const thumbs = [...gallery.querySelectorAll('[data-testid="segwidget-thumb"]')]
    .map((el) => ({ rank: Number(el.dataset.rank), index: Number(el.dataset.index),
                    score: el.dataset.score }))
    .sort((a, b) => a.rank - b.rank);
  return { count: Number(gallery.dataset.count), thumbs, scrollTop: gallery.scrollTop,
           scrollHeight: gallery.scrollHeight, clientHeight: gallery.clientHeight };
}
"""


def shot(target: Any, name: str) -> Path:
    """Save a screenshot of a page or an element to test-artifacts/browser/<name>.png."""
    path = ARTIFACTS / f"{name}.png"
    target.screenshot(path=str(path))
    return path


def canvas_stats(canvas: Any) -> dict[str, int]:
    return canvas.evaluate(CANVAS_STATS)


def assert_painted(canvas: Any, what: str, min_colors: int = 4) -> dict[str, int]:
    """The canvas has pixels, and more than a flat fill (at least ``min_colors`` colours)."""
    stats = canvas_stats(canvas)
    assert stats["width"] > 0 and stats["height"] > 0, f"{what}: empty canvas {stats}"
    assert stats["painted"] > 0.2 * stats["width"] * stats["height"], f"{what}: blank {stats}"
    assert stats["colors"] >= min_colors, f"{what}: flat, {stats}"
    return stats


def wait_painted(page: Any, canvas: Any, what: str, timeout_s: float = 20.0) -> dict[str, int]:
    """``assert_painted``, retried until it holds (a canvas painted when its data arrives)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return assert_painted(canvas, what)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.wait_for_timeout(100)


def cell_center(page: Any, heatmap: Any, t: int, p: int) -> tuple[float, float]:
    """Viewport coordinates of cell (t, p)'s centre (data-origin-x/y, data-cell-size)."""
    heatmap.scroll_into_view_if_needed()
    box = heatmap.bounding_box()
    assert box is not None, "the heatmap is not visible"
    geo = heatmap.evaluate(
        "(c) => [Number(c.dataset.originX), Number(c.dataset.originY), Number(c.dataset.cellSize)]"
    )
    ox, oy, size = geo
    assert size > 0, f"bad heatmap geometry {geo}"
    return box["x"] + ox + (p + 0.5) * size, box["y"] + oy + (t + 0.5) * size


def click_cell(page: Any, heatmap: Any, t: int, p: int) -> None:
    """Click heatmap cell (t, p) with the mouse, where it is on screen."""
    x, y = cell_center(page, heatmap, t, p)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def gallery_state(gallery: Any) -> dict[str, Any]:
    return gallery.evaluate(GALLERY_STATE)


def score_equal(shown: str, expected: float | None) -> bool:
    """A thumbnail's data-score (JS ``String(number)``) against Python's float, exactly."""
    value = float(shown)  # "NaN" and "Infinity" parse too
    if expected is None or math.isnan(expected):
        return math.isnan(value)
    return value == expected


def assert_gallery_matches(gallery: Any, expected: dict[str, list[Any]], what: str) -> int:
    """The gallery shows ``expected`` (a ``Results.rank`` as lists), in order.

    The gallery is virtualised: every rendered thumbnail must sit at its rank of the
    expected list (index and score, exactly), the rendered ranks must be one contiguous
    window, and data-count must be the full length. Returns the number of thumbnails.
    """
    state = gallery_state(gallery)
    indices, scores = expected["indices"], expected["scores"]
    assert state["count"] == len(indices), (
        f"{what}: the gallery counts {state['count']} images, Results.rank has {len(indices)}"
    )
    thumbs = state["thumbs"]
    if indices:
        assert thumbs, f"{what}: no thumbnail rendered for {len(indices)} images"
    ranks = [th["rank"] for th in thumbs]
    if ranks:
        assert ranks == list(range(ranks[0], ranks[0] + len(ranks))), f"{what}: ranks {ranks}"
    shown = [th["index"] for th in thumbs]
    want = [indices[r] for r in ranks if r < len(indices)]
    assert shown == want, (
        f"{what}: gallery order differs from Results.rank at ranks {ranks[0]}..{ranks[-1]}:\n"
        f"  gallery {shown}\n  Python  {want}"
    )
    bad = [th for th in thumbs if not score_equal(th["score"], scores[th["rank"]])]
    assert not bad, f"{what}: scores differ from Results.rank: {bad[:5]} vs Python " + str(
        [scores[th["rank"]] for th in bad[:5]]
    )
    return len(thumbs)


def luminance(css_color: str) -> float:
    """Relative luminance (0 black .. 1 white) of an ``rgb(...)``/``rgba(...)`` string."""
    inside = css_color[css_color.index("(") + 1 : css_color.rindex(")")]
    r, g, b = (float(v) / 255 for v in inside.replace("/", ",").split(",")[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def show_panel(root: Any, panel: str) -> None:
    """Show panel ``panel`` ("pairs", "iou", "loss", "tags", ...) of the explorer's panel area."""
    tab = root.locator(f'[data-testid="segwidget-panel-tab"][data-panel="{panel}"]')
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
    root.locator(f'[data-testid="segwidget-panelarea"][data-panel="{panel}"]').wait_for()


def open_filters(root: Any) -> None:
    """Open the filters (they fold behind one toolbar control)."""
    toggle = root.locator('[data-name="slice"][data-action="filters"]')
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def close_filters(root: Any) -> None:
    """Close the filters (open, they lie over the heatmap and the gallery)."""
    toggle = root.locator('[data-name="slice"][data-action="filters"]')
    if toggle.get_attribute("aria-expanded") == "true":
        toggle.click()
