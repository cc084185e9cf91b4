"""The widget's wire format: binary state arrays and the typed request/response messages.

Mirrors ``js/src/data/protocol.ts``. Browser requests are untrusted input: ``parse_request``
returns ``None`` (and the caller logs) for anything malformed, never raises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..results.core import Results
from ..results.sparse import CellIndex, SparseConfusion

MAX_THUMBS_PER_REQUEST = 64
IMAGE_MIME = "image/jpeg"  # the store keeps every picture as JPEG
PRELOADED_THUMBS = 32  # sent with the state: the gallery's first rows need no request


@dataclass(frozen=True)
class ThumbsRequest:
    request: int
    indices: list[int]


@dataclass(frozen=True)
class DetailRequest:
    request: int
    index: int


Request = ThumbsRequest | DetailRequest


def state_arrays(results: Results) -> dict[str, bytes]:
    """The binary traits: little-endian float64 matrices and the int32 cell-major index."""
    return {
        "pooled": _f64(results.confusion()),
        "mean_cm": _f64(results.mean_confusion()),
        "losses": _f64(results.losses),
        **{f"cell_{name}": data for name, data in index_arrays(results.cell_index).items()},
    }


def index_arrays(index: CellIndex) -> dict[str, bytes]:
    """A cell-major index as int32 ``ptr``, ``image`` and ``count`` (PROTOCOL.md's ``cell_*``)."""
    return {"ptr": _i32(index.ptr), "image": _i32(index.image), "count": _i32(index.count)}


def summary(results: Results) -> dict[str, Any]:
    """Header numbers (JSON has no NaN: undefined values are ``None``)."""
    return {
        "n_images": results.n_images,
        "mean_iou": _finite_or_none(results.mean_iou()),
        "pixel_accuracy": _finite_or_none(results.pixel_accuracy()),
        "mean_loss": _finite_or_none(results.mean_loss()),
        "partial": results.partial,
        "has_images": results.images is not None,
    }


def parse_request(content: Any, n_images: int) -> Request | None:
    """A validated request, or ``None`` when ``content`` is not one we answer."""
    if not isinstance(content, dict) or not is_index(content.get("request"), 2**53):
        return None
    kind = content.get("kind")
    if kind == "thumbs":
        indices = content.get("indices")
        if (
            isinstance(indices, list)
            and 0 < len(indices) <= MAX_THUMBS_PER_REQUEST
            and all(is_index(i, n_images) for i in indices)
        ):
            return ThumbsRequest(content["request"], list(indices))
    elif kind == "detail" and is_index(content.get("index"), n_images):
        return DetailRequest(content["request"], content["index"])
    return None


def thumbs_reply(
    request: ThumbsRequest, stored: list[tuple[bytes, ...]]
) -> tuple[dict[str, Any], list[bytes]]:
    """Header and buffers: item k has ``P`` parts from ``[Pk]``: JPEG, truth and prediction
    PNG, then the further parts a feature adds (``P = len(stored[k])``, the same for all).

    The bytes are the store's own: nothing is decoded or re-encoded on the way.
    """
    items = [_item(index, parts) for index, parts in zip(request.indices, stored, strict=True)]
    buffers = [part for parts in stored for part in parts]
    content = {
        "kind": "thumbs",
        "request": request.request,
        "image_mime": IMAGE_MIME,
        "parts": _parts(stored),
    }
    return {**content, "items": items}, buffers


def detail_reply(
    request: DetailRequest,
    stored: tuple[bytes, ...],
    loss: float,
    cm: SparseConfusion,
    fields: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[bytes]]:
    """Header and buffers ``[JPEG, truth PNG, prediction PNG, further parts, int32 cells,
    int32 counts]``; ``fields``: a feature's further header fields (JSON values).

    The image's confusion travels sparse: its nonzero cells ``t * C + p`` and their pixels.
    """
    content = {
        **(fields or {}),
        "kind": "detail",
        "request": request.request,
        "image_mime": IMAGE_MIME,
        "parts": _parts([stored]),
        "loss": _finite_or_none(loss),
        **_item(request.index, stored),
    }
    return content, [*stored, _i32(cm.cell), _i32(cm.count)]


def _item(index: int, stored: tuple[bytes, ...]) -> dict[str, Any]:
    width, height = png_size(stored[1])
    return {"index": index, "width": width, "height": height}


def _parts(stored: list[tuple[bytes, ...]]) -> int:
    """The parts per image (at least JPEG, truth and prediction), the same for every image."""
    sizes = {len(parts) for parts in stored} or {3}
    if len(sizes) != 1 or min(sizes) < 3:
        raise ValueError(f"every image needs the same number of parts, at least 3; got {sizes}")
    return sizes.pop()


def pack_thumbs(indices: list[int], stored: list[tuple[bytes, ...]]) -> bytes:
    """Thumbnails packed into one buffer (the ``preload`` trait; PROTOCOL.md).

    Little-endian uint32 ``count`` and ``P`` (parts per thumbnail), then per thumbnail
    ``index, width, height`` and the byte lengths of its ``P`` parts (JPEG, truth PNG,
    prediction PNG, further parts), then all those bytes in that order.
    """
    header = [len(indices), _parts(stored)]
    for index, parts in zip(indices, stored, strict=True):
        header += [index, *png_size(parts[1]), *(len(part) for part in parts)]
    return np.array(header, dtype="<u4").tobytes() + b"".join(p for parts in stored for p in parts)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (the IHDR chunk), without decoding it."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def is_index(value: Any, size: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _f64(array: NDArray) -> bytes:
    return np.ascontiguousarray(array, dtype="<f8").tobytes()


def _i32(array: NDArray) -> bytes:
    if array.size and (array.max() > np.iinfo(np.int32).max):
        raise OverflowError("the confusion index exceeds int32; too many images for one widget")
    return np.ascontiguousarray(array, dtype="<i4").tobytes()
