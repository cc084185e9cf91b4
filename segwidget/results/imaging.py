"""Images for people: denormalisation, the class palette, mask colouring, PNG/JPEG encoding."""

from __future__ import annotations

import colorsys
import io
from collections.abc import Callable, Sequence

import numpy as np
import torch
from numpy.typing import NDArray
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

Denormalize = Callable[[torch.Tensor], torch.Tensor]

# Distinct, readable first colours (Cityscapes-like, then tab10-like); then the golden angle.
_BASE_PALETTE = (
    "#4682b4", "#b0b0b0", "#804080", "#f423e8", "#6b8e23", "#00008e", "#dc143c", "#dcdc00",
    "#fa9f1e", "#98fb98", "#46466e", "#ff0000", "#00e6e6", "#77200b", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


def palette(n: int, colors: Sequence[str] | None = None) -> list[str]:
    """``n`` distinguishable ``#rrggbb`` colours, or the user's own (validated).

    Beyond the base colours, hues step by the golden angle and lightness/saturation
    cycle, so neighbouring class indices never get near-identical colours, even at 150.
    """
    if colors is not None:
        colors = [str(c).lower() for c in colors]
        if len(colors) != n:
            raise ValueError(f"colors has {len(colors)} entries but there are {n} classes")
        bad = [c for c in colors if len(c) != 7 or c[0] != "#" or not _is_hex(c[1:])]
        if bad:
            raise ValueError(f"colors must be '#rrggbb' strings; not {bad[:3]}")
        return colors
    out = list(_BASE_PALETTE[:n])
    for i in range(len(out), n):
        hue = (i * 0.618033988749895) % 1.0
        lightness = (0.45, 0.6, 0.35)[i % 3]
        saturation = (0.75, 0.55, 0.9)[(i // 3) % 3]
        r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
        out.append(f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}")
    return out


def _is_hex(text: str) -> bool:
    return all(ch in "0123456789abcdef" for ch in text)


def rgb_table(colors: Sequence[str]) -> NDArray[np.uint8]:
    """``#rrggbb`` strings → ``(C, 3)`` uint8."""
    return np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colors], dtype=np.uint8)


def make_denormalize(
    denormalize: Denormalize | None = None,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
) -> Callable[[torch.Tensor], NDArray[np.uint8]]:
    """A function from a model-input batch ``(B, C, H, W)`` to displayable ``(B, H, W, 3)`` uint8.

    With ``denormalize`` or ``mean``/``std`` given they are applied (result in [0, 1]).
    Otherwise the value range of the first batch decides, once for the whole pass:
    [0, 1] is scaled to [0, 255], [0, 255] is shown as is, anything else is taken as
    ImageNet-normalised and undone. One-channel inputs show as grey; only the first
    three channels of wider inputs are shown.
    """
    if denormalize is not None and (mean is not None or std is not None):
        raise ValueError("pass either denormalize or mean/std, not both")
    if mean is not None or std is not None:
        denormalize = _affine(mean or (0.0, 0.0, 0.0), std or (1.0, 1.0, 1.0))
    scale: list[float] = []  # decided on the first batch when auto-detecting

    def to_uint8(images: torch.Tensor) -> NDArray[np.uint8]:
        x = images.detach().float().cpu()
        if x.ndim == 3:
            x = x[:, None]
        x = x[:, :3] if x.shape[1] >= 3 else x[:, :1].expand(-1, 3, -1, -1)
        # one new float tensor (the inputs stay untouched), then everything in place
        if denormalize is not None:
            x = denormalize(x).mul(255.0)
        else:
            if not scale:
                scale.append(_detect_scale(images))
            x = _IMAGENET(x).mul_(255.0) if np.isnan(scale[0]) else x.mul(scale[0])
        return x.clamp_(0, 255).round_().to(torch.uint8).permute(0, 2, 3, 1).numpy()

    return to_uint8


def _affine(mean: Sequence[float], std: Sequence[float]) -> Denormalize:
    m = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    return lambda x: (x * s[:, : x.shape[1]]).add_(m[:, : x.shape[1]])


_IMAGENET = _affine(IMAGENET_MEAN, IMAGENET_STD)


def _detect_scale(images: torch.Tensor) -> float:
    """255 for [0, 1] inputs, 1 for [0, 255], NaN (= ImageNet-normalised) otherwise."""
    if not images.is_floating_point():
        return 1.0
    lo, hi = float(images.min()), float(images.max())
    if lo >= 0.0 and hi <= 1.0:
        return 255.0
    if lo >= 0.0 and hi <= 255.0:
        return 1.0
    return float("nan")


def mask_dtype(n_classes: int) -> type[np.unsignedinteger]:
    """uint8 while class indices and the void value (255) fit, else uint16."""
    return np.uint8 if n_classes <= 255 else np.uint16


def void_value(n_classes: int) -> int:
    """The value that marks ignored (void) truth pixels in stored and transported masks."""
    return int(np.iinfo(mask_dtype(n_classes)).max)


def colorize(mask: NDArray, colors: Sequence[str]) -> NDArray[np.uint8]:
    """Class-index mask → RGB; void (out-of-range) pixels are black."""
    table = np.vstack([rgb_table(colors), np.zeros((1, 3), np.uint8)])
    idx = np.where(mask < len(colors), mask, len(colors))
    return table[idx]


def encode_png(array: NDArray) -> bytes:
    """Lossless PNG of an RGB uint8 image or a uint8/uint16 index mask."""
    buf = io.BytesIO()
    if array.dtype == np.uint16:
        # the mode follows from the dtype ("I;16"); Pillow 13 rejects mode="I;16" here
        Image.fromarray(array.astype("<u2")).save(buf, format="PNG")
    else:
        Image.fromarray(array).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def encode_jpeg(rgb: NDArray[np.uint8], quality: int = 90) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def decode(data: bytes, dtype: type[np.generic] | None = None) -> NDArray:
    """PNG/JPEG bytes → array (masks keep their stored integer type)."""
    with Image.open(io.BytesIO(data)) as img:
        array = np.asarray(img)
    return array.astype(dtype) if dtype is not None else array


def shrink(array: NDArray, max_side: int, nearest: bool) -> NDArray:
    """Downscale so the longer side is at most ``max_side`` (nearest keeps class indices exact)."""
    h, w = array.shape[:2]
    factor = max(h, w) / max_side
    if factor <= 1:
        return array
    size = (max(1, round(w / factor)), max(1, round(h / factor)))
    if array.dtype == np.uint16:
        img = Image.fromarray(array.astype(np.int32), mode="I")
    else:
        img = Image.fromarray(array)
    resample = Image.Resampling.NEAREST if nearest else Image.Resampling.BILINEAR
    return np.asarray(img.resize(size, resample)).astype(array.dtype)
