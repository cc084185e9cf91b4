"""The failure map (issue 20) in JupyterLab, on the demo's results: a box (or a lasso) dragged
where the canvas' ``data-view`` says the points are sets ``explorer.map_selection`` in the kernel
to the points inside it by ``Results.map()`` (``in_box``, ``in_lasso``), and the gallery shows
``Results.rank()`` restricted to them; "more like this" sets ``explorer.similar_to`` and the
gallery shows ``Results.similar``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from checks import DETAIL, GALLERY, ROOT, THUMB, assert_gallery_matches, shot
from lab import WAIT, Lab, expect

from segwidget.results.fmap import in_box, in_lasso

pytestmark = pytest.mark.browser

MAP = '[data-testid="segwidget-map"]'
SETUP = """
import numpy as np
from segwidget.results.fmap import restrict
mx = SegExplorer(results=explorer.results)

def gallery_of(ranked):
    return {"indices": ranked.indices.tolist(), "scores": ranked.scores.tolist()}
"""


@pytest.fixture(scope="module")
def shown(lab: Lab) -> Iterator[tuple[Lab, Any]]:
    lab.nb.run(SETUP)
    index, _ = lab.nb.run("mx")
    root = lab.nb.cell(index).locator(ROOT)
    root.locator('[data-testid="segwidget-panel-tab"][data-panel="map"]').click()
    expect(root.locator(MAP)).to_have_attribute("data-points", str(lab.n_images), timeout=WAIT)
    yield lab, root
    lab.nb.run("mx.close()")


def test_a_box_on_the_map_sets_map_selection_and_the_gallery(shown: tuple[Lab, Any]) -> None:
    lab, root = shown
    xy = np.array(lab.nb.value("emit(xy=mx.results.map().tolist())")["xy"], dtype=np.float32)
    canvas = root.locator(MAP)
    canvas.scroll_into_view_if_needed()
    x0, y0, sx, sy = json.loads(canvas.get_attribute("data-view"))
    cu, cv = (float(c) for c in np.median(xy, axis=0))
    su, sv = (float(s) for s in np.abs(xy - [cu, cv]).mean(axis=0) * 0.6)
    pixels = [(round(x0 + sx * u), round(y0 + sy * v)) for u, v in
              [(cu - su, cv + sv), (cu + su, cv - sv)]]  # fmt: skip
    corners = [((px - x0) / sx, (py - y0) / sy) for px, py in pixels]
    inside = in_box(xy, *corners[0], *corners[1]).tolist()
    assert 0 < len(inside) < lab.n_images
    box = canvas.bounding_box()
    page = lab.page
    page.mouse.move(box["x"] + pixels[0][0], box["y"] + pixels[0][1])
    page.mouse.down()
    page.mouse.move(box["x"] + pixels[1][0], box["y"] + pixels[0][1] + 3)
    page.mouse.move(box["x"] + pixels[1][0], box["y"] + pixels[1][1])
    page.mouse.up()
    gallery = _expect_selection(lab, root, inside, "box")
    lab.nb.run("mx.map_selection = []")
    expect(gallery).to_have_attribute("data-count", str(lab.n_images), timeout=WAIT)


def _expect_selection(lab: Lab, root: Any, inside: list[int], shape: str) -> Any:
    """``map_selection`` is ``inside`` and the gallery the ranking restricted to it; the gallery."""
    got = lab.nb.wait_value("emit(sel=mx.map_selection)", "sel", until=lambda v: v == inside)
    assert got == inside, f"explorer.map_selection is not the points inside the {shape}"
    gallery = root.locator(GALLERY)
    expect(gallery).to_have_attribute("data-count", str(len(inside)), timeout=WAIT)
    want = lab.nb.value(f"emit(**gallery_of(restrict(mx.results.rank(), np.array({inside}))))")
    assert_gallery_matches(gallery, want, f"map {shape} in JupyterLab")
    return gallery


def _settled_box(lab: Lab, canvas: Any) -> dict[str, float]:
    """The canvas' box once in view and still (JupyterLab scrolls to a cell run a moment later)."""
    last: dict[str, float] | None = None
    for _ in range(40):
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        if box is not None and box == last:
            return box
        last = box
        lab.page.wait_for_timeout(250)
    raise AssertionError(f"the map does not stay still in view: {last}")


