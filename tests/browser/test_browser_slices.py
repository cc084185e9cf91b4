"""Slices and tags in JupyterLab: the demo with its scene metadata, driven through the DOM.

Runs in the shared JupyterLab session (the ``lab`` fixture): the module shows the demo's
results again with ``valid_metadata()`` (the scene parameters of each image) as ``sx``,
chooses a category chip and checks the header, the heatmap and the gallery against
``Results.where(...)`` in the same kernel; tags two thumbnails from the page and reads them
in the kernel; and checks that a hostile tag and a hostile metadata value stay text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from checks import (
    GALLERY,
    HEATMAP,
    ROOT,
    THUMB,
    assert_gallery_matches,
    click_cell,
    close_filters,
    open_filters,
    shot,
    show_panel,
)
from lab import WAIT, XSS, Lab, expect

pytestmark = pytest.mark.browser

SETUP = """
import dataclasses
import numpy as np
from segwidget.results import slices
from segwidget.demo import valid_metadata

# the demo's pass (the lab fixture's), with the scene parameters of each image as metadata
sx = SegExplorer(results=dataclasses.replace(explorer.results, metadata=valid_metadata(), tags={}))

def in_slice(true=None, pred=None):
    r = sx.results
    ranked = r.where(sx.slice).rank(true, pred)
    positions = slices.slice_indices(r, sx.slice)  # the slice's images in the full results
    return {"indices": positions[ranked.indices].tolist(), "scores": ranked.scores.tolist()}

def header(part):
    pct = lambda v: f"{100 * v:.1f}%"
    return {"images": part.n_images, "iou": pct(part.mean_iou()), "acc": pct(part.pixel_accuracy())}
