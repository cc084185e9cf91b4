"""Issue 13's collection: ``analyze(..., metadata=..., collect=[...])`` fills ``Results.metadata``
in the loader's order; every mismatch is a clear error naming the batch and the column."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.distributed as dist
from expect import assert_reference, first_batches
from models import InterruptingLoader, Passthrough, logit_batches
from torch.utils.data import DataLoader, Dataset, DistributedSampler

import segwidget
from segwidget import InputError

CLASSES = ["a", "b", "c"]
CITIES = ["bonn", "köln", "aachen", "bonn", "essen", "köln", "bonn"]
FILES = [f"img_{i:03d}.png" for i in range(7)]


@pytest.fixture
def batches(rng: np.random.Generator) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return logit_batches(rng, [2, 3, 2], 3, hw=(5, 6))


def _run(dl, **kwargs) -> segwidget.Results:
    return segwidget.analyze(Passthrough(), dl, CLASSES, progress=False, **kwargs)


def _table() -> dict[str, list]:
    return {"city": CITIES, "height": [1.5, 2, 3, 4, 5, 6, 7], "night": [0, 1, 0, 0, 1, 1, 0]}


def _assert_columns(metadata: dict, expected: dict, n: int) -> None:
    assert list(metadata) == list(expected)
    for name, values in expected.items():
        np.testing.assert_array_equal(metadata[name], np.asarray(values)[:n])


@pytest.mark.parametrize("form", ["dict", "DataFrame"])
def test_metadata_is_kept_in_the_loaders_order(batches, form: str) -> None:
    table = _table() if form == "dict" else pd.DataFrame(_table())
    results = _run(batches, metadata=table)
    assert_reference(results, *first_batches(batches, 3))
    _assert_columns(results.metadata, _table(), 7)
    assert results.metadata["height"].dtype == np.float64
    assert results.metadata["night"].dtype == np.int64
    assert results.metadata["city"].dtype.kind == "U"


def test_too_few_rows_stop_at_the_batch_that_runs_out(batches) -> None:
    table = {name: values[:4] for name, values in _table().items()}
    message = (
        "batch 1: metadata has 4 rows but this batch brings the images to 5; metadata needs "
        "one row per image, in the loader's order"
    )
    with pytest.raises(InputError, match="^" + re.escape(message) + "$") as info:
        _run(batches, metadata=table)
    assert_reference(info.value.results, *first_batches(batches, 1), partial=True)
    _assert_columns(info.value.results.metadata, table, 2)


def test_too_many_rows_after_a_full_pass(batches) -> None:
    table = {name: [*values, values[0]] for name, values in _table().items()}
    message = "metadata has 8 rows but the pass analysed 7 images; metadata needs one row per image"
    with pytest.raises(InputError, match="^" + re.escape(message)) as info:
        _run(iter(batches), metadata=table)
    assert_reference(info.value.results, *first_batches(batches, 3))  # complete, not partial
    assert info.value.results.metadata == {}


def test_an_interrupted_pass_keeps_the_first_rows(batches) -> None:
    with pytest.warns(UserWarning, match="interrupted after 5 images"):
        results = _run(InterruptingLoader(batches, 2), metadata=_table())
    assert_reference(results, *first_batches(batches, 2), partial=True)
    _assert_columns(results.metadata, _table(), 5)


class _Scenes(Dataset):
    """Dict samples with extra per-image keys, as many datasets return them."""

    def __init__(self, batches: list) -> None:
        self.x = torch.cat([x for x, _ in batches])
        self.y = torch.cat([y for _, y in batches])

    def __len__(self) -> int:
        return self.x.shape[0]

    def __getitem__(self, i: int) -> dict:
        return {
            "image": self.x[i], "mask": self.y[i], "city": CITIES[i], "file": f"img_{i:03d}.png",
            "height": torch.tensor(10.0 * i), "idx": i,
        }  # fmt: skip


def test_loader_checks_before_the_pass(batches) -> None:
    shuffled = DataLoader(_Scenes(batches), batch_size=3, shuffle=True)
    with pytest.raises(InputError, match=r"^metadata= lists the images in the dataset's order but"):
        _run(shuffled, metadata=_table())
    longer = DataLoader(_Scenes(batches), batch_size=3)
    table = {name: [*values, values[0]] for name, values in _table().items()}
    message = "metadata has 8 rows but the DataLoader's dataset has 7 images"
    with pytest.raises(InputError, match="^" + re.escape(message)):
        _run(longer, metadata=table)


def test_collected_keys_become_columns(batches) -> None:
    dl = DataLoader(_Scenes(batches), batch_size=3)
    results = _run(dl, collect=["city", "file", "height", "idx"], metadata={"night": [1] * 7})
    assert_reference(results, *first_batches(batches, 3))
    expected = {
        "night": [1] * 7,
        "city": CITIES,
        "file": FILES,
        "height": [10.0 * i for i in range(7)],
        "idx": list(range(7)),
    }
    _assert_columns(results.metadata, expected, 7)


def test_collected_metadata_is_saved(batches, tmp_path) -> None:
    results = _run(DataLoader(_Scenes(batches), batch_size=4), collect=["city", "height"])
    again = segwidget.load(results.save(tmp_path / "run.npz"))
    _assert_columns(again.metadata, {"city": CITIES, "height": [10.0 * i for i in range(7)]}, 7)


def _dict_batches(batches, extra: list[dict]) -> list[dict]:
    return [{"image": x, "mask": y, **more} for (x, y), more in zip(batches, extra, strict=True)]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            [{"city": ["a", "b"]}, {"town": ["a", "b", "c"]}],
            "batch 1: collect= asks for 'city' but the batch has no such key "
            "(its keys: ['image', 'mask', 'town'])",
        ),
        (
            [{"city": ["a", "b"]}, {"city": ["a", "b"]}],
            "batch 1: collected key 'city' has 2 values but the batch has 3 images",
        ),
        (
            [{"city": ["a", "b"]}, {"city": "bonn"}],
            "batch 1: collected key 'city' is a single str, not one value per image "
            "(a list or tensor of length 3)",
        ),
        (
            [{"city": ["a", "b"]}, {"city": torch.zeros(3, 2)}],
            "batch 1: collected metadata column 'city' must be 1-D, got shape (3, 2)",
        ),
        (
            [{"city": ["a", "b"]}, {"city": [None, "b", "c"]}],
            "batch 1: collected metadata column 'city' mixes missing values (None) (row 0: None) "
            "and text (row 1: 'b'); give one kind per column, e.g. text for every row",
        ),
        (
            [{"city": ["a", "b"]}, {"city": torch.tensor([1, 2, 3])}],
            "batch 1: collected key 'city' holds numbers here but strings in batch 0",
        ),
    ],
    ids=["missing", "wrong-length", "one-string", "two-dimensional", "None", "mixed-kinds"],
)
def test_bad_collected_values(batches, extra: list[dict], message: str) -> None:
    dl = _dict_batches(batches[:2], extra)
    with pytest.raises(InputError, match="^" + re.escape(message) + "$") as info:
        _run(dl, collect=["city"])
    assert_reference(info.value.results, *first_batches(batches, 1), partial=True)
    _assert_columns(info.value.results.metadata, {"city": ["a", "b"]}, 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"collect": "city"}, "collect must be a list of batch keys, e.g. collect=['city'], "
                              "not 'city'"),
        ({"collect": ["city", "city"]}, "collect names a key twice: ['city', 'city']"),
        (
            {"collect": ["city"], "metadata": {"city": CITIES}},
            "['city'] both in metadata= and in collect=: give each column one source",
        ),
        (
            {"metadata": {"city": CITIES, "night": [0, 1]}},
            "metadata columns must have equal lengths; got {'city': 7, 'night': 2}",
        ),
        (
            {"metadata": [("bonn", 1)] * 7},
            "metadata must be a pandas DataFrame or a dict of columns, not list",
        ),
    ],
    ids=["a-string", "twice", "clash", "unequal-columns", "not-a-table"],
)  # fmt: skip
def test_bad_metadata_arguments(batches, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match="^" + re.escape(message) + "$") as info:
        _run(_dict_batches(batches, [{"city": ["x"] * len(x)} for x, _ in batches]), **kwargs)
    assert info.value.results is None


def test_collect_needs_dict_batches(batches) -> None:
    message = "batch 0: collect= reads keys of dict batches, but this batch is a tuple"
    with pytest.raises(InputError, match="^" + re.escape(message) + "$"):
        _run(batches, collect=["city"])


@pytest.fixture
def one_rank(tmp_path: Path) -> Iterator[None]:
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        yield
    finally:
        dist.destroy_process_group()


def test_under_torchrun_each_images_row_follows_its_dataset_index(batches, one_rank) -> None:
    """A shuffling DistributedSampler: rank 0's merged results are in dataset order, rows too."""
    data = _Scenes(batches)
    sampler = DistributedSampler(data, shuffle=True, seed=3)
    assert list(sampler) != sorted(sampler)
    dl = DataLoader(data, batch_size=3, sampler=sampler)
    results = _run(dl, metadata=_table(), collect=["file"])
    assert results.dataset_indices is None
    assert_reference(results, *first_batches(batches, 3))
    _assert_columns(results.metadata, {**_table(), "file": FILES}, 7)
    for each in segwidget.analyze_models([Passthrough()] * 2, dl, CLASSES, progress=False,
                                         metadata=_table(), collect=["file"]):  # fmt: skip
        np.testing.assert_array_equal(each.losses, results.losses)
        _assert_columns(each.metadata, {**_table(), "file": FILES}, 7)
    dropped = DataLoader(data, batch_size=3, sampler=sampler, drop_last=True)
    kept = _run(dropped, metadata=_table(), collect=["file"])
    rows = kept.dataset_indices
    np.testing.assert_array_equal(rows, sorted(list(sampler)[:6]))
    x, y = first_batches(batches, 3)
    assert_reference(kept, x[rows], y[rows])
    _assert_columns(
        kept.metadata,
        {n: np.asarray(v)[rows] for n, v in _table().items()} | {"file": np.asarray(FILES)[rows]},
        6,
    )


def test_the_demos_documented_call() -> None:
    """As ``segwidget.demo`` shows: ``analyze(model, dl, CLASSES, metadata=valid_metadata())``."""
    from segwidget.demo import CLASSES as DEMO_CLASSES
    from segwidget.demo import load_model, valid_loader, valid_metadata

    table = valid_metadata(n=10)
    results = segwidget.analyze(
        load_model(), valid_loader(n=10), DEMO_CLASSES, metadata=table, keep_images=False,
        progress=False,
    )  # fmt: skip
    _assert_columns(results.metadata, table, 10)
    with pytest.raises(
        InputError, match=r"^metadata has 12 rows but the DataLoader's dataset has 10"
    ):
        segwidget.analyze(
            load_model(), valid_loader(n=10), DEMO_CLASSES, metadata=valid_metadata(n=12)
        )
