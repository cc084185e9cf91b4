"""SegExplorer on a comparison of two models: one pass over the loader, the traits, the
gallery's ranking, the messages, the delegated methods, a saved comparison, the charts."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
import traitlets
from comm_helpers import (
    CLASSES,
    assert_consistent,
    comm_msg,
    explorer_with_comm,
    small_batches,
    small_comparison,
    small_results,
    update,
)
from models import CountingLoader

import segwidget
from segwidget import SegExplorer
from segwidget.results.comparison import Comparison
from segwidget.results.imaging import decode


def _model(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Conv2d(3, len(CLASSES), 3, padding=1)


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return small_comparison()


@pytest.fixture
def cx(comparison: Comparison):
    explorer, comm = explorer_with_comm(comparison)
    yield explorer, comm
    assert_consistent(explorer)


# -- SegExplorer.compare: one pass over the loader ---------------------------------------------


def test_compare_iterates_the_loader_once_and_equals_separate_passes() -> None:
    loader = CountingLoader(small_batches())
    explorer = SegExplorer.compare(
        _model(0), _model(1), loader, CLASSES, names=("old", "new"), progress=False
    )
    assert loader.iterations == 1 and loader.reads == [1] * len(loader.batches)
    comparison = explorer.comparison
    assert isinstance(comparison, Comparison) and comparison.names == ("old", "new")
    assert explorer.results is comparison.a
    for got, seed in ((comparison.a, 0), (comparison.b, 1)):
        alone = segwidget.analyze(_model(seed), loader.batches, CLASSES, progress=False)
        np.testing.assert_array_equal(got.losses, alone.losses)
        np.testing.assert_array_equal(got.confusion(), alone.confusion())
        assert got.images.parts == alone.images.parts
    assert_consistent(explorer)


def test_compare_refuses_bad_names_before_the_pass() -> None:
    loader = CountingLoader(small_batches())
    with pytest.raises(ValueError, match="names must be two different"):
        SegExplorer.compare(_model(0), _model(1), loader, CLASSES, names=("same", "same"))
    assert loader.iterations == 0


# -- the traits -------------------------------------------------------------------------------


def test_traits_carry_both_models(cx, comparison: Comparison) -> None:
    explorer, _ = cx
    c = len(CLASSES)
    b = comparison.b
    assert explorer.model == "delta" and explorer.direction == "worse"
    assert explorer.overlay == "difference"  # what a comparison's thumbnails show first
    summary = explorer.comparison_summary
    assert summary["names"] == ["old", "new"]
    for name in ("mean_iou", "pixel_accuracy", "mean_loss"):
        a_value, b_value = getattr(comparison.a, name)(), getattr(b, name)()
        assert summary[name] == pytest.approx([a_value, b_value, b_value - a_value])
    pooled = np.frombuffer(explorer.pooled_b, "<f8").reshape(c, c)
    np.testing.assert_array_equal(pooled, b.confusion())
    np.testing.assert_array_equal(np.frombuffer(explorer.losses_b, "<f8"), b.losses)
    np.testing.assert_array_equal(
        np.frombuffer(explorer.mean_cm_b, "<f8").reshape(c, c), b.mean_confusion()
    )
    ptr, image, count = (
        np.frombuffer(getattr(explorer, f"cell_{k}_b"), "<i4") for k in ("ptr", "image", "count")
    )
    for t in range(c):
        for p in range(c):
            k = t * c + p
            having = [n for n in range(b.n_images) if b.image_confusion(n)[t, p] > 0]
            assert image[ptr[k] : ptr[k + 1]].tolist() == having
            assert count[ptr[k] : ptr[k + 1]].tolist() == [
                b.image_confusion(n)[t, p] for n in having
            ]


def _brute_gallery(comparison: Comparison, cell, direction: str, loss_range=None) -> list[int]:
    """The gallery by PROTOCOL.md's rules, image by image from the dense matrices."""
    a, b = comparison.a, comparison.b
    keyed = []
    for n in range(a.n_images):
        ca, cb = a.image_confusion(n).astype(float), b.image_confusion(n).astype(float)
        if cell is None:
            delta, sign = b.losses[n] - a.losses[n], 1.0
        else:
            t, p = cell
            if t != p:
                row = ca[t].sum()
                delta = (cb[t, p] / row - ca[t, p] / row) if row else np.nan
                sign = 1.0  # a share that grew is worse
            else:

                def iou(cm: np.ndarray, c: int = t) -> float:
                    union = cm[c].sum() + cm[:, c].sum() - cm[c, c]
                    return cm[c, c] / union if union else np.nan

                delta, sign = iou(cb) - iou(ca), -1.0  # an IoU that fell is worse
        if direction == "better":
            sign = -sign
        change = b.losses[n] - a.losses[n]
        if loss_range is not None and not (loss_range[0] <= change <= loss_range[1]):
            continue
        if cell is None:
            keyed.append((np.isnan(delta), -sign * (0.0 if np.isnan(delta) else delta), n))
        elif sign * delta > 0:
            keyed.append((False, -sign * delta, n))
    return [n for *_, n in sorted(keyed)]


