"""Tags on ``Results``, ``export`` (CSV or Parquet) and ``subset_dataset``: finding to fixing."""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import TensorDataset

import segwidget
from segwidget.results.imaging import palette
from segwidget.results.sparse import SparseConfusion
from segwidget.results.tags import TagError, parse_tags

N = 10


@pytest.fixture
def results(rng: np.random.Generator) -> segwidget.Results:
    dense = np.where(rng.random((N, 3, 3)) < 0.6, rng.integers(1, 50, (N, 3, 3)), 0)
    losses = rng.random(N)
    losses[3] = np.nan
    return segwidget.Results(
        classes=["road", "sidewalk", "car"],
        losses=losses,
        image_confusions=SparseConfusion.from_dense(dense),
        images=None,
        colors=palette(3),
        image_sizes=np.tile([96, 128], (N, 1)).astype(np.int64),
        metadata={
            "city": np.array(['bonn, "old"', "ulm", "köln\nnew", "=1+2", ""] * 2),
            "night": np.arange(N) % 3 == 0,
            "exposure": np.linspace(0.7, 1.3, N),
            "cars": np.arange(N) % 4,
        },
        tags={"relabel": [1, 4]},
    )


# -- tags ------------------------------------------------------------------------------------
def test_tag_and_untag_keep_sorted_unique_members(results: segwidget.Results) -> None:
    assert segwidget.tag(results, "relabel", [7, 4, 7]) == [1, 4, 7]
    assert segwidget.tag(results, "train more", np.array([2, 0])) == [0, 2]
    assert results.tags == {"relabel": [1, 4, 7], "train more": [0, 2]}
    assert segwidget.untag(results, "relabel", [4, 9]) == [1, 7]  # 9 was not in it
    assert segwidget.untag(results, "train more") == [0, 2]
    assert results.tags == {"relabel": [1, 7]}
    assert results.where({"tag:relabel": True}).dataset_index().tolist() == [1, 7]
    assert results.where({"tag:relabel": False}).n_images == N - 2


@pytest.mark.parametrize(
    ("name", "indices", "message"),
    [
        ("relabel", [N], "outside 0..9"),
        ("relabel", [-1], "outside 0..9"),
        ("relabel", [True], "integers"),
        ("relabel", [1.0], "integers"),
        ("relabel", "1", "list of image indices"),
        ("relabel", np.zeros((2, 2), int), "1-D integer"),
        ("relabel", np.array([0.5]), "1-D integer"),
        ("  ", [1], "non-blank"),
        (3, [1], "non-blank"),
        ("x" * 201, [1], "longer than 200"),
    ],
)
def test_bad_tags_are_refused_and_change_nothing(
    results: segwidget.Results, name: Any, indices: Any, message: str
) -> None:
    before = {k: list(v) for k, v in results.tags.items()}
    with pytest.raises(TagError, match=message):
        segwidget.tag(results, name, indices)
    assert results.tags == before
    with pytest.raises(TagError, match="no tag 'nope'"):
        segwidget.untag(results, "nope")


def test_tags_survive_save_load_and_slices(results: segwidget.Results, tmp_path: Path) -> None:
    segwidget.tag(results, "relabel", [8])
    loaded = segwidget.load(results.save(tmp_path / "r.npz"))
    assert loaded.tags == {"relabel": [1, 4, 8]}
    part = loaded.where(cars=[0, 1])  # images 0, 1, 4, 5, 8, 9
    assert part.dataset_index()[part.tags["relabel"]].tolist() == [1, 4, 8]


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=12,
    )
)
def test_any_browser_tags_value_gives_tags_or_a_tag_error(value: Any) -> None:
    try:
        tags = parse_tags(value, 5)
    except TagError:
        return
    for name, members in tags.items():
        assert isinstance(name, str) and name.strip()
        assert members == sorted(set(members)) and all(0 <= i < 5 for i in members)


def test_parse_tags_cleans_a_good_dict() -> None:
    assert parse_tags({"a": [3, 1, 3], "b": []}, 4) == {"a": [1, 3], "b": []}
    with pytest.raises(TagError, match="outside"):
        parse_tags({"a": [4]}, 4)


