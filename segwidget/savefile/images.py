"""The stored images of a saved ``Results``: every JPEG and PNG checked before the store is built.

Each image's picture (JPEG) and truth and prediction masks (PNG) come at full resolution
and as thumbnails (``ImageStore``), and, in files that kept them, its confident-disagreement
mask (a 1-bit or 8-bit greyscale PNG of 0/1, the size of the stored detail masks).
Dimensions are read from the PNG ``IHDR`` chunk and the JPEG frame header before anything
is decoded, and capped: full-resolution parts by Pillow's decompression-bomb limit,
thumbnails by ``THUMB_SIDE``. Masks are then decoded
on a few threads (PNG only) and their values checked: a class index below C, or void.
Pictures are not decoded here (the browser decodes them), only their headers and ends.
"""

from __future__ import annotations

import io
import os
import struct
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from ..results.image_store import CONFIDENT, THUMB_SIDE, ImageStore
from ..results.imaging import void_value
from .npz_reader import FileProblem

# part -> what it holds; the member names are images_<part>_data / images_<part>_ptr
PARTS = {"image": "picture", "truth": "truth mask", "prediction": "prediction mask",
         "thumb_image": "thumbnail picture", "thumb_truth": "thumbnail truth mask",
         "thumb_prediction": "thumbnail prediction mask"}  # fmt: skip
OPTIONAL_PARTS = {CONFIDENT: "confident-disagreement mask"}  # files from before it lack it
_MASKS = ("truth", "prediction", "thumb_truth", "thumb_prediction")
# each thread holds one decoded mask at a time (at most Pillow's limit, twice over while
# converted to an array): a few threads bound the memory a hostile file can make us use
DECODE_THREADS = min(4, os.cpu_count() or 1)
PILLOW_DEFAULT_MAX_PIXELS = 89_478_485  # Image.MAX_IMAGE_PIXELS unless the user changed it
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG frame headers (SOF0..SOF15 except DHT, JPG and DAC), which carry the image size
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def max_pixels() -> int:
    """Pixels allowed in one full-resolution part: Pillow's decompression-bomb limit."""
    return int(Image.MAX_IMAGE_PIXELS or PILLOW_DEFAULT_MAX_PIXELS)


def max_blob_bytes(part: str) -> int:
    """Cap on one encoded part of the largest size allowed."""
    return blob_limit(THUMB_SIDE * THUMB_SIDE if part.startswith("thumb_") else max_pixels())


def blob_limit(pixels: int) -> int:
    """Generous cap on one encoded picture or mask of ``pixels`` (raw RGB twice over, plus
    headers): bytes beyond it are padding no encoder writes."""
    return 2 * 3 * pixels + (64 << 10)


def build_store(n_classes: int, arrays: dict[str, NDArray[np.generic]]) -> ImageStore:
    """The ``ImageStore`` of the ``images_<part>_data``/``_ptr`` arrays, every image checked.

    The caller has checked the pointers against the data lengths.
    Every image's sizes are checked from headers first, so no mask is decoded before all
    sizes are known to be within the caps; the masks are then decoded on a few threads
    (Pillow releases the GIL while decoding).
    """
    store = ImageStore.from_arrays(n_classes, arrays)
    parts = store.parts
    n_images = len(store)
    for i in range(n_images):
        _check_sizes(parts, i)
    names = (*_MASKS, CONFIDENT) if store.has_confident else _MASKS
    masks = [(i, part) for i in range(n_images) for part in names]
    pool = ThreadPoolExecutor(max_workers=DECODE_THREADS)
    try:  # map yields in order: the first bad mask in file order is the one reported
        for _ in pool.map(lambda job: _check_mask_values(parts, job[0], job[1], n_classes), masks):
            pass
    finally:
        pool.shutdown(cancel_futures=True)
    return store


def _check_sizes(parts: dict[str, list[bytes]], i: int) -> None:
    """Image ``i``'s parts agree on their sizes, which are within the caps (headers only)."""
    limit = max_pixels()
    detail = _check_image(parts, i, "")
    if detail[0] * detail[1] > limit:
        raise FileProblem(
            f"image {i} is stored at {detail[1]}×{detail[0]} pixels, more than Pillow's "
            f"decompression-bomb limit of {limit}"
        )
    if CONFIDENT in parts:
        size = _png_size(parts[CONFIDENT][i], _where(i, CONFIDENT))
        if size != detail:
            raise FileProblem(
                f"{_where(i, CONFIDENT)} is {size[1]}×{size[0]} pixels; it must have the size "
                f"of the image's masks ({detail[1]}×{detail[0]})"
            )
        _check_blob_size(parts, i, CONFIDENT, size)
    thumb = _check_image(parts, i, "thumb_")
    if max(thumb) > THUMB_SIDE or thumb[0] > detail[0] or thumb[1] > detail[1]:
        raise FileProblem(
            f"image {i}'s thumbnail is {thumb[1]}×{thumb[0]} pixels; thumbnails are at most "
            f"{THUMB_SIDE} on a side and no larger than the image ({detail[1]}×{detail[0]})"
        )