def test_a_lasso_on_the_map_sets_map_selection_and_the_gallery(shown: tuple[Lab, Any]) -> None:
    lab, root = shown
    xy = np.array(lab.nb.value("emit(xy=mx.results.map().tolist())")["xy"], dtype=np.float32)
    root.locator('[data-testid="segwidget-map-mode"][data-mode="lasso"]').click()
    expect(root.locator('[data-mode="lasso"]')).to_have_attribute("aria-pressed", "true")
    canvas = root.locator(MAP)
    _settled_box(lab, canvas)
    x0, y0, sx, sy = json.loads(canvas.get_attribute("data-view"))
    cu, cv = (float(c) for c in np.median(xy, axis=0))
    su, sv = (float(s) for s in np.abs(xy - [cu, cv]).mean(axis=0) * 0.8)
    # a concave loop around the middle of the points (a box would not give the same set)
    ring = [(-1, -1), (0, -0.2), (1, -1), (1, 1), (0, 0.3), (-1, 1)]
    pixels = [(round(x0 + sx * (cu + a * su)), round(y0 + sy * (cv + b * sv))) for a, b in ring]
    page = lab.page
    # each step placed on the canvas as it is now (JupyterLab may scroll the notebook meanwhile)
    canvas.hover(position={"x": pixels[0][0], "y": pixels[0][1]})
    page.mouse.down()
    for px, py in pixels[1:]:
        canvas.hover(position={"x": px, "y": py})
    # the loop as drawn, in CSS px of the canvas' box (the pointer lands inside its border, so
    # not exactly on `pixels`), taken to the map through data-view as the page does
    drawn = root.locator(".sw-map-lasso polyline").get_attribute("points") or ""
    vertices = [tuple(map(float, p.split(","))) for p in drawn.split()]
    assert len(vertices) == len(ring), drawn
    assert all(
        abs(x - px) < 2 and abs(y - py) < 2
        for (x, y), (px, py) in zip(vertices, pixels, strict=True)
    )
    polygon = np.array([((x - x0) / sx, (y - y0) / sy) for x, y in vertices])
    inside = in_lasso(xy, polygon).tolist()
    assert 0 < len(inside) < lab.n_images
    page.mouse.up()
    gallery = _expect_selection(lab, root, inside, "lasso")
    canvas.press("Escape")  # the keyboard clears the selection
    assert lab.nb.wait_value("emit(sel=mx.map_selection)", "sel", until=lambda v: v == []) == []
    expect(gallery).to_have_attribute("data-count", str(lab.n_images), timeout=WAIT)
    root.locator('[data-testid="segwidget-map-mode"][data-mode="box"]').click()


def test_more_like_this_sets_similar_to_and_ranks_the_gallery(shown: tuple[Lab, Any]) -> None:
    lab, root = shown
    gallery = root.locator(GALLERY)
    first = gallery.locator(THUMB).first
    i = int(first.get_attribute("data-index"))
    first.click()
    expect(root.locator(DETAIL)).to_be_visible(timeout=WAIT)
    root.locator('[data-testid="segwidget-more-like-this"]').click()
    assert lab.nb.wait_value("emit(s=mx.similar_to)", "s", i) == i
    want = lab.nb.value(f"emit(**gallery_of(mx.results.similar({i})))")
    want["scores"] = np.float32(want["scores"]).astype(float).tolist()  # the wire's float32
    expect(gallery).to_have_attribute("data-count", str(len(want["indices"])), timeout=WAIT)
    assert_gallery_matches(gallery, want, "more like this in JupyterLab")
    shown_in_kernel = lab.nb.value("emit(s=mx.shown_indices.tolist())")["s"]
    assert shown_in_kernel == want["indices"]
    lab.nb.run("mx.similar_to = None")


GATED = """
import threading
import segwidget.results.projection as projection
gate, real_project = threading.Event(), projection.project
projection.project = lambda vectors: (gate.wait(300), real_project(vectors))[1]
fresh = explorer.results.subset(range(explorer.results.n_images))
fresh.maps.clear()  # no map cached: the panel asks for one
gx = SegExplorer(results=fresh)
threads = {}  # which thread asked for the map (the comm handler's), which one set it
request, deliver = gx._map_worker.request, gx._map_worker._deliver

def asked(key):
    threads["asked"] = threading.current_thread().name
    return request(key)

def noted(key, out):
    threads["set"] = threading.current_thread().name
    deliver(key, out)

gx._map_worker.request, gx._map_worker._deliver = asked, noted
"""


def test_the_kernel_stays_free_while_the_map_is_computed(lab: Lab) -> None:
    """In a real kernel: the panel says "computing" (role=status) while the projection is held
    on a gate, a cell runs and a trait set from Python reaches the view meanwhile; then the
    coordinates computed on the worker thread arrive, set on the thread that handles the
    widget's messages, and equal ``Results.map()``."""
    lab.nb.run(GATED)
    index, _ = lab.nb.run("gx")
    root = lab.nb.cell(index).locator(ROOT)
    root.locator('[data-testid="segwidget-panel-tab"][data-panel="map"]').click()
    status = root.locator('[data-testid="segwidget-map-status"]')
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_text("computing the map…", timeout=WAIT)
    shot(root, "fmap-computing")
    assert lab.nb.wait_value("emit(s=gx.map_status)", "s", "computing") == "computing"
    busy = lab.nb.value("emit(gate=gate.is_set(), busy=gx._map_worker.busy)")
    assert busy == {"gate": False, "busy": True}  # that cell ran while the projection waits
    lab.nb.run("gx.selected_image = 3")  # the view follows the kernel meanwhile
    expect(root.locator(DETAIL)).to_have_attribute("data-index", "3", timeout=WAIT)
    expect(status).to_have_text("computing the map…")
    lab.nb.run("gate.set()")
    expect(root.locator(MAP)).to_have_attribute("data-points", str(lab.n_images), timeout=WAIT)
    same = lab.nb.value(
        "projection.project = real_project\n"
        "emit(same=gx.map_xy == fresh.map().astype('<f4').tobytes(), s=gx.map_status,\n"
        "     handler=threads['set'] == threads['asked'] != 'segwidget-map')"
    )
    # the traits were set on the thread (and event loop) that handles the widget's messages
    # (the main shell's, or the subshell JupyterLab gives widgets), not on the worker's
    assert same == {"same": True, "s": "ready", "handler": True}
    lab.nb.run("gx.close()")
