"""The arrays matrix: each member of a valid version 2 file broken in one way.

Dtypes and shapes, CSR pointers, cell ids, counts, the boundary and confident counts
against the whole, the optional per-image arrays and metadata columns (the stored images
are in ``test_savefile_images.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from savefiles import (
    Arrays,
    C,
    N,
    editing,
    get_meta,
    refused,
    replacing,
    set_meta,
    valid_arrays,
    write,
)


def _swap_first_cells(arrays: Arrays) -> None:
    """Image 0's first two cell ids in decreasing order."""
    cell = arrays["cm_cell"].copy()
    cell[[0, 1]] = cell[[1, 0]]
    arrays["cm_cell"] = cell


def _boundary_above_whole(arrays: Arrays) -> None:
    arrays["boundary_count"] = arrays["cm_count"] + 1
    arrays["boundary_cell"], arrays["boundary_ptr"] = arrays["cm_cell"], arrays["cm_ptr"]


def _boundary_cell_absent_from_whole(arrays: Arrays) -> None:
    ptr, cell = arrays["cm_ptr"], arrays["cm_cell"]
    present = set(cell[ptr[0] : ptr[1]].tolist())
    missing = next(k for k in range(C * C) if k not in present)
    arrays["boundary_ptr"] = np.array([0] + [1] * N)
    arrays["boundary_cell"], arrays["boundary_count"] = np.array([missing]), np.array([1])