def _check_image(parts: dict[str, list[bytes]], i: int, prefix: str) -> tuple[int, int]:
    """``(height, width)`` shared by the picture and both masks of one size, from headers."""
    sizes = {
        part: (_jpeg_size if part.endswith("image") else _png_size)(parts[part][i], _where(i, part))
        for part in (prefix + "image", prefix + "truth", prefix + "prediction")
    }
    if len(set(sizes.values())) > 1:
        shown = ", ".join(f"{PARTS[p]} {w}×{h}" for p, (h, w) in sizes.items())
        raise FileProblem(f"image {i}'s parts disagree on its size: {shown}")
    for part, size in sizes.items():
        _check_blob_size(parts, i, part, size)
    return sizes[prefix + "image"]


def _check_blob_size(
    parts: dict[str, list[bytes]], i: int, part: str, size: tuple[int, int]
) -> None:
    """No encoder writes more than ``blob_limit`` bytes for an image of ``size``."""
    h, w = size
    if len(parts[part][i]) > blob_limit(h * w):
        raise FileProblem(
            f"{_where(i, part)} takes {len(parts[part][i])} bytes, more than the "
            f"{blob_limit(h * w)} any {w}×{h} image encodes to (padded?)"
        )


def _check_mask_values(parts: dict[str, list[bytes]], i: int, part: str, n_classes: int) -> None:
    """Decode one mask (its size already checked against the caps) and check its values."""
    where = _where(i, part)
    h, w = _png_size(parts[part][i], where)
    try:
        with Image.open(io.BytesIO(parts[part][i]), formats=["PNG"]) as img:
            mode = img.mode
            modes = ("1", "L") if part == CONFIDENT else ("L", "I;16")
            mask = np.asarray(img) if mode in modes else None
    except Exception as err:  # Pillow raises many types on damaged data; all mean "damaged"
        raise FileProblem(f"{where} cannot be decoded ({type(err).__name__}: {err})") from err
    if mask is None:
        kinds = "confident masks are 1- or 8-bit" if part == CONFIDENT else "masks are 8- or 16-bit"
        raise FileProblem(f"{where} is a PNG of mode {mode}; {kinds} greyscale")
    if mask.shape != (h, w):
        raise FileProblem(f"{where} decodes to {mask.shape}, not its declared {h}×{w}")
    if part == CONFIDENT:
        if int(mask.max()) > 1:
            raise FileProblem(f"{where} holds the value {int(mask.max())}; it holds 0 or 1")
        return
    void = void_value(n_classes)
    if int(mask.max()) >= n_classes:  # void pixels, or a bad value: count values to tell
        counts = np.bincount(mask.reshape(-1))
        counts[void : void + 1] = 0
        bad = np.flatnonzero(counts[n_classes:])
        if bad.size:
            raise FileProblem(
                f"{where} holds the value {n_classes + int(bad[0])}: masks hold class indices "
                f"below {n_classes} or {void} (void)"
            )


def _png_size(blob: bytes, where: str) -> tuple[int, int]:
    """``(height, width)`` from the PNG header, before anything is decoded."""
    if not blob.startswith(_PNG_SIGNATURE) or len(blob) < 33 or blob[12:16] != b"IHDR":
        raise FileProblem(f"{where} is not a PNG image")
    width, height = struct.unpack(">II", blob[16:24])
    if width == 0 or height == 0:
        raise FileProblem(f"{where} declares an empty {width}×{height} image")
    return height, width


def _jpeg_size(blob: bytes, where: str) -> tuple[int, int]:
    """``(height, width)`` from the JPEG frame header; the picture must be complete RGB."""
    if not blob.startswith(b"\xff\xd8"):
        raise FileProblem(f"{where} is not a JPEG image")
    if not blob.endswith(b"\xff\xd9"):
        raise FileProblem(f"{where} is truncated (no end-of-image marker)")
    pos = 2
    while pos + 4 <= len(blob) and blob[pos] == 0xFF:
        marker = blob[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker in _STANDALONE:
            pos += 2
        elif marker in _SOF and pos + 10 <= len(blob):
            height, width = struct.unpack(">HH", blob[pos + 5 : pos + 9])
            if blob[pos + 9] != 3 or height == 0 or width == 0:
                raise FileProblem(
                    f"{where} is a {width}×{height} JPEG with {blob[pos + 9]} channel(s); "
                    "pictures are RGB (3 channels)"
                )
            return height, width
        elif marker in (0xD9, 0xDA):  # end of image or start of scan, before any frame
            break
        else:
            pos += 2 + int.from_bytes(blob[pos + 2 : pos + 4], "big")
    raise FileProblem(f"{where} is a damaged JPEG (no frame header)")


def _where(i: int, part: str) -> str:
    return f"image {i}'s {(PARTS | OPTIONAL_PARTS)[part]} (images_{part}_data)"


def member_names(optional: bool = False) -> list[str]:
    """The members that hold the store (``optional``: those of ``OPTIONAL_PARTS``)."""
    parts = OPTIONAL_PARTS if optional else PARTS
    return [f"images_{part}_{kind}" for part in parts for kind in ("data", "ptr")]
