"""The stored images of a valid version 2 file broken in one way: pointers, formats,
sizes, PNG/JPEG decompression bombs, damaged data, mask values.
"""

from __future__ import annotations

import io
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from savefiles import (
    Arrays,
    C,
    blobs,
    editing,
    jpeg_declaring,
    png,
    png_declaring,
    refused,
    replacing,
    set_blob,
    valid_arrays,
    valid_results,
    write,
)

import segwidget
from segwidget.results.image_store import ImageStore


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
        replacing("images_truth_ptr", lambda a: a["images_truth_ptr"] - 1),
        "'images_truth_ptr' starts at -1",
        id="ptr-not-from-zero",
    ),
    pytest.param(
        editing("images_truth_ptr", 2, 0),
        "'images_truth_ptr' decreases at image 1",
        id="ptr-decreasing",
    ),
    pytest.param(
        replacing(
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


# -- padded pictures: inflation checked before reading, each blob against its own size ---------
def _padded(part: str, blob: bytes, pad: int) -> bytes:
    """A valid JPEG with ``pad`` zero bytes before its end marker (still a valid JPEG to a
    reader), or a PNG with them after its end (ignored by PNG readers)."""
    return blob[:-2] + bytes(pad) + blob[-2:] if part.endswith("image") else blob + bytes(pad)


@pytest.mark.parametrize("part", ["image", "truth", "thumb_prediction", "confident"])
def test_pictures_padded_with_zeros_are_refused_before_inflating(tmp_path: Path, part: str) -> None:
    """Every image's part padded with 10 MiB of zeros: 50 MiB from a file of ~100 kB.
    Refused from the zip's records: the member is never inflated (traced peak < 8 MiB)."""
    arrays = valid_arrays(tmp_path)
    for i, blob in enumerate(blobs(arrays, part)):
        set_blob(arrays, part, i, _padded(part, blob, 10 << 20))
    path = write(tmp_path / "padded.npz", arrays)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        refused(
            path,
            rf"member 'images_{part}_data' inflates \d+ compressed bytes to 524\d{{5}} \(\d+×\); "
            r"pictures are JPEG and PNG, compressed already, so a segwidget file's picture "
            r"members inflate at most 8× plus 16941056 bytes in all \(16 MiB \+ 32 KiB per image\)",
        )
        assert tracemalloc.get_traced_memory()[1] < 8 << 20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("part", "limit"), [("image", 65824), ("truth", 65824),
                                             ("thumb_prediction", 65824),
                                             ("confident", 65824)])  # fmt: skip
def test_a_picture_padded_within_the_budget_is_refused_by_its_size(
    tmp_path: Path, part: str, limit: int
) -> None:
    """100 kB of padding in one 8×6 image: the file's inflation is within budget, but no
    encoder writes 100 kB for 48 pixels (2·3·48 + 64 KiB = 65824 bytes at most)."""
    arrays = valid_arrays(tmp_path)
    blob = _padded(part, blobs(arrays, part)[2], 100_000)
    set_blob(arrays, part, 2, blob)
    refused(
        write(tmp_path / "padded.npz", arrays),
        rf"image 2's .* \(images_{part}_data\) takes {len(blob)} bytes, more than the {limit} "
        r"any 8×6 image encodes to \(padded\?\)",
    )


@pytest.mark.parametrize("hw", [(768, 1024), (64, 64)], ids=["blank-1024", "blank-64"])
def test_blank_pictures_deflating_far_beyond_8x_load(tmp_path: Path, hw: tuple[int, int]) -> None:
    """The legitimate files that deflate best: blank pictures and constant masks, identical
    across images (ratios of 70-600×), within the slack of 16 MiB + 32 KiB per image."""
    n = 40
    store = ImageStore(C)
    for _ in range(n):
        store.add(np.zeros((*hw, 3), np.uint8), np.zeros(hw, np.int64), np.zeros(hw, np.int64))
    results = valid_results(n=n)
    results.images = store
    path = results.save(tmp_path / "blank")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("images_image_data.npy")
    assert info.file_size > 20 * info.compress_size  # far beyond the 8× of ordinary pictures
    loaded = segwidget.load(path)
    assert loaded.images is not None and loaded.images.parts == store.parts


def test_a_smooth_high_resolution_image_loads(tmp_path: Path) -> None:
    """A real pass over a 1536×2048 image of smooth content and a few large class regions,
    stored at detail_max_side=1024: its mask PNGs deflate ~14× more, within the slack."""
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 1536), torch.linspace(0, 1, 2048), indexing="ij")
    x = torch.stack([xx, yy, xx * yy])[None]
    y = (xx * C).long().clamp(max=C - 1)[None]
    torch.manual_seed(0)
    results = segwidget.analyze(torch.nn.Conv2d(3, C, 1), [(x, y)], progress=False)
    path = results.save(tmp_path / "hd")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("images_truth_data.npy")
    assert info.file_size > 8 * info.compress_size  # beyond the ratio alone
    loaded = segwidget.load(path)
    assert loaded.images is not None and loaded.images.parts == results.images.parts
    assert loaded.images.view(0).height == 768 and loaded.images.view(0).width == 1024
