"""The offline report of a comparison of two models: both models' traits and pictures travel
in the file, and its loss histogram's bins are the loss change's (the page's charts, driven in
``js/tests/report/report-compare.test.ts`` and ``tests/browser/test_browser_report_compare.py``)."""

from __future__ import annotations

import numpy as np
import pytest
from comm_helpers import small_comparison
from report_reader import ReadReport, read_report

from segwidget import SegExplorer
from segwidget.results.comparison import Comparison
from segwidget.results.imaging import decode
from segwidget.view import protocol


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return small_comparison()


@pytest.fixture(scope="module")
def report(comparison: Comparison, tmp_path_factory: pytest.TempPathFactory) -> ReadReport:
    explorer = SegExplorer(results=comparison)
    explorer.direction = "better"
    try:
        path = explorer.save_html(tmp_path_factory.mktemp("cmp") / "cmp.html", max_images=5)
    finally:
        explorer.close()
    return read_report(path)


def test_both_models_traits_travel(comparison: Comparison, report: ReadReport) -> None:
    state = report.state()
    for suffix, results in (("", comparison.a), ("_b", comparison.b)):
        for name, value in protocol.state_arrays(results).items():
            assert state[name + suffix] == bytes(value), name + suffix
    np.testing.assert_array_equal(report.array("losses_b", "<f8"), comparison.b.losses)
    assert state["comparison_summary"]["names"] == ["old", "new"]
    assert state["direction"] == "better" and state["model"] == "delta"


def test_every_thumbnail_and_detail_carries_both_predictions(
    comparison: Comparison, report: ReadReport
) -> None:
    a, b = comparison.a.images, comparison.b.images
    assert a is not None and b is not None
    thumbs = report.data["thumbs"]
    assert thumbs["parts"] == 4
    differ = 0
    for i, spans in enumerate(thumbs["spans"]):
        parts = report.parts(spans)
        assert tuple(parts[:3]) == a.encoded(i, thumbnail=True)
        assert parts[3] == b.encoded(i, thumbnail=True)[2]
        differ += parts[3] != parts[2]
    assert differ > 0, "B's predictions are not A's"
    details = report.data["details"]
    assert len(details) == 5
    for key, detail in details.items():
        i = int(key)
        parts = report.parts(detail["spans"])
        assert detail["header"]["parts"] == 4
        assert tuple(parts[:3]) == a.encoded(i)
        np.testing.assert_array_equal(decode(parts[3]), b.view(i).prediction)