@pytest.mark.parametrize("direction", ["worse", "better"])
def test_shown_indices_follow_the_comparison_ranking(cx, comparison, direction: str) -> None:
    explorer, _ = cx
    explorer.direction = direction
    changes = comparison.image_scores().delta
    middle = (float(np.nanmin(changes)), float(np.nanmedian(changes)))
    seen = 0
    for cell in [None, (0, 1), (1, 0), (2, 3), (1, 1), (3, 3)]:
        explorer.selected_cell = cell
        for loss_range in (None, middle):
            explorer.loss_range = loss_range
            expected = _brute_gallery(comparison, cell, direction, loss_range)
            assert explorer.shown_indices.tolist() == expected, (cell, loss_range)
            assert explorer.ranking().indices.tolist() == expected
            seen += len(expected)
            assert_consistent(explorer)
    assert seen > 50
    explorer.selected_cell, explorer.loss_range, explorer.direction = None, None, "worse"


def test_model_and_direction_are_inert_on_one_model() -> None:
    explorer = SegExplorer(results=small_results())
    before = explorer.shown_indices.tolist()
    explorer.model, explorer.direction = "B", "better"
    assert explorer.shown_indices.tolist() == before and explorer.comparison is None


# -- messages -------------------------------------------------------------------------------


def test_thumbnail_reply_carries_b_prediction_as_a_fourth_part(cx, comparison) -> None:
    explorer, comm = cx
    msg = {"method": "custom", "content": {"kind": "thumbs", "request": 7, "indices": [3, 0]}}
    explorer._handle_msg(comm_msg(msg))
    ((content, buffers),) = comm.custom()
    assert content["parts"] == 4 and [i["index"] for i in content["items"]] == [3, 0]
    for k, i in enumerate((3, 0)):
        a = comparison.a.images.encoded(i, thumbnail=True)
        b = comparison.b.images.encoded(i, thumbnail=True)
        assert [bytes(x) for x in buffers[4 * k : 4 * k + 4]] == [*a, b[2]]
        assert a[1] == b[1]  # the same truth in both
        shown = decode(bytes(buffers[4 * k + 3]), np.uint8)
        assert shown.shape == (24, 32)  # B's prediction, the thumbnail of a 24×32 image


