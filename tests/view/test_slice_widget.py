"""The explorer's slices, tags and export: the synced traits from Python and from the browser
(validated, never raising anything but TraitError), ``shown_indices`` within the slice, the
columns sent to the browser, ``export`` and ``subset`` of what is shown."""

from __future__ import annotations

import csv
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import traitlets
from comm_helpers import CITIES, assert_consistent, explorer_with_comm, small_results, update
from torch.utils.data import DataLoader, TensorDataset

import segwidget
from segwidget import SegExplorer
from segwidget.results.core import Results

BIG = "x" * 10_000_000


@pytest.fixture
def results() -> Results:
    return small_results()


@pytest.fixture
def ex(results: Results, caplog: pytest.LogCaptureFixture):
    explorer, comm = explorer_with_comm(results)
    comm.sent.clear()
    caplog.set_level(logging.INFO)
    yield explorer, comm
    for record in caplog.records:
        assert len(record.getMessage()) < 1_000, record.getMessage()[:200]
    assert_consistent(explorer)


def _loop_mask(results: Results, keep) -> np.ndarray:
    """Per image, ``keep(row)`` on a dict of its metadata: a brute-force reference."""
    meta = results.metadata
    return np.array([keep({k: v[i] for k, v in meta.items()}) for i in range(results.n_images)])


# -- columns for the browser -------------------------------------------------------------------
def test_columns_travel_as_float64_and_int32_codes_with_text_categories(results: Results) -> None:
    results.image_sizes = np.stack([np.arange(16) + 20, np.full(16, 32)], axis=1)
    explorer = SegExplorer(results=results)
    r = explorer.results
    desc, data = explorer.columns, explorer.column_data
    assert desc["n_images"] == r.n_images == 16
    entries = {e["name"]: e for e in desc["columns"]}
    assert list(entries) == ["city", "night", "exposure", "image:height", "image:width"]

    def block(name: str, dtype: str) -> np.ndarray:
        offset = entries[name]["offset"]
        assert offset % np.dtype(dtype).itemsize == 0  # aligned
        return np.frombuffer(data, dtype=dtype, count=16, offset=offset)

    city = entries["city"]
    assert city["kind"] == "text" and city["categories"] == sorted(set(CITIES))
    assert [city["categories"][k] for k in block("city", "<i4")] == CITIES * 4
    assert entries["night"]["kind"] == "bool"
    np.testing.assert_array_equal(block("night", "<i4"), np.arange(16) % 3 == 0)
    np.testing.assert_array_equal(block("exposure", "<f8"), r.metadata["exposure"])  # NaN too
    np.testing.assert_array_equal(block("image:height", "<f8"), r.image_sizes[:, 0])
    assert len(data) == 8 * 16 * 3 + 4 * 16 * 2


def test_no_metadata_and_no_sizes_send_no_column(results: Results) -> None:
    results.metadata = {}
    results.image_sizes = None  # the pass records them; results from elsewhere may not
    explorer = SegExplorer(results=results)
    assert explorer.columns == {"n_images": 16, "columns": []} and explorer.column_data == b""


# -- the slice from Python ---------------------------------------------------------------------
def test_slice_from_python_is_normalised_and_shown_indices_stay_inside(ex) -> None:
    explorer, _ = ex
    r = explorer.results
    explorer.slice = {"city": "bonn", "exposure": [0.6, math.inf]}
    assert explorer.slice == {"city": ["bonn"], "exposure": [0.6, None]}
    inside = _loop_mask(r, lambda m: m["city"] == "bonn" and m["exposure"] >= 0.6)
    by_loss = r.rank().indices
    np.testing.assert_array_equal(explorer.shown_indices, by_loss[inside[by_loss]])
    assert 0 < len(explorer.shown_indices) < 16
    explorer.selected_cell = ("road", "sidewalk")
    cell = r.rank("road", "sidewalk").indices
    np.testing.assert_array_equal(explorer.shown_indices, cell[inside[cell]])
    explorer.slice = {}
    np.testing.assert_array_equal(explorer.shown_indices, cell)


def test_a_slice_by_night_and_object_size(ex) -> None:
    explorer, _ = ex
    r = explorer.results
    explorer.slice = {"night": [True], "pixels:car": [100, None]}
    cars = np.array([r.image_confusion(i)[2].sum() for i in range(16)])
    inside = (np.arange(16) % 3 == 0) & (cars >= 100)
    by_loss = r.rank().indices
    np.testing.assert_array_equal(explorer.shown_indices, by_loss[inside[by_loss]])