def _confident_on_diagonal(arrays: Arrays) -> None:
    ptr, cell = arrays["cm_ptr"], arrays["cm_cell"]
    entry = next(k for k in range(cell.size) if cell[k] // C == cell[k] % C)
    image = int(np.searchsorted(ptr, entry, side="right") - 1)
    arrays["confident_ptr"] = np.array([0] * (image + 1) + [1] * (N - image))
    arrays["confident_cell"], arrays["confident_count"] = np.array([cell[entry]]), np.array([1])


CASES = [
    pytest.param(
        replacing("losses", lambda a: a["losses"][:, None]),
        "expected one loss per image",
        id="losses-2d",
    ),
    pytest.param(
        replacing("losses", lambda a: np.arange(N)),
        "'losses' has dtype int64; expected floats",
        id="losses-integers",
    ),
    pytest.param(  # N is what nonfinite_pixels and cm_ptr agree on: losses is the odd one
        replacing("losses", lambda a: a["losses"][:-1]),
        r"'losses' has shape \(4,\); expected \(5,\)",
        id="losses-one-short",
    ),
    pytest.param(
        replacing("losses", lambda a: np.append(a["losses"], 0.5)),
        r"'losses' has shape \(6,\); expected \(5,\)",
        id="losses-one-long",
    ),
    pytest.param(
        replacing("losses", lambda a: a["losses"] + 0j),
        "dtype complex128; expected floats",
        id="losses-complex",
    ),
    pytest.param(
        replacing("nonfinite_pixels", lambda a: np.zeros(N - 1, int)),
        r"'nonfinite_pixels' has shape \(4,\); expected \(5,\)",
        id="nonfinite-length",
    ),
    pytest.param(
        editing("nonfinite_pixels", 2, -3),
        "'nonfinite_pixels' holds -3 at 2; values are ≥ 0",
        id="nonfinite-negative",
    ),
    pytest.param(
        replacing("nonfinite_pixels", lambda a: np.zeros(N)),
        "dtype float64; expected integers",
        id="nonfinite-floats",
    ),
    pytest.param(editing("cm_ptr", 0, 1), "'cm_ptr' starts at 1, not 0", id="ptr-not-from-zero"),
    pytest.param(
        editing("cm_ptr", slice(2, None), 10**6),
        r"'cm_ptr' gives image 1 \d+ cells; 4 classes have 16",
        id="ptr-too-many-cells",
    ),
    pytest.param(editing("cm_ptr", 3, 0), "'cm_ptr' decreases at image 2", id="ptr-going-down"),
    pytest.param(
        replacing("cm_ptr", lambda a: a["cm_ptr"][:-1]),
        r"'cm_ptr' has shape \(5,\); expected \(6,\)",
        id="ptr-length",
    ),
    pytest.param(
        replacing("cm_cell", lambda a: a["cm_cell"][:-1]),
        r"'cm_cell' has shape \(\d+,\); expected",
        id="ptr-end-short",
    ),
    pytest.param(
        editing("cm_cell", -1, C * C),
        "image 4 has cell id 16, outside 0..15 for 4 classes",
        id="cell-out-of-range",
    ),
    pytest.param(editing("cm_cell", 0, -1), "image 0 has cell id -1, outside", id="cell-negative"),
    pytest.param(
        _swap_first_cells,
        "image 0's cell ids are not strictly increasing",
        id="cell-not-increasing",
    ),
    pytest.param(
        replacing("cm_cell", lambda a: a["cm_cell"] + 0.0),
        "'cm_cell' has dtype float64",
        id="cell-floats",
    ),
    pytest.param(
        editing("cm_count", 1, 0), "'cm_count' holds 0 at 1; values are ≥ 1", id="count-zero"
    ),
    pytest.param(editing("cm_count", 0, -5), "holds -5 at 0", id="count-negative"),
    pytest.param(
        editing("cm_count", 0, 2**31),
        "image 0 has 2147483648 pixels in one cell; at most 2147483647 fit",
        id="count-beyond-int32",
    ),
    pytest.param(
        replacing("cm_count", lambda a: a["cm_count"].astype(np.uint64) + np.uint64(2**63)),
        "beyond the int64 range",
        id="count-beyond-int64",
    ),
    pytest.param(
        _boundary_above_whole,
        r"'boundary_count': image 0 has \d+ pixels in cell .*more than the \d+",
        id="boundary-above-whole",
    ),
    pytest.param(
        _boundary_cell_absent_from_whole,
        "more than the 0 the image has there",
        id="boundary-cell-not-in-whole",
    ),
    pytest.param(
        lambda a: a.pop("boundary_count"),
        "member 'boundary_count' is missing",
        id="boundary-incomplete",
    ),
    pytest.param(
        _confident_on_diagonal,
        "on the diagonal: confident counts are disagreements",
        id="confident-on-diagonal",
    ),
    pytest.param(
        replacing("fingerprints", lambda a: a["fingerprints"].astype(np.int64)),
        "'fingerprints' has dtype int64; expected unsigned",
        id="fingerprints-signed",
    ),
    pytest.param(
        replacing("fingerprints", lambda a: a["fingerprints"].astype(np.uint32)),
        "dtype uint32; expected 8-byte items",
        id="fingerprints-uint32",
    ),
    pytest.param(
        replacing("image_sizes", lambda a: a["image_sizes"][:, 0]),
        r"'image_sizes' has shape \(5,\); expected \(5, 2\)",
        id="image_sizes-flat",
    ),
    pytest.param(
        editing("image_sizes", (1, 0), 0),
        r"'image_sizes' holds 0 at \(1, 0\); values are ≥ 1",
        id="image_sizes-zero",
    ),
    pytest.param(
        editing("dataset_indices", 0, -1),
        "'dataset_indices' holds -1 at 0",
        id="dataset_indices-negative",
    ),
    pytest.param(
        replacing("metadata_1", lambda a: a["metadata_1"][:-1]),
        r"'metadata_1' has shape \(4,\); expected \(5,\)",
        id="column-length",
    ),
    pytest.param(
        replacing("metadata_1", lambda a: a["metadata_1"][:, None]),
        r"has shape \(5, 1\)",
        id="column-2d",
    ),
    pytest.param(
        replacing("metadata_1", lambda a: a["metadata_1"] + 1j),
        "'metadata_1' has dtype complex128",
        id="column-complex",
    ),
    pytest.param(
        replacing("metadata_0", lambda a: np.array([b"bonn"] * N)),
        "'metadata_0' has dtype |S4",
        id="column-bytes",
    ),
    pytest.param(
        replacing("metadata_3", lambda a: np.array([0, 1, 2, 0, 1], np.uint8).view(np.bool_)),
        "neither true nor false",
        id="column-not-a-boolean",
    ),
    pytest.param(
        replacing("metadata_0", lambda a: np.array([0xD800] * N, np.uint32).view("<U1")),
        "'metadata_0' \\(metadata column 'city'\\) holds text that is not valid Unicode",
        id="column-bad-unicode",
    ),
]


@pytest.mark.parametrize(("change", "fragment"), CASES)
def test_a_broken_array(tmp_path: Path, change: Callable[[Arrays], None], fragment: str) -> None:
    arrays = valid_arrays(tmp_path)
    change(arrays)
    refused(write(tmp_path / "bad.npz", arrays), fragment)


def test_counts_whose_total_float64_cannot_hold_exactly(tmp_path: Path) -> None:
    """2²¹ + 1 cells of 2³¹ − 1 pixels: each fits, their total exceeds 2⁵² (float64 pooling)."""
    arrays = valid_arrays(tmp_path)
    classes = [f"c{k}" for k in range(2048)]
    meta = get_meta(arrays)
    set_meta(arrays, {**meta, "classes": classes, "colors": ["#000000"] * len(classes)})
    entries = 2**21 + 1
    arrays["cm_ptr"] = np.array([0] + [entries] * N)
    arrays["cm_cell"] = np.arange(entries)
    arrays["cm_count"] = np.full(entries, 2**31 - 1)
    for name in [k for k in arrays if k.startswith(("boundary_", "confident_"))]:
        del arrays[name]
    refused(write(tmp_path / "bad.npz", arrays), "'cm_count' counts more than 4503599627370496")
