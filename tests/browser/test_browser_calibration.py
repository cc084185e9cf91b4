"""Can the confidence be trusted? The reliability panel in the offline report (the widget's own
module, no kernel): its ECE and the header's equal ``Results.ece()`` and, under a slice,
``Results.where(...).ece()``; clicking a bin ranks the gallery as
``Results.rank_calibration_bin``; "all bins" goes back to ``rank(by="overconfident")``.
"""

from __future__ import annotations

from typing import Any

import calibrations
import numpy as np
import pytest
from checks import GALLERY, assert_gallery_matches, close_filters, open_filters, shot
from lab import WAIT, expect
from report_page import open_report
from sw_e2e import synthetic

from segwidget.results import slices

pytestmark = pytest.mark.browser

CLASSES = ["road", "sidewalk", "car", "sky"]
PANEL = '[data-testid="segwidget-reliability"]'
BIN = '[data-testid="segwidget-reliability-bin"]'


def _with_calibration(n: int) -> Any:
    results = synthetic(n, CLASSES, side=24, seed=9)
    dense = np.stack([results.image_confusions.image(i) for i in range(n)])
    results.calibration_counts = calibrations.counts_for(dense, 15, np.random.default_rng(2))
    results.metadata = {"site": np.array(["depot", "yard", "pier"] * (n // 3))}
    return results


def _in(positions: np.ndarray, ranked: Any) -> dict[str, list[Any]]:
    return {"indices": positions[ranked.indices].tolist(), "scores": ranked.scores.tolist()}


def test_a_bin_click_ranks_the_gallery_and_a_slice_gives_results_where_ece(
    pages: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    results = _with_calibration(60)
    path = results.save_html(tmp_path_factory.mktemp("calibration") / "calibration.html")
    opened = open_report(pages, "report-calibration", path)
    root, page = opened.root, opened.page
    try:
        root.locator('[data-testid="segwidget-panel-tab"][data-panel="calibration"]').click()
        panel = root.locator(PANEL)
        expect(panel).to_be_visible(timeout=WAIT)
        ece = panel.locator('[data-testid="segwidget-reliability-ece"]')
        assert float(ece.get_attribute("data-value")) == results.ece()
        header = root.locator('[data-testid="segwidget-ece"]')
        assert float(header.get_attribute("data-value")) == results.ece()
        table = results.calibration()
        assert panel.locator(BIN).count() == len(table)
        counts = [
            float(c) for c in panel.locator(BIN).evaluate_all("(e) => e.map(b => b.dataset.count)")
        ]
        assert counts == table["count"].tolist()

        slot = int(np.argmax(table["count"] * (1 - table["accuracy"].fillna(1))))
        panel.locator(f'{BIN}[data-bin="{slot}"]').click()
        gallery = root.locator(GALLERY)
        expected = results.rank_calibration_bin(slot)
        expect(gallery).to_have_attribute("data-count", str(len(expected)), timeout=WAIT)
        assert_gallery_matches(
            gallery, {"indices": expected.indices.tolist(), "scores": expected.scores.tolist()},
            f"bin {slot}",
        )  # fmt: skip
        expect(panel.locator(f'{BIN}[data-bin="{slot}"]')).to_have_attribute("aria-pressed", "true")
        shot(page, "report-calibration-bin")

        spec = {"site": ["depot"]}
        part, positions = results.where(spec), slices.slice_indices(results, spec)
        open_filters(root)  # they fold behind one toolbar control
        root.locator('.sw-chip[data-column="site"][data-value="depot"]').click()
        close_filters(root)  # open, they lie over the panels
        expect(gallery).to_have_attribute(
            "data-count", str(len(part.rank_calibration_bin(slot))), timeout=WAIT
        )
        assert_gallery_matches(
            gallery, _in(positions, part.rank_calibration_bin(slot)), "slice, bin"
        )
        assert float(ece.get_attribute("data-value")) == part.ece()
        assert float(header.get_attribute("data-value")) == part.ece()

        panel.locator('[data-testid="segwidget-control"][data-name="calibration_bin"]').click()
        over = part.rank(by="overconfident")
        expect(gallery).to_have_attribute("data-count", str(len(over)), timeout=WAIT)
        assert_gallery_matches(gallery, _in(positions, over), "slice, overconfident")
        assert opened.requests == [path.as_uri()]
    finally:
        pages.close("report-calibration")