"""
HEATMAP_PIXELS = """(c) => {
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 4) {
    h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 1000000007;
  }
  return h;
}"""


@dataclass
class Sliced:
    lab: Lab
    index: int  # the notebook cell showing it
    root: Any

    @property
    def gallery(self) -> Any:
        return self.root.locator(GALLERY)

    def control(self, selector: str) -> Any:
        return self.root.locator(f'[data-testid="segwidget-control"]{selector}')

    def stats(self) -> dict[str, str]:
        items = self.root.locator(".sw-stat").all()
        return {
            item.locator(".sw-stat-label").inner_text(): item.locator(".sw-stat-value").inner_text()
            for item in items
        }


@pytest.fixture(scope="module")
def sliced(lab: Lab) -> Iterator[Sliced]:
    lab.nb.run(SETUP)
    index, _ = lab.nb.run("sx")
    root = lab.nb.cell(index).locator(ROOT)
    classes = str(len(lab.classes))
    expect(root.locator(HEATMAP)).to_have_attribute("data-classes", classes, timeout=WAIT)
    expect(root.locator(GALLERY)).to_have_attribute("data-count", str(lab.n_images), timeout=WAIT)
    yield Sliced(lab, index, root)
    lab.nb.run("sx.close()")


@pytest.fixture
def clean(sliced: Sliced) -> Sliced:
    sliced.lab.nb.run("sx.slice = {}\nsx.selected_cell = None\nsx.tags = {}\nsx.picked_images = []")
    expect(sliced.gallery).to_have_attribute("data-count", str(sliced.lab.n_images), timeout=WAIT)
    return sliced


def test_a_category_chip_slices_header_heatmap_and_gallery(clean: Sliced) -> None:
    s, nb = clean, clean.lab.nb
    heatmap = s.root.locator(HEATMAP)
    before = {"stats": s.stats(), "pixels": heatmap.evaluate(HEATMAP_PIXELS)}
    open_filters(s.root)
    chip = s.control('.sw-chip[data-column="kerb"][data-value="false"]')
    expect(chip).to_have_attribute("aria-pressed", "false")
    chip.click()
    assert nb.wait_value("emit(slice=sx.slice)", "slice", {"kerb": [False]}) == {"kerb": [False]}
    want = nb.value("emit(**header(sx.results.where(kerb=False)))")
    assert 0 < want["images"] < s.lab.n_images
    expect(s.gallery).to_have_attribute("data-count", str(want["images"]), timeout=WAIT)
    expect(chip).to_have_attribute("aria-pressed", "true")
    close_filters(s.root)  # open, they lie over the heatmap and the gallery
    stats = s.stats()
    assert stats[f"images of {s.lab.n_images}"] == str(want["images"]), stats
    assert (stats["mean IoU"], stats["pixel accuracy"]) == (want["iou"], want["acc"]), (stats, want)
    assert stats != before["stats"]
    assert heatmap.evaluate(HEATMAP_PIXELS) != before["pixels"], "the heatmap did not change"
    # no selection: the slice's images by loss; then a cell, ranked within the slice
    assert_gallery_matches(s.gallery, nb.value("emit(**in_slice())"), "kerb = false")
    t, p = s.lab.classes.index("sidewalk"), s.lab.classes.index("road")
    click_cell(s.lab.page, heatmap, t, p)
    expect(s.root).to_have_attribute("data-selected-true", str(t), timeout=WAIT)
    expected = nb.value(f"emit(**in_slice({t}, {p}))")
    expect(s.gallery).to_have_attribute("data-count", str(len(expected["indices"])), timeout=WAIT)
    assert_gallery_matches(s.gallery, expected, "sidewalk → road in kerb = false")
    shown = nb.wait_value(
        "emit(shown=sx.shown_indices)", "shown", until=lambda v: v == expected["indices"]
    )
    assert shown == expected["indices"], "explorer.shown_indices ignores the slice"
    s.root.locator(f'{GALLERY} {THUMB}[data-rank="0"] canvas').wait_for()
    s.lab.page.wait_for_timeout(500)  # thumbnails painted
    shot(s.lab.nb.cell(s.index), "slices-01-kerb-false-sidewalk-road")


def test_tagging_two_thumbnails_from_the_page_reaches_the_kernel(clean: Sliced) -> None:
    s, nb, page = clean, clean.lab.nb, clean.lab.page
    thumbs = [s.gallery.locator(f'{THUMB}[data-rank="{r}"]') for r in (0, 2)]
    picked = sorted(int(t.get_attribute("data-index")) for t in thumbs)
    for thumb in thumbs:
        thumb.click(modifiers=["Control"])
    for thumb in thumbs:
        expect(thumb).to_have_attribute("data-picked", "true", timeout=WAIT)
    assert nb.wait_value("emit(p=sx.picked_images)", "p", picked) == picked
    expect(s.root.locator('[data-testid="segwidget-detail"]')).to_be_hidden()  # not opened
    show_panel(s.root, "tags")
    bar = s.root.locator('[data-testid="segwidget-tags"]')
    bar.locator('input[data-action="name"]').fill(XSS)  # a hostile tag name
    bar.locator('[data-action="tag-picked"]').click()
    tags = nb.wait_value("emit(tags=sx.tags)", "tags", {XSS: picked})
    assert tags == {XSS: picked}, tags
    assert nb.value("emit(tags=sx.results.tags)")["tags"] == {XSS: picked}  # saved with them
    for thumb in thumbs:
        expect(thumb.locator(".sw-tag-badge")).to_have_text(XSS, timeout=WAIT)
    # the tag is filterable like metadata
    open_filters(s.root)
    s.control(f'.sw-chip[data-column="tag:{XSS}"]').click()
    close_filters(s.root)
    expect(s.gallery).to_have_attribute("data-count", "2", timeout=WAIT)
    assert nb.wait_value("emit(slice=sx.slice)", "slice", {f"tag:{XSS}": [True]})
    page.wait_for_timeout(300)  # give a broken image's onerror a chance to run
    assert page.evaluate("() => window.__xss") is None, "a tag name ran as HTML"
    assert page.locator('img[src="x"]').count() == 0, "a tag name became an <img>"
    shot(s.lab.nb.cell(s.index), "slices-02-tagged")


def test_a_hostile_metadata_value_renders_as_text(lab: Lab) -> None:
    index, _ = lab.nb.run(
        "import numpy as np\nhostile = synthetic(24, ['road', 'sidewalk', 'sky'], seed=2)\n"
        f"hostile.metadata = {{'site': np.array([{XSS!r}, 'depot', 'yard'] * 8)}}\n"
        "hx = SegExplorer(results=hostile)\nhx"
    )
    root = lab.nb.cell(index).locator(ROOT)
    open_filters(root)
    chip = root.locator(f'.sw-chip[data-column="site"][data-value="{XSS}"]')
    expect(chip).to_contain_text(XSS, timeout=WAIT)
    chip.click()
    expect(root.locator(GALLERY)).to_have_attribute("data-count", "8", timeout=WAIT)
    assert lab.nb.wait_value("emit(s=hx.slice)", "s", {"site": [XSS]}) == {"site": [XSS]}
    expect(root.locator(".sw-filters-head")).to_contain_text(XSS)
    expect(root.locator(".sw-gallery-heading")).to_contain_text(XSS)
    lab.page.wait_for_timeout(300)
    assert lab.page.evaluate("() => window.__xss") is None, "a metadata value ran as HTML"
    assert lab.page.locator('img[src="x"]').count() == 0, "a metadata value became an <img>"
    shot(lab.nb.cell(index), "slices-03-hostile-metadata")
    lab.nb.run("hx.close()")
