"""The widget in VS Code's four kinds of colour theme, as a static page in Chromium.

VS Code's notebook webviews put the theme's kind on the body as classes (High Contrast Light
sets both ``vscode-high-contrast-light`` and ``vscode-high-contrast``) and its colours on the
root element as ``--vscode-*`` variables. The page loads the built ``segwidget/static`` bundle
with a minimal stand-in for anywidget's model, holding the state a real ``SegExplorer``
sends, and checks that the widget reads the theme's kind right and that its text and
heatmap keep their contrast on the theme's background.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from checks import HEATMAP, ROOT, shot
from lab import expect

from segwidget import SegExplorer

pytestmark = pytest.mark.browser

STATIC = Path(__file__).parents[2] / "segwidget" / "static"
SOURCES = Path(__file__).parents[2] / "js" / "src"
ORIGIN = "http://segwidget.test"
CLASSES = ["road", "car", "sky"]

# body classes and a few of each default theme's colours, as VS Code sets them
THEMES: dict[str, tuple[list[str], dict[str, str], str]] = {
    "light": (
        ["vscode-light"],
        {"editor-background": "#ffffff", "foreground": "#3b3b3b", "sideBar-background": "#f8f8f8",
         "panel-border": "#e5e5e5", "focusBorder": "#005fb8"},
        "light",
    ),
    "dark": (
        ["vscode-dark"],
        {"editor-background": "#1f1f1f", "foreground": "#cccccc", "sideBar-background": "#181818",
         "panel-border": "#2b2b2b", "focusBorder": "#0078d4"},
        "dark",
    ),
    "high-contrast": (
        ["vscode-high-contrast"],
        {"editor-background": "#000000", "foreground": "#ffffff", "sideBar-background": "#000000",
         "panel-border": "#6fc3df", "focusBorder": "#f38518"},
        "dark",
    ),
    "high-contrast-light": (
        ["vscode-high-contrast-light", "vscode-high-contrast"],
        {"editor-background": "#ffffff", "foreground": "#292929", "sideBar-background": "#ffffff",
         "panel-border": "#0f4a85", "focusBorder": "#006bbd"},
        "light",
    ),
}  # fmt: skip

PAGE = """<!doctype html>
<html style="{variables}">
<head><meta charset="utf-8"><link rel="stylesheet" href="/widget.css"></head>
<body class="{classes}">
<div id="out"></div>
<script type="module">
import widget from "/widget.js";
const state = {state};
const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
for (const [key, value] of Object.entries(state)) {{
  if (value && typeof value === "object" && "$b64" in value) {{
    state[key] = new DataView(bytes(value.$b64).buffer);  // anywidget hands binary traits so
  }}
}}
// anywidget's model, as far as the widget uses it: traits, change events, messages out
const listeners = new Map();
const model = {{
  get: (key) => state[key],
  set: (key, value) => {{
    state[key] = value;
    for (const cb of listeners.get(`change:${{key}}`) ?? []) cb();
  }},
  save_changes: () => {{}},
  on: (event, cb) => listeners.set(event, [...(listeners.get(event) ?? []), cb]),
  off: (event, cb) => listeners.set(event, (listeners.get(event) ?? []).filter((f) => f !== cb)),
  send: () => {{}},
}};
widget.render({{ model, el: document.getElementById("out") }});
</script>
</body>
</html>
"""

# The computed colours (as [r, g, b]) of the root's background and text, of its secondary
# text, and of the heatmap cell (t, p) at its centre, read back from the canvas.
READ_COLORS = """
([root, t, p]) => {
  const rgb = (css) => css.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const style = getComputedStyle(root);
  const secondary = root.querySelector(".sw-side-title, .sw-legend-title, .sw-axis-note, .sw-dim");
  const canvas = root.querySelector('[data-testid="segwidget-heatmap"]');
  const ds = canvas.dataset;
  const size = Number(ds.cellSize);
  const at = (order, c) => (order ? JSON.parse(order).indexOf(c) : c);  // drawn order, if any
  const x = Number(ds.originX) + (at(ds.cols, p) + 0.5) * size;
  const y = Number(ds.originY) + (at(ds.rows, t) + 0.5) * size;
  const box = canvas.getBoundingClientRect();
  const [sx, sy] = [canvas.width / box.width, canvas.height / box.height];
  const ctx = canvas.getContext("2d");
  const px = ctx.getImageData(Math.floor(x * sx), Math.floor(y * sy), 1, 1).data;
  return {
    background: rgb(style.backgroundColor),
    text: rgb(style.color),
    secondary: secondary ? rgb(getComputedStyle(secondary).color) : null,
    cell: [px[0], px[1], px[2]],
  };
}
"""


def luminance(rgb: list[float]) -> float:
    """WCAG relative luminance of an sRGB colour given as 0-255 channels."""
    linear = [c / 255 / 12.92 if c <= 10.31 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: list[float], b: list[float]) -> float:
    """WCAG contrast ratio, 1 to 21."""
    hi, lo = sorted([luminance(a), luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    """What a SegExplorer syncs to the browser, binary traits as base64. Its model predicts
    class 0 everywhere, so the predicted-car column of the heatmap is all zeros."""
    model = torch.nn.Conv2d(3, len(CLASSES), 1)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.copy_(torch.tensor([5.0, 0.0, 0.0]))
    g = torch.Generator().manual_seed(0)
    images = torch.rand(4, 3, 16, 16, generator=g)
    batches = [(images, torch.randint(0, 3, (4, 16, 16), generator=g))]
    explorer = SegExplorer(model, batches, CLASSES, progress=False)
    out = {}
    for key, value in explorer.get_state().items():
        if key.startswith("_") or key in ("layout", "tabbable", "tooltip"):
            continue
        if isinstance(value, bytes | memoryview):
            value = {"$b64": base64.b64encode(bytes(value)).decode()}
        out[key] = value
    return out


@pytest.fixture(scope="module")
def bundle() -> dict[str, bytes]:
    """The built widget, refused when missing or older than its sources."""
    built = STATIC / "widget.js"
    if not built.exists():
        pytest.fail("segwidget/static/widget.js is missing: run `node js/build.mjs`")
    newer = [p.name for p in SOURCES.rglob("*.*") if p.stat().st_mtime > built.stat().st_mtime]
    if newer:
        pytest.fail(f"segwidget/static/widget.js is older than js/src/{newer[0]}: rebuild it")
    return {"/widget.js": built.read_bytes(), "/widget.css": (STATIC / "widget.css").read_bytes()}


@pytest.fixture
def open_theme(pages: Any, state: dict[str, Any], bundle: dict[str, bytes]) -> Iterator[Any]:
    opened: list[str] = []

    def open_page(theme: str) -> Any:
        classes, colors, _ = THEMES[theme]
        variables = "; ".join(f"--vscode-{name}: {value}" for name, value in colors.items())
        html = PAGE.format(variables=variables, classes=" ".join(classes), state=json.dumps(state))
        files = {**bundle, "/index.html": html.encode()}
        types = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
        name = f"vscode-{theme}"
        page = pages.open(name)
        opened.append(name)

        def serve(route: Any) -> None:
            path = route.request.url.removeprefix(ORIGIN)
            body = files.get(path)
            if body is None:
                route.fulfill(status=404, body="not found")
            else:
                route.fulfill(status=200, body=body, content_type=types[Path(path).suffix])

        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/index.html")
        return page

    yield open_page
    for name in opened:
        pages.close(name)


@pytest.mark.parametrize("theme", THEMES)
def test_widget_follows_the_vscode_theme(open_theme: Any, theme: str) -> None:
    page = open_theme(theme)
    root = page.locator(ROOT)
    expected = THEMES[theme][2]
    expect(root).to_have_attribute("data-theme", expected)
    heatmap = root.locator(HEATMAP)
    expect(heatmap).to_have_attribute("data-cell-size", re.compile(r"^[0-9.]+$"))
    colors = page.evaluate(READ_COLORS, [root.element_handle(), 1, 1])
    shot(root, f"vscode-{theme}")

    background = luminance(colors["background"])
    assert (background > 0.7) if expected == "light" else (background < 0.1), colors
    assert contrast(colors["text"], colors["background"]) >= 4.5, colors
    assert colors["secondary"] is not None
    assert contrast(colors["secondary"], colors["background"]) >= 3.0, colors
    # cell (car, car) holds 0: the low end of the theme's ramp, on the theme's side of grey
    cell = luminance(colors["cell"])
    assert (cell > 0.5) if expected == "light" else (cell < 0.1), colors