BAD_SLICES = {
    "not a dict": ["city"],
    "unknown column": {"town": ["bonn"]},
    "number for text": {"city": [3]},
    "text for a range": {"exposure": ["0", "1"]},
    "one bound": {"exposure": [0.5]},
    "reversed": {"exposure": [2, 1]},
    "nan bound": {"exposure": [math.nan, 1]},
    "+inf as lo": {"exposure": [math.inf, None]},
    "-inf as hi": {"exposure": [None, -math.inf]},
    "huge int": {"exposure": [0, 10**5000]},
    "bool for a range": {"exposure": [False, True]},
    "text for a bool": {"night": ["yes"]},
    "10 MB column": {BIG: [1]},
    "10 MB value": {"city": [BIG, 5]},
    "nested": {"city": [["bonn"]]},
}


@pytest.mark.parametrize("value", BAD_SLICES.values(), ids=BAD_SLICES.keys())
def test_bad_slice_is_a_trait_error_from_python_and_reverted_from_the_browser(
    ex, value: object, caplog
) -> None:
    explorer, comm = ex
    explorer.slice = {"city": ["ulm"]}
    comm.sent.clear()
    with pytest.raises(traitlets.TraitError, match="slice"):
        explorer.slice = value
    assert explorer.slice == {"city": ["ulm"]}
    if not _has_huge_int(value):  # JSON cannot carry those
        explorer._handle_msg(update({"slice": value}))
        assert explorer.slice == {"city": ["ulm"]}
        assert comm.resent_keys()[-1] == ["slice"]
        assert "ignored a bad state update from the browser" in caplog.text


def _has_huge_int(value: object) -> bool:
    return isinstance(value, dict) and any(
        isinstance(v, list) and any(isinstance(x, int) and x > 2**64 for x in v)
        for v in value.values()
    )


def test_browser_slice_sets_shown_indices(ex) -> None:
    explorer, comm = ex
    explorer._handle_msg(update({"slice": {"night": [False], "city": ["ulm", "<b>köln</b>"]}}))
    r = explorer.results
    inside = _loop_mask(r, lambda m: not m["night"] and m["city"] in ("ulm", "<b>köln</b>"))
    by_loss = r.rank().indices
    np.testing.assert_array_equal(explorer.shown_indices, by_loss[inside[by_loss]])
    assert comm.resent_keys() == []


# -- tags ---------------------------------------------------------------------------------------
def test_tags_from_python_and_from_the_browser_are_the_results_tags(ex, tmp_path: Path) -> None:
    explorer, comm = ex
    explorer.tags = {"relabel": [9, 2, 2]}
    assert explorer.tags == explorer.results.tags == {"relabel": [2, 9]}
    hostile = "<img src=x onerror=window.__xss=1>"
    comm.sent.clear()
    explorer._handle_msg(update({"tags": {"relabel": [2, 9], hostile: [0, 1]}}))
    assert explorer.results.tags == {"relabel": [2, 9], hostile: [0, 1]}
    assert comm.resent_keys() == []
    loaded = segwidget.load(explorer.save(tmp_path / "run"))
    assert loaded.tags == {"relabel": [2, 9], hostile: [0, 1]}
    assert SegExplorer(results=loaded).tags == loaded.tags


def test_tag_and_untag_methods_update_the_view(ex) -> None:
    explorer, comm = ex
    explorer.slice = {"city": ["bonn"]}
    assert explorer.tag("bonn", explorer.shown_indices) == sorted(explorer.shown_indices.tolist())
    assert explorer.tags == {"bonn": sorted(explorer.shown_indices.tolist())}
    assert ["tags"] in comm.resent_keys()  # the browser is told
    explorer.slice = {"tag:bonn": [True], "night": [False]}
    explorer.untag("bonn")  # the tag goes, and with it the slice's condition on it
    assert explorer.tags == {} and explorer.slice == {"night": [False]}
    with pytest.raises(segwidget.TagError, match="no tag"):
        explorer.untag("bonn")


BAD_TAGS = {
    "not a dict": [["x", [1]]],
    "blank name": {" ": [1]},
    "index out of range": {"x": [16]},
    "negative": {"x": [-1]},
    "float": {"x": [1.0]},
    "bool": {"x": [True]},
    "huge int": {"x": [10**5000]},  # cannot even be printed
    "not a list": {"x": 3},
    "long name": {"y" * 201: [1]},
    "10 MB name": {BIG: [1]},
}


