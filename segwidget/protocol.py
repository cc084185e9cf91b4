"""The widget's wire format: binary state arrays and the typed request/response messages.

Mirrors ``js/src/protocol.ts``. Browser requests are untrusted input: ``parse_request``
returns ``None`` (and the caller logs) for anything malformed, never raises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .image_store import ImageView
from .results import Results

MAX_THUMBS_PER_REQUEST = 64
MaskDtype = Literal["uint8", "uint16"]


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
    index = results.cell_index
    return {
        "pooled": _f64(results.confusion()),
        "mean_cm": _f64(results.mean_confusion()),
        "losses": _f64(results.losses),
        "cell_ptr": _i32(index.ptr),
        "cell_image": _i32(index.image),
        "cell_count": _i32(index.count),
    }


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
    request: ThumbsRequest, views: list[ImageView], mask_dtype: MaskDtype
) -> tuple[dict[str, Any], list[bytes]]:
    """Header and buffers: for item k, ``[3k]`` JPEG, ``[3k+1]`` truth, ``[3k+2]`` prediction."""
    items = [
        _item(index, view, mask_dtype) for index, view in zip(request.indices, views, strict=True)
    ]
    buffers = [part for view in views for part in _view_buffers(view)]
    return {"kind": "thumbs", "request": request.request, "items": items}, buffers


def detail_reply(
    request: DetailRequest, view: ImageView, mask_dtype: MaskDtype, loss: float, cm: NDArray
) -> tuple[dict[str, Any], list[bytes]]:
    """Header and buffers ``[JPEG, truth, prediction, float64 C×C confusion]``."""
    content = {
        "kind": "detail",
        "request": request.request,
        "loss": _finite_or_none(loss),
        **_item(request.index, view, mask_dtype),
    }
    return content, [*_view_buffers(view), _f64(cm)]


def _item(index: int, view: ImageView, mask_dtype: MaskDtype) -> dict[str, Any]:
    return {
        "index": index,
        "width": view.width,
        "height": view.height,
        "mask_dtype": mask_dtype,
        "image_mime": "image/jpeg",
    }


def _view_buffers(view: ImageView) -> list[bytes]:
    little = view.truth.dtype.newbyteorder("<")
    return [
        view.image_jpeg,
        view.truth.astype(little).tobytes(),
        view.prediction.astype(little).tobytes(),
    ]


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