# -- export ----------------------------------------------------------------------------------
def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_csv_lists_exactly_the_ranked_images_with_their_columns(
    results: segwidget.Results, tmp_path: Path
) -> None:
    ranking = results.rank("sidewalk", "road")
    assert 0 < len(ranking) < N
    written = segwidget.export(results, tmp_path / "shown.csv", ranking, escape_formulas=False)
    rows = _read_csv(written)  # unescaped: every text exactly as given
    assert list(rows[0]) == [
        "index", "score", "loss", "city", "night", "exposure", "cars",
        "image:height", "image:width", "tag:relabel",
    ]  # fmt: skip
    assert [int(r["index"]) for r in rows] == ranking.indices.tolist()
    for row, i, score in zip(rows, ranking.indices, ranking.scores, strict=True):
        assert float(row["score"]) == score  # exactly: shortest round-trip repr
        loss = float(row["loss"])
        assert (math.isnan(loss) and math.isnan(results.losses[i])) or loss == results.losses[i]
        assert row["city"] == results.metadata["city"][i]  # commas, quotes, newlines, formulas
        assert row["night"] == str(bool(results.metadata["night"][i]))
        assert float(row["exposure"]) == results.metadata["exposure"][i]
        assert int(row["cars"]) == results.metadata["cars"][i]
        assert (int(row["image:height"]), int(row["image:width"])) == (96, 128)
        assert row["tag:relabel"] == str(i in results.tags["relabel"])
    # pandas reads the same table back
    table = pd.read_csv(tmp_path / "shown.csv", keep_default_na=False)
    assert table["index"].tolist() == ranking.indices.tolist()
    assert table["night"].dtype == bool


def test_export_of_a_slice_writes_dataset_indices(
    results: segwidget.Results, tmp_path: Path
) -> None:
    part = results.where(night=False)
    rows = _read_csv(segwidget.export(part, tmp_path / "day.csv"))  # every image, no score
    assert "score" not in rows[0] and "pixels:road" not in rows[0]
    assert [int(r["index"]) for r in rows] == np.flatnonzero(~results.metadata["night"]).tolist()
    ranked = part.rank()  # by loss within the slice
    rows = _read_csv(segwidget.export(part, tmp_path / "ranked.csv", ranked, pixels=True))
    assert [int(r["index"]) for r in rows] == part.dataset_index()[ranked.indices].tolist()
    for r in rows:
        assert int(r["pixels:sidewalk"]) == results.image_confusion(int(r["index"]))[1].sum()


def test_export_refuses_clashes_and_unknown_formats(
    results: segwidget.Results, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        segwidget.export(results, tmp_path / "x.xlsx")
    results.metadata["loss"] = np.zeros(N)
    with pytest.raises(ValueError, match=r"metadata column 'loss': .* export writes itself"):
        segwidget.export(results, tmp_path / "x.csv")


def test_parquet_without_pyarrow_says_what_to_install(
    results: segwidget.Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now fails
    with pytest.raises(ImportError, match="pip install pyarrow"):
        segwidget.export(results, tmp_path / "x.parquet")
    assert not (tmp_path / "x.parquet").exists()


def test_parquet_round_trip_keeps_types(results: segwidget.Results, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    ranking = results.rank("road")
    path = segwidget.export(results, tmp_path / "shown.parquet", ranking)
    table = pd.read_parquet(path)
    assert table["index"].tolist() == ranking.indices.tolist()
    np.testing.assert_array_equal(table["score"].to_numpy(), ranking.scores)
    assert table["night"].dtype == bool and table["cars"].dtype == np.int64
    assert table["city"].tolist() == results.metadata["city"][ranking.indices].tolist()


# -- the user's dataset, restricted ------------------------------------------------------------
def test_subset_dataset_yields_the_chosen_images(results: segwidget.Results) -> None:
    images = torch.arange(N * 2, dtype=torch.float32).reshape(N, 2)
    dataset = TensorDataset(images, torch.arange(N))
    part = results.where(night=False)  # images 1, 2, 4, 5, 7, 8
    chosen = part.rank("road").indices[:3]
    subset = segwidget.subset_dataset(part, dataset, chosen)
    expected = part.dataset_index()[chosen]
    assert len(subset) == 3
    for k, i in enumerate(expected):
        image, label = subset[k]
        assert torch.equal(image, images[i]) and int(label) == i
    tagged = segwidget.subset_dataset(results, dataset, results.tags["relabel"])
    assert [int(tagged[k][1]) for k in range(len(tagged))] == [1, 4]
    with pytest.raises(IndexError, match="dataset has 5 items"):
        segwidget.subset_dataset(results, TensorDataset(images[:5]), [0, 7])
    with pytest.raises(ValueError, match="repeat"):
        segwidget.subset_dataset(results, dataset, [1, 1])
