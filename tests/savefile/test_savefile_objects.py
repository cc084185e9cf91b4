"""The object records in a save file: they round-trip (``test_savefile_files``'s ``_same``),
and every member broken in one way is refused, naming the member, image and rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from savefiles import Arrays, N, editing, refused, replacing, valid_arrays, write

import segwidget


def _drop(name: str) -> Callable[[Arrays], None]:
    def change(arrays: Arrays) -> None:
        del arrays[name]

    return change


CASES = [
    pytest.param(_drop("objects_truth_hit"), "'objects_truth_hit' is missing", id="one-missing"),
    pytest.param(
        replacing("objects_min_recall", lambda a: np.array([1.5])),
        "'objects_min_recall' is 1.5, not in",
        id="min-recall",
    ),
    pytest.param(
        editing("objects_truth_ptr", 1, 10**6),
        "objects_truth_ptr",
        id="ptr-beyond-records",
    ),
    pytest.param(
        editing("objects_truth_cls", 0, 9), r"objects_truth_cls.*classes are 0..3", id="cls"
    ),
    pytest.param(
        editing("objects_truth_pixels", 0, 0), r"objects_truth_pixels.*1 ≤ pixels", id="pixels"
    ),
    pytest.param(
        editing("objects_truth_hit", 0, 10**6), r"objects_truth_hit.*hit ≤ pixels", id="hit"
    ),
    pytest.param(
        editing("objects_false_hit", 0, 10**4), r"objects_false_hit.*2·hit < pixels", id="false-hit"
    ),
    pytest.param(
        editing("objects_truth_other", 0, 7), r"objects_truth_other.*another class", id="other"
    ),
    pytest.param(
        editing("objects_truth_bbox", (0, 2), 0),
        r"objects_truth_bbox.*image 0's object 0",
        id="bbox",
    ),
    pytest.param(
        replacing("objects_truth_cls", lambda a: a["objects_truth_cls"].astype(np.float32)),
        "objects_truth_cls' has dtype float32",
        id="dtype",
    ),
]


@pytest.mark.parametrize(("change", "fragment"), CASES)
def test_a_broken_object_member(
    tmp_path: Path, change: Callable[[Arrays], None], fragment: str
) -> None:
    arrays = valid_arrays(tmp_path)
    change(arrays)
    refused(write(tmp_path / "bad.npz", arrays), fragment)


def test_a_file_without_objects_loads_without_them(tmp_path: Path) -> None:
    arrays = {k: v for k, v in valid_arrays(tmp_path).items() if not k.startswith("objects_")}
    results = segwidget.load(write(tmp_path / "old.npz", arrays))
    assert isinstance(results, segwidget.Results) and results.object_records is None
    assert results.n_images == N
