"""segwidget in Notebook 7 (``jupyter notebook``, /notebooks/<name>.ipynb): a smoke test."""

from __future__ import annotations

import re
from typing import Any

import pytest
from checks import GALLERY, HEATMAP, ROOT, assert_gallery_matches, assert_painted, click_cell, shot
from harness import JupyterServer, NotebookDriver, write_notebook

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI)
    expect = None

pytestmark = pytest.mark.browser

SETUP = """\
from segwidget import SegExplorer
from segwidget.demo import CLASSES, load_model, valid_loader
from sw_e2e import busiest_off_diagonal, emit, ranking

explorer = SegExplorer(load_model(), valid_loader(), CLASSES)"""


def test_notebook7_renders_and_heatmap_click_filters_gallery(
    notebook_server: JupyterServer, pages: Any
) -> None:
    write_notebook(notebook_server.root / "explorer7.ipynb", [SETUP, "explorer"])
    page = pages.open("notebook7")
    nb = NotebookDriver(page, notebook_server, "notebook7")
    nb.open("/notebooks/explorer7.ipynb")
    assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    nb.run_all()
    root = nb.cell(1).locator(ROOT)
    expect(root).to_be_visible(timeout=60_000)
    heatmap, gallery = root.locator(HEATMAP), root.locator(GALLERY)
    expect(heatmap).to_have_attribute("data-cell-size", re.compile(".*"), timeout=20_000)
    info = nb.value(
        "t, p = busiest_off_diagonal(explorer.results)\n"
        "emit(n=explorer.results.n_images, classes=len(CLASSES), cell=[t, p],\n"
        "     **ranking(explorer.rank(t, p)))"
    )
    assert int(heatmap.get_attribute("data-classes")) == info["classes"]
    assert_painted(heatmap, "heatmap", min_colors=info["classes"])
    expect(gallery).to_have_attribute("data-count", str(info["n"]))

    t, p = info["cell"]
    click_cell(page, heatmap, t, p)
    expect(root).to_have_attribute("data-selected-true", str(t), timeout=20_000)
    expect(root).to_have_attribute("data-selected-pred", str(p))
    assert len(info["indices"]) < info["n"]
    assert_gallery_matches(gallery, info, f"Notebook 7, cell ({t}, {p})")
    assert nb.wait_value("emit(cell=explorer.selected_cell)", "cell", [t, p]) == [t, p]
    shot(nb.cell(1), "nb7-01-cell-selected")
    pages.close("notebook7")
