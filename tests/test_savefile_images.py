"""The stored images of a valid version 2 file broken in one way: pointers, formats,
sizes, PNG/JPEG decompression bombs, damaged data, mask values.
"""

from __future__ import annotations

import io
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from savefiles import (
    Arrays,
    C,
    blobs,
    jpeg_declaring,
    png,
    png_declaring,
    refused,
    set_blob,
    valid_arrays,
    write,
)


def _set(name: str, value: Callable[[Arrays], np.ndarray]) -> Callable[[Arrays], None]:
    def change(arrays: Arrays) -> None:
        arrays[name] = value(arrays)

    return change


def _edit(name: str, at: int | slice, value: int) -> Callable[[Arrays], None]:
    def change(arrays: Arrays) -> None:
        arrays[name] = arrays[name].copy()
        arrays[name][at] = value

    return change


def _blob(part: str, i: int, make: Callable[[bytes], bytes]) -> Callable[[Arrays], None]:
    def change(arrays: Arrays) -> None:
        set_blob(arrays, part, i, make(blobs(arrays, part)[i]))

    return change


def _damage_idat(blob: bytes) -> bytes:
    at = blob.index(b"IDAT") + 4
    body = bytearray(blob)
    body[at : at + 6] = b"\x00\xff" * 3
    return bytes(body)


IMAGE_CASES = [
    pytest.param(
        _set("images_truth_ptr", lambda a: a["images_truth_ptr"] - 1),
        "'images_truth_ptr' starts at -1",
        id="ptr-not-from-zero",
    ),
    pytest.param(
        _edit("images_truth_ptr", 2, 0),
        "'images_truth_ptr' decreases at image 1",
        id="ptr-decreasing",
    ),
    pytest.param(
        _set(
            "images_truth_data",
            lambda a: np.concatenate([a["images_truth_data"], [0]]).astype(np.uint8),
        ),
        r"'images_truth_data' has shape",
        id="data-longer-than-ptr",
    ),
    pytest.param(
        _blob("truth", 1, lambda b: b"GIF89a" + b[6:]),
        "image 1's truth mask \\(images_truth_data\\) is not a PNG image",
        id="mask-not-png",
    ),
    pytest.param(
        _blob("image", 0, lambda b: png(np.zeros((6, 8, 3), np.uint8))),
        "image 0's picture .* is not a JPEG image",
        id="picture-not-jpeg",
    ),
    pytest.param(
        _blob("image", 2, lambda b: b[: len(b) // 2]),
        "image 2's picture .* is truncated",
        id="picture-truncated",
    ),
    pytest.param(
        _blob("image", 0, lambda b: _jpeg(np.zeros((6, 8), np.uint8))),
        r"JPEG with 1 channel\(s\); pictures are RGB",
        id="picture-grey",
    ),
    pytest.param(
        _blob("prediction", 3, _damage_idat),
        "image 3's prediction mask .* cannot be decoded",
        id="mask-damaged",
    ),
    pytest.param(
        _blob("truth", 0, lambda b: png(np.zeros((6, 8, 3), np.uint8))),
        "is a PNG of mode RGB; masks are 8- or 16-bit greyscale",
        id="mask-rgb",
    ),
    pytest.param(
        _blob("truth", 4, lambda b: png(np.full((6, 8), C, np.uint8))),
        "image 4's truth mask .* holds the value 4: masks hold class indices below 4 or 255",
        id="mask-value-above-classes",
    ),
    pytest.param(
        _blob("prediction", 0, lambda b: png(np.full((6, 8), 300, np.uint16))),
        "holds the value 300",
        id="mask-16-bit-value",
    ),
    pytest.param(
        _blob("truth", 1, lambda b: png(np.zeros((7, 8), np.uint8))),
        "image 1's parts disagree on its size: picture 8×6, truth mask 8×7",
        id="mask-size-differs",
    ),
    pytest.param(
        _blob("thumb_prediction", 2, lambda b: png(np.zeros((6, 7), np.uint8))),
        "disagree on its size: thumbnail picture 8×6",
        id="thumb-size-differs",
    ),
    pytest.param(
        lambda a: _thumbs(a, 0, 12, 16),
        "thumbnail is 16×12 pixels; thumbnails are at most 128",
        id="thumb-larger-than-image",
    ),
    pytest.param(
        lambda a: _thumb_bomb(a, 3),
        "image 3's thumbnail is 10000×10000 pixels; thumbnails are at most 128",
        id="thumb-png-bomb",
    ),
    pytest.param(
        lambda a: _detail_bomb(a, 1),
        "image 1 is stored at 10000×10000 pixels, more than Pillow's decompression-bomb limit",
        id="mask-png-bomb",
    ),
    pytest.param(
        _blob("thumb_truth", 0, lambda b: png_declaring(0, 5)),
        "declares an empty 0×5 image",
        id="empty-png",
    ),
]


def _jpeg(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="JPEG")
    return buf.getvalue()


def _thumbs(arrays: Arrays, i: int, h: int, w: int) -> None:
    """All three thumbnail parts of image ``i`` at ``h × w`` (larger than the 6 × 8 image)."""
    set_blob(arrays, "thumb_image", i, _jpeg(np.zeros((h, w, 3), np.uint8)))
    for part in ("thumb_truth", "thumb_prediction"):
        set_blob(arrays, part, i, png(np.zeros((h, w), np.uint8)))


def _thumb_bomb(arrays: Arrays, i: int) -> None:
    """Image ``i``'s thumbnails: tiny files declaring 10000×10000 pixels each."""
    for part in ("thumb_image", "thumb_truth", "thumb_prediction"):
        set_blob(arrays, part, i, _small_declaring(part, 10_000, 10_000))


def _small_declaring(part: str, w: int, h: int) -> bytes:
    return jpeg_declaring(w, h) if part.endswith("image") else png_declaring(w, h)


def _detail_bomb(arrays: Arrays, i: int, parts=("image", "truth", "prediction")) -> None:
    for part in parts:
        set_blob(arrays, part, i, _small_declaring(part, 10_000, 10_000))


@pytest.mark.parametrize(("change", "fragment"), IMAGE_CASES)
def test_a_broken_image(tmp_path: Path, change: Callable[[Arrays], None], fragment: str) -> None:
    arrays = valid_arrays(tmp_path)
    change(arrays)
    refused(write(tmp_path / "bad.npz", arrays), fragment)


def test_png_bombs_are_refused_before_decoding(tmp_path: Path) -> None:
    """A 10000×10000 PNG of one row: decoding it would need 100 MB; nothing near that is used."""
    arrays = valid_arrays(tmp_path)
    _detail_bomb(arrays, 0)
    path = write(tmp_path / "bomb.npz", arrays)
    assert len(png_declaring(10_000, 10_000)) < 1000
    tracemalloc.start()
    try:
        refused(path, "decompression-bomb limit")
        assert tracemalloc.get_traced_memory()[1] < 8 << 20
    finally:
        tracemalloc.stop()
    with warnings.catch_warnings():  # Pillow warns above its limit: this is the point
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        assert Image.open(io.BytesIO(png_declaring(10_000, 10_000))).size == (10_000, 10_000)