@pytest.mark.parametrize("value", BAD_TAGS.values(), ids=BAD_TAGS.keys())
def test_bad_tags_are_a_trait_error(ex, value: object) -> None:
    explorer, comm = ex
    explorer.tags = {"keep": [1]}
    with pytest.raises(traitlets.TraitError, match="tags"):
        explorer.tags = value
    assert explorer.tags == explorer.results.tags == {"keep": [1]}
    if not _has_huge_int(value):
        comm.sent.clear()
        explorer._handle_msg(update({"tags": value}))
        assert explorer.results.tags == {"keep": [1]} and comm.resent_keys() == [["tags"]]


@pytest.mark.parametrize("value", [[16], [-1], [1.5], [True], "3", None, [[1]], {"a": 1}])
def test_bad_picks_are_reverted(ex, value: object) -> None:
    explorer, comm = ex
    explorer.picked_images = np.array([3, 1])  # numpy from Python is fine
    assert explorer.picked_images == [1, 3]
    comm.sent.clear()
    explorer._handle_msg(update({"picked_images": value}))
    assert explorer.picked_images == [1, 3] and comm.resent_keys() == [["picked_images"]]
    with pytest.raises(traitlets.TraitError, match="picked_images"):
        explorer.picked_images = value


def test_new_results_clear_the_slice_and_picks_and_bring_their_tags(ex) -> None:
    explorer, _ = ex
    explorer.slice = {"city": ["bonn"]}
    explorer.picked_images = [4]
    other = small_results(seed=1)
    other.metadata = {"site": np.array(["a", "b"] * 8)}
    other.tags = {"old": [0]}
    explorer.update(results=other)
    assert explorer.slice == {} and explorer.picked_images == [] and explorer.tags == {"old": [0]}
    names = [e["name"] for e in explorer.columns["columns"]]
    assert names == ["site", "image:height", "image:width"]  # sizes: recorded by the pass
    explorer.slice = {"site": "a"}
    assert explorer.shown_indices.tolist() == [i for i in other.rank().indices if i % 2 == 0]


# -- export and subset of what is shown ---------------------------------------------------------
def test_export_writes_exactly_the_shown_images_in_order(ex, tmp_path: Path) -> None:
    explorer, _ = ex
    r = explorer.results
    explorer.tags = {"x": [0, 3, 5]}
    explorer.slice = {"night": [False]}
    explorer.selected_cell = ("road", "car")
    shown, scores = explorer.shown_indices, explorer.ranking().scores
    assert 0 < len(shown) < 16
    path = explorer.export(tmp_path / "shown.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [int(row["index"]) for row in rows] == shown.tolist()
    for row, i, score in zip(rows, shown, scores, strict=True):
        assert float(row["score"]) == score
        assert row["city"] == r.metadata["city"][i] and row["night"] == "False"
        assert row["tag:x"] == str(i in (0, 3, 5))
    table = pd.read_parquet(explorer.export(tmp_path / "shown.parquet", pixels=True))
    assert table["index"].tolist() == shown.tolist()
    assert table["pixels:car"].tolist() == [r.image_confusion(i)[2].sum() for i in shown]


def test_subset_yields_the_shown_or_tagged_items_of_the_users_dataset() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(12, 3, 8, 8, generator=g)
    y = torch.randint(0, 3, (12, 8, 8), generator=g)
    dataset = TensorDataset(x, y)
    model = torch.nn.Conv2d(3, 3, 1)
    explorer = SegExplorer(
        model, DataLoader(dataset, batch_size=5), ["a", "b", "c"], progress=False,
        metadata={"half": np.arange(12) < 6},
    )  # fmt: skip
    explorer.slice = {"half": True}
    subset = explorer.subset(dataset)
    assert [int(i) for i in subset.indices] == explorer.shown_indices.tolist()
    for k, i in enumerate(explorer.shown_indices):
        assert torch.equal(subset[k][0], x[i])  # the very images shown
    explorer.tag("look", [7, 2])
    tagged = explorer.subset(dataset, tagged="look")
    assert [torch.equal(tagged[k][0], x[i]) for k, i in enumerate([2, 7])] == [True, True]
    with pytest.raises(KeyError, match="no tag 'nope'"):
        explorer.subset(dataset, tagged="nope")


def test_class_table_by_a_column_from_the_explorer(ex) -> None:
    explorer, _ = ex
    table = explorer.class_table(by="city")
    for city in set(CITIES):
        alone = explorer.results.where(city=city).class_table()
        pd.testing.assert_series_equal(table["iou"][city], alone["iou"], check_names=False)
