"""Slices: ``Results.where``, its columns, the one validator for slice dicts, ``class_table(by=)``.

A slice's numbers are checked against ``analyze`` run on only the slice's images, and
``where`` against a plain loop that evaluates every condition row by row.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from models import Passthrough, logit_batches
from references import class_scores, dense_confusions
from torch.utils.data import DataLoader, Subset, TensorDataset

import segwidget
from segwidget.results.imaging import palette
from segwidget.results.metadata import plain_columns
from segwidget.results.slices import SliceError, image_columns, validate_slice
from segwidget.results.sparse import SparseConfusion

N, C, HW = 15, 4, (6, 7)
CLASSES = [f"k{j}" for j in range(C)]


def _run(dataset: Any) -> segwidget.Results:
    loader = DataLoader(dataset, batch_size=4, shuffle=False)
    return segwidget.analyze(Passthrough(), loader, CLASSES, keep_images=False, progress=False)


@pytest.fixture(scope="module")
def synthetic() -> tuple[TensorDataset, segwidget.Results, dict[str, np.ndarray]]:
    """A pass over random logits, with metadata, and the raw arrays it came from."""
    rng = np.random.default_rng(7)
    batches = logit_batches(rng, [N], C, hw=HW)
    logits, masks = batches[0]
    dataset = TensorDataset(logits, masks)
    results = _run(dataset)
    score = rng.random(N)
    score[[2, 9]] = np.nan
    meta = {
        "city": rng.choice(["bonn", "ulm", "köln"], N),
        "night": rng.random(N) < 0.4,
        "rating": score,
        "cars": rng.integers(0, 4, N),
    }
    results.metadata = dict(meta)
    results.tags = {"relabel": [1, 4, 11]}
    raw = {"logits": logits.numpy(), "masks": masks.numpy()}
    return dataset, results, {**meta, **raw}


def _meets(value: Any, condition: Any) -> bool:
    """One condition on one plain Python value, written out as the docs say."""
    if isinstance(value, bool | str):
        allowed = condition if isinstance(condition, list) else [condition]
        return value in allowed
    lo, hi = condition
    return not math.isnan(value) and (lo is None or value >= lo) and (hi is None or value <= hi)


def _brute_where(table: dict[str, np.ndarray], spec: dict[str, Any]) -> list[int]:
    n = len(next(iter(table.values())))
    rows = [{name: column[i].item() for name, column in table.items()} for i in range(n)]
    return [i for i, row in enumerate(rows) if all(_meets(row[k], c) for k, c in spec.items())]


SPECS = [
    {"city": "bonn"},
    {"city": ["ulm", "köln"], "night": True},
    {"rating": [0.2, 0.7]},
    {"rating": [None, 0.5], "cars": [1, 2]},
    {"pixels:k1": [10, None], "city": ["bonn", "ulm"]},
    {"tag:relabel": True},
]


@pytest.mark.parametrize("spec", SPECS)
def test_slice_numbers_equal_a_pass_over_only_its_images(
    synthetic: tuple[TensorDataset, segwidget.Results, dict[str, np.ndarray]],
    spec: dict[str, Any],
) -> None:
    dataset, results, raw = synthetic
    table = {**image_columns(results)}
    part = results.where(spec)
    idx = part.dataset_index()
    assert idx.tolist() == _brute_where(table, spec)
    assert 0 < idx.size < N  # each spec keeps some images and drops some
    alone = _run(Subset(dataset, idx.tolist()))
    np.testing.assert_array_equal(part.confusion(), alone.confusion())
    pd.testing.assert_frame_equal(part.class_table(), alone.class_table(), check_exact=True)
    assert part.most_confused(5) == alone.most_confused(5)
    ranked, ranked_alone = part.rank("k1", "k2"), alone.rank("k1", "k2")
    np.testing.assert_array_equal(ranked.indices, ranked_alone.indices)
    np.testing.assert_array_equal(ranked.scores, ranked_alone.scores)
    np.testing.assert_allclose(part.losses, alone.losses, rtol=1e-6)
    # and against the brute-force count of the slice's pixels
    preds = raw["logits"][idx].argmax(1)
    dense = dense_confusions(raw["masks"][idx], preds, C, 255)
    np.testing.assert_array_equal(part.confusion(), dense.sum(0))
    ref = class_scores(raw["masks"][idx], preds, C, 255)
    np.testing.assert_allclose(part.class_table()["iou"].to_numpy(), ref["iou"], equal_nan=True)


def test_where_keeps_tags_and_metadata_and_chains(
    synthetic: tuple[TensorDataset, segwidget.Results, dict[str, np.ndarray]],
) -> None:
    _, results, raw = synthetic
    bonn = results.where(city="bonn")
    expected = np.flatnonzero(raw["city"] == "bonn")
    np.testing.assert_array_equal(bonn.dataset_index(), expected)
    np.testing.assert_array_equal(bonn.metadata["rating"], raw["rating"][expected], strict=True)
    assert [int(expected[i]) for i in bonn.tags["relabel"]] == [
        i for i in results.tags["relabel"] if raw["city"][i] == "bonn"
    ]
    # a slice of a slice still maps to the dataset
    both = bonn.where(night=False)
    np.testing.assert_array_equal(
        both.dataset_index(), np.flatnonzero((raw["city"] == "bonn") & ~raw["night"])
    )
    # the dict and keywords combine; no condition keeps every image
    np.testing.assert_array_equal(
        results.where({"city": "bonn"}, night=False).dataset_index(), both.dataset_index()
    )
    assert results.where().n_images == N
    assert results.where(city=[]).n_images == 0


def test_range_bounds_are_inclusive_and_nan_never_matches() -> None:
    results = _hand_results(np.random.default_rng(0), 6)
    results.metadata = {"x": np.array([1.0, 2.0, np.nan, 3.0, 2.0, -np.inf])}
    assert results.where(x=[2, 3]).dataset_index().tolist() == [1, 3, 4]
    assert results.where(x=[None, 2]).dataset_index().tolist() == [0, 1, 4, 5]
    assert results.where(x=[None, None]).dataset_index().tolist() == [0, 1, 3, 4, 5]
    assert results.where(x=(2.0, 2.0)).dataset_index().tolist() == [1, 4]


def test_text_values_are_not_truncated_to_the_column_width() -> None:
    results = _hand_results(np.random.default_rng(0), 4)
    results.metadata = {"city": np.array(["bonn", "ulm", "bonn", "ulm"])}  # dtype <U4
    assert results.where(city="bonnX").n_images == 0
    assert results.where(city=["ulm", "bonn"]).n_images == 4


def _hand_results(rng: np.random.Generator, n: int, c: int = 3) -> segwidget.Results:
    dense = np.where(rng.random((n, c, c)) < 0.5, rng.integers(1, 30, (n, c, c)), 0)
    return segwidget.Results(
        classes=[f"c{j}" for j in range(c)],
        losses=rng.random(n),
        image_confusions=SparseConfusion.from_dense(dense),
        images=None,
        colors=palette(c),
        image_sizes=np.stack([rng.integers(100, 600, n), rng.integers(100, 900, n)], 1),
    )


def test_derived_columns_size_object_pixels_and_tags(rng: np.random.Generator) -> None:
    results = _hand_results(rng, 9)
    results.metadata = {"city": np.array(["a", "b", "c"] * 3)}
    results.tags = {"relabel": [0, 5], "odd one": []}
    cols = image_columns(results)
    assert list(cols) == [
        "city", "image:height", "image:width", "pixels:c0", "pixels:c1", "pixels:c2",
        "tag:relabel", "tag:odd one",
    ]  # fmt: skip
    np.testing.assert_array_equal(cols["image:height"], results.image_sizes[:, 0])
    np.testing.assert_array_equal(cols["image:width"], results.image_sizes[:, 1])
    for k in range(3):
        truth_pixels = [results.image_confusion(i)[k].sum() for i in range(9)]
        assert cols[f"pixels:c{k}"].tolist() == truth_pixels
    assert cols["tag:relabel"].tolist() == [i in (0, 5) for i in range(9)]
    assert not cols["tag:odd one"].any()
    # without recorded sizes there are no size columns (rather than made-up ones)
    results.image_sizes = None
    assert "image:height" not in image_columns(results)
    tall = _hand_results(rng, 9).where({"image:height": [300, None]})
    assert (tall.image_sizes[:, 0] >= 300).all()


def test_user_columns_may_not_take_derived_names() -> None:
    for name in ("pixels:road", "tag:x", "image:height"):
        with pytest.raises(ValueError, match="derived"):
            plain_columns({name: [1, 2]})
    results = _hand_results(np.random.default_rng(0), 2)
    results.metadata = {"tag:relabel": np.array([True, False])}
    with pytest.raises(ValueError, match="tag:relabel"):
        image_columns(results)
    results.metadata = {"city": np.array(["a", "b", "c"])}  # length changed after the pass
    with pytest.raises(ValueError, match="3 entries but there are 2 images"):
        results.where(city="a")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"town": "bonn"}, "no column 'town'"),
        ({"rating": "bonn"}, "column 'rating' is numeric"),
        ({"rating": [1, 2, 3]}, "column 'rating' is numeric"),
        ({"rating": [True, 2]}, "column 'rating' is numeric"),
        ({"rating": [0.5, 0.2]}, "empty"),
        ({"rating": [float("nan"), 1]}, "NaN"),
        ({"rating": [10**400, None]}, "out of range"),
        ({"city": [0, 5]}, "column 'city' is a text category"),
        ({"night": "yes"}, "column 'night' is a boolean category"),
        ({"night": [1]}, "column 'night' is a boolean category"),
        (["city"], "a slice is a dict"),
    ],
)
def test_bad_conditions_name_the_column_and_its_kind(
    synthetic: tuple[TensorDataset, segwidget.Results, dict[str, np.ndarray]],
    spec: Any,
    message: str,
) -> None:
    _, results, _ = synthetic
    with pytest.raises(SliceError, match=message):
        validate_slice(spec, image_columns(results))
    with pytest.raises(SliceError, match=message):
        results.where(spec)


def test_where_refuses_a_column_given_twice(
    synthetic: tuple[TensorDataset, segwidget.Results, dict[str, np.ndarray]],
) -> None:
    _, results, _ = synthetic
    with pytest.raises(SliceError, match="both"):
        results.where({"city": "bonn"}, city="ulm")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
NAMES = st.sampled_from(["city", "night", "rating", "cars", "pixels:k0", "tag:relabel", "nope"])


@settings(max_examples=300, deadline=None)
@given(spec=JSON | st.dictionaries(NAMES, JSON, max_size=4))
def test_any_browser_value_gives_conditions_or_a_slice_error(spec: Any) -> None:
    results = _fuzz_results()
    try:
        conditions = validate_slice(spec, image_columns(results))
    except SliceError:
        return
    assert set(conditions) <= set(image_columns(results))


_FUZZ: list[segwidget.Results] = []


def _fuzz_results() -> segwidget.Results:
    if not _FUZZ:
        results = _hand_results(np.random.default_rng(3), 8, c=2)
        results.classes = ["k0", "k1"]
        results.metadata = {
            "city": np.array(["bonn", "ulm"] * 4),
            "night": np.arange(8) % 3 == 0,
            "rating": np.linspace(0, 1, 8),
            "cars": np.arange(8) % 4,
        }
        results.tags = {"relabel": [2, 3]}
        _FUZZ.append(results)
    return _FUZZ[0]


CONDITION = {
    "city": st.sampled_from(["bonn", "ulm", "x"]) | st.lists(st.sampled_from(["bonn", "ulm"])),
    "night": st.booleans() | st.lists(st.booleans(), max_size=2),
    "tag:relabel": st.booleans(),
    "rating": st.tuples(st.none() | st.floats(-0.2, 1.2), st.none() | st.floats(-0.2, 1.2)),
    "cars": st.tuples(st.none() | st.integers(-1, 4), st.none() | st.integers(-1, 4)),
}


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({}, optional=CONDITION))
def test_where_matches_a_row_by_row_loop(spec: dict[str, Any]) -> None:
    results = _fuzz_results()
    spec = {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in spec.items()
        if not (isinstance(v, tuple) and None not in v and v[0] > v[1])  # empty ranges refused
    }
    expected = _brute_where(image_columns(results), spec)
    assert results.where(spec).dataset_index().tolist() == expected


def test_class_table_by_category_puts_the_slices_side_by_side(
    synthetic: tuple[TensorDataset, segwidget.Results, dict[str, np.ndarray]],
) -> None:
    _, results, raw = synthetic
    table = results.class_table(by="city")
    assert list(table.columns.get_level_values(0).unique()) == list(results.class_table().columns)
    assert list(table["iou"].columns) == ["bonn", "köln", "ulm"]
    for city in ("bonn", "köln", "ulm"):
        idx = np.flatnonzero(raw["city"] == city)
        ref = class_scores(raw["masks"][idx], raw["logits"][idx].argmax(1), C, 255)
        for metric in ("iou", "recall", "precision", "support", "images"):
            np.testing.assert_allclose(table[metric][city].to_numpy(), ref[metric], equal_nan=True)
        assert table.attrs["images"][city] == idx.size
        assert table.attrs["mean_iou"][city] == results.where(city=city).mean_iou()
    by_night = results.class_table(by="night")
    assert list(by_night["support"].columns) == [False, True]
    np.testing.assert_array_equal(
        by_night["support"].sum(axis=1).to_numpy(), results.class_table()["support"].to_numpy()
    )


def test_class_table_by_number_needs_bins(
    synthetic: tuple[TensorDataset, segwidget.Results, dict[str, np.ndarray]],
) -> None:
    _, results, raw = synthetic
    with pytest.raises(SliceError, match="numeric: give bins="):
        results.class_table(by="rating")
    with pytest.raises(SliceError, match="category"):
        results.class_table(by="city", bins=3)
    with pytest.raises(SliceError, match="no column 'town'"):
        results.class_table(by="town")
    with pytest.raises(SliceError, match="increasing"):
        results.class_table(by="rating", bins=[0.5, 0.1])
    # explicit edges: [lo, hi) and a closed last bin; NaN and values outside in no bin
    table = results.class_table(by="rating", bins=[0.0, 0.3, 0.6])
    assert list(table["images"].columns) == ["[0, 0.3)", "[0.3, 0.6]"]
    score = raw["rating"]
    for label, inside in [
        ("[0, 0.3)", (score >= 0) & (score < 0.3)),
        ("[0.3, 0.6]", (score >= 0.3) & (score <= 0.6)),
    ]:
        assert table.attrs["images"][label] == inside.sum()
        idx = np.flatnonzero(inside)
        ref = class_scores(raw["masks"][idx], raw["logits"][idx].argmax(1), C, 255)
        np.testing.assert_allclose(table["support"][label].to_numpy(), ref["support"])
    # quantile bins: every finite value in exactly one bin, about equally many per bin
    quartiles = results.class_table(by="rating", bins=4)
    counts = list(quartiles.attrs["images"].values())
    assert sum(counts) == np.isfinite(score).sum() and max(counts) - min(counts) <= 1
    assert len(results.class_table(by="cars", bins=50).attrs["images"]) <= N


def test_class_table_by_without_pandas_gives_rows_per_slice(
    synthetic: tuple[TensorDataset, segwidget.Results, dict[str, np.ndarray]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, results, raw = synthetic
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    table = results.class_table(by="night")
    assert list(table) == [False, True]
    for night, rows in table.items():
        idx = np.flatnonzero(raw["night"] == night)
        ref = class_scores(raw["masks"][idx], raw["logits"][idx].argmax(1), C, 255)
        assert [row["class"] for row in rows] == CLASSES
        np.testing.assert_allclose([row["iou"] for row in rows], ref["iou"], equal_nan=True)
        assert [row["images"] for row in rows] == list(ref["images"])