def test_detail_reply_carries_b_prediction_and_a_confusion(cx, comparison) -> None:
    explorer, comm = cx
    explorer._handle_msg(
        comm_msg({"method": "custom", "content": {"kind": "detail", "request": 2, "index": 5}})
    )
    ((content, buffers),) = comm.custom()
    assert content["parts"] == 4 and content["index"] == 5
    assert content["loss"] == pytest.approx(comparison.a.losses[5])
    assert [bytes(x) for x in buffers[:4]] == [
        *comparison.a.images.encoded(5),
        comparison.b.images.encoded(5)[2],
    ]
    pred_b = decode(bytes(buffers[3]), np.uint8)
    cm_b = np.zeros((len(CLASSES),) * 2, np.int64)
    truth = decode(bytes(buffers[1]), np.uint8)
    valid = truth != 255
    np.add.at(cm_b, (truth[valid], pred_b[valid]), 1)
    np.testing.assert_array_equal(cm_b, comparison.b.image_confusion(5))  # B's own prediction
    cells, counts = (np.frombuffer(bytes(x), "<i4") for x in buffers[4:])
    dense = np.zeros(len(CLASSES) ** 2, np.int64)
    dense[cells] = counts
    np.testing.assert_array_equal(dense.reshape(len(CLASSES), -1), comparison.a.image_confusion(5))


def test_preload_is_the_comparison_s_first_row_with_four_parts(cx, comparison) -> None:
    explorer, _ = cx
    data = explorer.preload
    count, n_parts = np.frombuffer(data[:8], "<u4").tolist()
    assert n_parts == 4
    fields = np.frombuffer(data[8 : 8 + 28 * count], "<u4").reshape(count, 7)
    assert fields[:, 0].tolist() == comparison.rank(direction="worse").indices[:32].tolist()
    first = int(fields[0, 0])
    sizes = fields[0, 3:].tolist()
    at = 8 + 28 * count
    parts = []
    for size in sizes:
        parts.append(data[at : at + size])
        at += size
    assert parts[3] == comparison.b.images.encoded(first, thumbnail=True)[2]


def test_browser_sets_the_comparison_traits_but_not_b_arrays(cx, caplog) -> None:
    explorer, comm = cx
    caplog.set_level(logging.INFO)
    explorer._handle_msg(
        update(
            {
                "model": "A",
                "direction": "better",
                "overlay": "prediction-b",
                "selected_cell": [1, 0],
            }
        )
    )
    assert (explorer.model, explorer.direction, explorer.overlay) == ("A", "better", "prediction-b")
    assert comm.resent_keys() == []
    explorer._handle_msg(update({"pooled_b": "bogus", "comparison_summary": {}}))
    assert explorer.comparison_summary["names"] == ["old", "new"]
    assert ["comparison_summary", "pooled_b"] in comm.resent_keys()
    explorer._handle_msg(update({"direction": "sideways"}))
    assert explorer.direction == "better" and comm.resent_keys()[-1] == ["direction"]
    explorer.selected_cell, explorer.direction, explorer.model = None, "worse", "delta"


# -- the explorer's methods on a comparison -------------------------------------------------------


def test_methods_answer_for_the_comparison(cx, comparison, tmp_path) -> None:
    explorer, _ = cx
    explorer.direction = "better"
    ranked = explorer.rank(0, 1)
    expected = comparison.rank(0, 1, direction="better")
    np.testing.assert_array_equal(ranked.indices, expected.indices)
    np.testing.assert_array_equal(ranked.scores, expected.scores)
    worse = explorer.rank(0, 1, direction="worse").indices
    np.testing.assert_array_equal(worse, comparison.rank(0, 1).indices)
    explorer.direction = "worse"
    assert explorer.mean_iou() == comparison.summary()["mean_iou"]
    assert explorer.pixel_accuracy() == comparison.summary()["pixel_accuracy"]
    table = explorer.class_table()
    np.testing.assert_array_equal(
        np.asarray(table["iou_delta"]), comparison.class_table()["iou_delta"]
    )
    delta = comparison.b.confusion("true") - comparison.a.confusion("true")
    np.testing.assert_array_equal(explorer.confusion(), delta)
    np.testing.assert_array_equal(explorer.confusion(None, "B"), comparison.b.confusion())
    with pytest.raises(ValueError, match=r"set explorer\.model to 'A' or 'B'"):
        explorer.top_losses(3)
    explorer.model = "B"
    np.testing.assert_array_equal(explorer.top_losses(3)[1], comparison.b.top_losses(3)[1])
    np.testing.assert_array_equal(explorer.confusion(), comparison.b.confusion("true"))
    assert explorer.most_confused(2) == comparison.b.most_confused(2)
    suspects = comparison.b.suspect_labels()
    np.testing.assert_array_equal(explorer.suspect_labels().indices, suspects.indices)
    explorer.model = "delta"
    saved = explorer.save(tmp_path / "run")
    loaded = segwidget.load(saved)
    assert isinstance(loaded, Comparison) and loaded.names == ("old", "new")


