"""The notebook's objects chart and the size-bin switch: the bars' numbers against
``object_table`` and a loop over ``objects()``, the slice followed, a click choosing a class and a
size bin as the browser's panel does, and ``object_bins`` refused when bad, from Python and from
the browser (never raising into the kernel)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import traitlets
from comm_helpers import assert_consistent, explorer_with_comm, update
from objects_fixture import build_results

import segwidget
from segwidget.results.core import Results
from segwidget.view import objects_chart


@pytest.fixture(scope="module")
def results() -> Results:
    results = build_results()
    results.metadata = {"even": np.arange(results.n_images) % 2 == 0}
    return results


def loop_recall(results: Results, bins: str) -> dict[tuple[int, int], tuple[int, int]]:
    """Per (class, bin) with objects: (objects, missed), from ``objects()`` row by row, bins
    by an explicit comparison with each class's ``np.quantile`` terciles or COCO's areas."""
    frame = results.objects()
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for name in dict.fromkeys(frame["class"]):
        rows = frame[frame["class"] == name]
        sizes = rows["pixels"].to_numpy()
        lo, hi = (1024, 9216) if bins == "coco" else np.quantile(sizes, [1 / 3, 2 / 3])
        for size, missed in zip(sizes, rows["missed"], strict=True):
            key = (results.class_index(name), int(size >= lo) + int(size >= hi))
            n, m = out.get(key, (0, 0))
            out[key] = (n + 1, m + int(missed))
    return out


def drawn(chart: objects_chart.ObjectsChart) -> dict[tuple[int, int], float]:
    return {
        (c, b): float(y)
        for b, mark in enumerate(chart.bars)
        for c, y in zip(chart.classes[b], mark.y, strict=True)
    }


@pytest.mark.parametrize("bins", ["coco", "terciles"])
def test_the_bars_are_object_table_and_a_loop(results: Results, bins: str) -> None:
    explorer = segwidget.SegExplorer(results=results)
    chart = explorer.charts.objects
    assert chart is not None and "objects" in [p["id"] for p in explorer.panels]
    explorer.object_bins = bins
    table = results.object_table(bins)
    expected = loop_recall(results, bins)
    assert drawn(chart) == {k: (n - m) / n for k, (n, m) in expected.items()}
    for (c, b), (n, m) in expected.items():
        row = table.iloc[c * 3 + b]
        assert (row["objects"], row["missed"]) == (n, m)
        i = chart.classes[b].index(c)
        assert chart.describe(b, i).endswith(f"{n - m:,} of {n:,} found, {m:,} missed")
    assert chart.switch.value == bins
    # the axis labels each class once (its middle bar's key); the other keys are zero-width
    labelled = [key for key in chart.x.domain if key.strip("\u200b")]
    assert labelled == [results.classes[c] for c in sorted({c for c, _ in expected})]
    assert len(set(chart.x.domain)) == len(chart.x.domain)
    c = chart.classes[0][0]
    chart._on_hover(0, {"data": {"index": 0}})  # bqplot's hover event: the tooltip's text
    assert chart.tip.value == chart.describe(0, 0)
    assert chart.tip.value.startswith(f"{results.classes[c]}, ")
    chart._on_hover(0, {"data": {"index": 10**6}})  # an index out of range changes nothing
    assert chart.tip.value == chart.describe(0, 0)


def test_the_chart_follows_the_slice_with_its_own_terciles(results: Results) -> None:
    explorer = segwidget.SegExplorer(results=results)
    chart = explorer.charts.objects
    assert chart is not None
    explorer.object_bins = "terciles"
    explorer.slice = {"even": [True]}
    part = results.subset(np.flatnonzero(np.arange(results.n_images) % 2 == 0))
    expected = loop_recall(part, "terciles")
    assert drawn(chart) == {k: (n - m) / n for k, (n, m) in expected.items()}
    assert drawn(chart) != {
        k: (n - m) / n for k, (n, m) in loop_recall(results, "terciles").items()
    }


@pytest.mark.parametrize("bins", ["coco", "terciles"])
def test_a_click_selects_class_and_bin_and_the_gallery_ranks_that_bin(
    results: Results, bins: str
) -> None:
    explorer = segwidget.SegExplorer(results=results)
    chart = explorer.charts.objects
    assert chart is not None
    explorer.object_bins = bins
    explorer.slice = {"even": [True]}
    inside = np.flatnonzero(np.arange(results.n_images) % 2 == 0)
    tried = 0
    for b, mark in enumerate(chart.bars):
        for i, c in enumerate(chart.classes[b]):
            mark.selected = [i]
            chosen = (explorer.selected_cell, explorer.order, explorer.object_size)
            assert chosen == ([c, c], "missed", b)
            ranked = results.subset(inside).rank_objects(c, by="missed", size=b, bins=bins)
            np.testing.assert_array_equal(explorer.shown_indices, inside[ranked.indices])
            assert chart.bars[b].selected == [i], "the chosen bar stays outlined"
            assert all(m.selected is None for k, m in enumerate(chart.bars) if k != b)
            tried += int(ranked.indices.size > 0)
    assert tried > 0, "some bin has missed objects"


def test_the_switch_sets_object_bins(results: Results) -> None:
    explorer = segwidget.SegExplorer(results=results)
    chart = explorer.charts.objects
    assert chart is not None
    assert [name in chart.legend.value for name in ("small", "medium", "large")] == [True] * 3
    assert all(color in chart.legend.value for color in objects_chart.SIZE_COLORS)
    chart.switch.value = "terciles"
    assert explorer.object_bins == "terciles"
    assert "upper third" in chart.legend.value and "large" not in chart.legend.value
    assert "terciles" in chart.figure.title
    explorer.object_bins = "coco"
    assert chart.switch.value == "coco"


@pytest.mark.parametrize("bad", ["deciles", "", None, 3, ["coco"], True, "x" * 10_000])
def test_bad_object_bins_are_refused(
    results: Results, bad: object, caplog: pytest.LogCaptureFixture
) -> None:
    explorer, _comm = explorer_with_comm(results)
    with pytest.raises(traitlets.TraitError, match="object_bins"):
        explorer.object_bins = bad
    explorer.object_bins = "terciles"
    caplog.set_level(logging.INFO)
    explorer._handle_msg(update({"object_bins": bad}))  # from the browser: logged, never raised
    assert explorer.object_bins == "terciles"
    assert any("object_bins" in r.getMessage() for r in caplog.records)
    assert all(len(r.getMessage()) < 1_000 for r in caplog.records)
    assert_consistent(explorer)


def test_no_objects_no_panel() -> None:
    plain = build_results()
    plain.object_records = None
    explorer = segwidget.SegExplorer(results=plain)
    _ = explorer.charts
    assert "objects" not in [p["id"] for p in explorer.panels]


def test_the_size_buttons_are_the_keyboard_path_to_a_bar(results: Results) -> None:
    explorer = segwidget.SegExplorer(results=results)
    chart = explorer.charts.objects
    assert chart is not None
    assert chart.size.value == -1 and [o[0] for o in chart.size.options][1:] == [
        "small",
        "medium",
        "large",
    ]
    explorer.selected_cell = (1, 1)  # a class chosen in the heatmap (by keyboard there)
    chart.size.value = 1
    assert (explorer.order, explorer.object_size) == ("missed", 1)
    ranked = results.rank_objects(1, by="missed", size=1)
    np.testing.assert_array_equal(explorer.shown_indices, ranked.indices)
    assert chart.bars[1].selected == [chart.classes[1].index(1)], "the same bar as a click"
    explorer.object_bins = "terciles"
    assert [o[0] for o in chart.size.options][1:] == ["lower third", "middle third", "upper third"]
    assert chart.size.value == 1
    chart.size.value = -1
    assert explorer.object_size is None
    chart.bars[2].selected = [chart.classes[2].index(2)]  # a click: the buttons follow
    assert chart.size.value == 2
