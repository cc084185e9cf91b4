"""Calibration in the explorer: the traits the browser gets, the order "overconfident" and a
chosen bin ranking the kernel's gallery as ``Results`` does, and the bqplot reliability panel."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets
from models import Passthrough, logit_batches

import segwidget
from segwidget.results.calibration_counts import CalibrationCounts


@pytest.fixture(scope="module")
def results() -> segwidget.Results:
    batches = logit_batches(np.random.default_rng(4), [6, 6], 3, hw=(8, 9))
    for logits, _ in batches:
        logits *= 0.3  # confidences spread over the bins
    return segwidget.analyze(Passthrough(), batches, progress=False, keep_images=False)


def test_the_browser_gets_the_counts_and_the_header_the_ece(results: segwidget.Results) -> None:
    explorer = segwidget.SegExplorer(results=results)
    counts = results.calibration_counts
    assert counts is not None
    assert explorer.summary["ece"] == results.ece()
    assert explorer.summary["calibration_bins"] == 15
    sent = CalibrationCounts(
        3, 15,
        np.frombuffer(explorer.calib_ptr, "<i4"), np.frombuffer(explorer.calib_key, "<i4"),
        np.frombuffer(explorer.calib_count, "<i4"), np.frombuffer(explorer.calib_sum, "<f8"),
    )  # fmt: skip
    for part in ("ptr", "key", "count", "conf_sum"):
        np.testing.assert_array_equal(getattr(sent, part), getattr(counts, part))


def test_overconfident_and_a_chosen_bin_rank_the_gallery(results: segwidget.Results) -> None:
    explorer = segwidget.SegExplorer(results=results)
    explorer.order = "overconfident"
    np.testing.assert_array_equal(explorer.shown_indices, results.rank(by="overconfident").indices)
    explorer.selected_cell = (0, 2)  # the predicted class's reliability
    np.testing.assert_array_equal(
        explorer.shown_indices, results.rank(2, 2, by="overconfident").indices
    )
    slot = int(np.argmax(results.calibration(by_class=True).query("`class` == '2'")["count"]))
    explorer.calibration_bin = slot
    expected = results.rank_calibration_bin(slot, 2).indices
    assert expected.size > 0
    np.testing.assert_array_equal(explorer.shown_indices, expected)
    for bad in (-1, 16, 2.5, True, "3"):
        with pytest.raises(traitlets.TraitError, match=r"calibration_bin must be a bin 0\.\.15"):
            explorer.calibration_bin = bad


def test_results_without_counts_refuse_the_order_and_reset_it(results: segwidget.Results) -> None:
    batches = logit_batches(np.random.default_rng(1), [2], 3)
    off = segwidget.analyze(
        Passthrough(), batches, progress=False, keep_images=False, calibration_bins=None
    )
    explorer = segwidget.SegExplorer(results=results)
    explorer.order, explorer.calibration_bin = "overconfident", 3
    explorer.update(results=off)
    assert (explorer.order, explorer.calibration_bin) == ("share", None)
    assert explorer.summary["ece"] is None and explorer.calib_ptr == b""
    with pytest.raises(traitlets.TraitError, match="needs calibration counts"):
        explorer.order = "overconfident"


def test_the_bqplot_panel_follows_the_selection_and_a_click_chooses_a_bin(
    results: segwidget.Results,
) -> None:
    explorer = segwidget.SegExplorer(results=results)
    chart = explorer.charts.reliability
    assert "calibration" in [p["id"] for p in explorer.panels]
    np.testing.assert_array_equal(chart.counts.y, results.calibration()["count"])
    assert f"ECE {100 * results.ece():.1f}%" in chart.figure.title
    explorer.selected_cell = (1, 1)
    table = results.calibration(by_class=True).query("`class` == '1'")
    np.testing.assert_array_equal(chart.counts.y, table["count"])
    chart.accuracy.selected = [7]
    assert (explorer.order, explorer.calibration_bin) == ("overconfident", 7)
    np.testing.assert_array_equal(
        explorer.shown_indices, results.rank_calibration_bin(7, 1).indices
    )