def test_a_saved_comparison_is_shown_and_one_model_after_it(comparison, tmp_path) -> None:
    loaded = segwidget.load(comparison.save(tmp_path / "pair"))
    explorer = SegExplorer(results=loaded)
    assert explorer.comparison is loaded and explorer.overlay == "difference"
    explorer.selected_cell = (2, 1)
    assert explorer.shown_indices.tolist() == _brute_gallery(loaded, (2, 1), "worse")
    assert_consistent(explorer)
    explorer.update(results=small_results())  # one model again: no B, no B overlays
    assert explorer.comparison is None and explorer.overlay == "prediction"
    assert explorer.comparison_summary == {} and explorer.pooled_b == b""
    with pytest.raises(traitlets.TraitError):
        explorer.overlay = "difference"
    assert_consistent(explorer)


# -- the charts --------------------------------------------------------------------------------


def test_charts_show_iou_changes_and_loss_changes(comparison) -> None:
    explorer = SegExplorer(results=comparison)
    charts = explorer.charts
    charts.sort.value = "class"
    a, b = comparison.a.confusion(), comparison.b.confusion()
    change = segwidget.results.metrics.iou(b) - segwidget.results.metrics.iou(a)
    np.testing.assert_allclose(charts.iou_bars.y, np.nan_to_num(change))
    assert (
        "IoU change" in charts.iou_figure.title or "IoU change" in charts.iou_figure.axes[1].label
    )
    assert charts.iou_bars.scales["y"].min == -charts.iou_bars.scales["y"].max
    losses = comparison.b.losses - comparison.a.losses
    assert charts.loss_bars.y.sum() == np.isfinite(losses).sum()
    charts.iou_bars.selected = [2]  # a click on a bar selects the class, as on one model
    assert explorer.selected_cell == [2, 2]
    matching = comparison.rank(2, 2).indices
    assert charts.match_bars.y.sum() == len(matching)
    explorer.direction = "better"  # the highlighted images follow the direction
    assert charts.match_bars.y.sum() == len(comparison.rank(2, 2, direction="better"))
    lo, hi = float(np.nanmin(losses)), float(np.nanmedian(losses))
    charts.brush.selected = np.array([lo, hi])
    assert explorer.loss_range == [lo, hi]
    kept = [n for n in comparison.rank(2, 2, direction="better").indices if lo <= losses[n] <= hi]
    assert explorer.shown_indices.tolist() == kept


def test_a_slice_restricts_the_comparison(comparison) -> None:
    explorer = SegExplorer(results=comparison)
    charts = explorer.charts
    charts.sort.value = "class"
    explorer.selected_cell = (1, 0)
    explorer.slice = {"city": ["bonn"]}
    members = [n for n in range(comparison.n_images) if comparison.a.metadata["city"][n] == "bonn"]
    assert 0 < len(members) < comparison.n_images
    expected = [n for n in _brute_gallery(comparison, (1, 0), "worse") if n in members]
    assert explorer.shown_indices.tolist() == expected
    assert_consistent(explorer)
    # the bars: each class's IoU change over the slice's images, from their own matrices
    a = sum(comparison.a.image_confusion(n) for n in members)
    b = sum(comparison.b.image_confusion(n) for n in members)
    change = segwidget.results.metrics.iou(b) - segwidget.results.metrics.iou(a)
    np.testing.assert_allclose(charts.iou_bars.y, np.nan_to_num(change))
    explorer.slice = {}
    assert explorer.shown_indices.tolist() == _brute_gallery(comparison, (1, 0), "worse")
