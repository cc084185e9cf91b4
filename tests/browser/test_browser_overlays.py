"""The detail view's overlays in a real JupyterLab and Chromium (issue 11).

The demo explorer (the ``lab`` fixture) opens the image the kernel finds most suspect of a
label error; its detail view must show the boundary-band and confident-disagreement panels,
painted, with the kernel's pixel counts for that image.
"""

from __future__ import annotations

import re

import pytest
from checks import DETAIL, PANEL, assert_painted, shot
from lab import WAIT, Lab

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI)
    expect = None

pytestmark = pytest.mark.browser


@pytest.mark.usefixtures("fresh")
def test_detail_shows_the_band_and_the_confident_disagreements(lab: Lab) -> None:
    kernel = lab.nb.value(
        "r = explorer.results\n"
        "i = int(r.suspect_labels(1).indices[0])\n"
        "emit(i=i, confident=int(r.confident_confusions.image(i).sum()),\n"
        "     band=int(r.boundary_confusions.image(i).sum()),\n"
        "     size=r.image_sizes[i].tolist(), stored=list(r.images.view(i).truth.shape))"
    )
    i = kernel["i"]
    assert kernel["confident"] > 0 and kernel["band"] > 0
    assert kernel["size"] == kernel["stored"]  # not downscaled: the counts are the pass's own
    lab.nb.run(f"explorer.selected_image = {i}")
    detail = lab.root.locator(DETAIL)
    expect(detail).to_have_attribute("data-index", str(i), timeout=WAIT)
    expect(detail).not_to_have_class(re.compile(r"\bsw-loading\b"), timeout=WAIT)
    boundary = detail.locator(f'{PANEL}[data-kind="boundary"]')
    confident = detail.locator(f'{PANEL}[data-kind="confident"]')
    expect(confident).to_have_attribute("data-pixels", str(kernel["confident"]), timeout=WAIT)
    expect(boundary).to_have_attribute("data-pixels", str(kernel["band"]), timeout=WAIT)
    for panel, kind in ((boundary, "boundary"), (confident, "confident")):
        assert_painted(panel.locator("canvas"), f"image {i}: {kind} panel")
        expect(panel.locator("figcaption")).to_contain_text(" px")
    shot(detail, "overlays-detail")
    lab.nb.run("explorer.selected_image = None")
    expect(detail).to_be_hidden(timeout=WAIT)
