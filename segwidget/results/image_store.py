"""Compressed per-image store: what the gallery and the detail view show, never logits.

Each image keeps a JPEG of itself and PNGs of its truth and prediction masks, at full
resolution and as a thumbnail, so memory grows with compressed pixels, not with C. When
the pass looked for confident disagreements, each image also keeps where they are: a
1-bit PNG at the detail resolution (``CONFIDENT``; mostly zero, so ~100 bytes).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .imaging import (
    decode,
    detail_size,
    encode_jpeg,
    encode_png,
    mask_dtype,
    pick_pixels,
    resize_rgb,
    void_value,
)

THUMB_SIDE = 128
_PARTS = ("image", "truth", "prediction", "thumb_image", "thumb_truth", "thumb_prediction")
CONFIDENT = "confident"  # optional part: every image has it or none
_JPEG_QUALITY = {"image": 90, "thumb_image": 85}


def encode_part(name: str, array: NDArray) -> bytes:
    """One stored part: a JPEG for the pictures (``image``, ``thumb_image``), else a PNG.

    One function for every part, so that ``bench/bench_ceiling.py`` can time each.
    """
    if name in _JPEG_QUALITY:
        return encode_jpeg(array, quality=_JPEG_QUALITY[name])
    return encode_png(array)


@functools.lru_cache(maxsize=8)
def _empty_png(shape: tuple[int, int]) -> bytes:
    return encode_png(np.zeros(shape, bool))


def _confident_png(where: NDArray[np.bool_]) -> bytes:
    """The 1-bit PNG of the confident disagreements; most images have none: encoded once."""
    if not where.any():
        return _empty_png(where.shape)
    return encode_png(np.ascontiguousarray(where, dtype=bool))  # bool: Pillow's 1-bit mode


@dataclass(frozen=True)
class ImageView:
    """One image ready to send or draw: encoded picture plus raw class-index masks."""

    image_jpeg: bytes
    truth: NDArray[np.unsignedinteger]
    prediction: NDArray[np.unsignedinteger]

    @property
    def height(self) -> int:
        return int(self.truth.shape[0])

    @property
    def width(self) -> int:
        return int(self.truth.shape[1])


@dataclass
class ImageStore:
    """Encoded images, truth and prediction masks (void = the dtype's maximum)."""

    n_classes: int
    parts: dict[str, list[bytes]] = field(default_factory=lambda: {p: [] for p in _PARTS})

    def __len__(self) -> int:
        return len(self.parts["image"])

    @property
    def dtype(self) -> type[np.unsignedinteger]:
        return mask_dtype(self.n_classes)

    def encode(
        self,
        rgb: NDArray[np.uint8],
        truth: NDArray,
        prediction: NDArray,
        max_side: int | None = None,
        confident: NDArray[np.bool_] | None = None,
        *,
        invalid: int | None = None,
    ) -> dict[str, bytes]:
        """Encode one image (``(H, W, 3)`` uint8) with its ``(H, W)`` masks.

        ``max_side`` caps the longer side of the stored detail image and masks (masks
        shrink by nearest neighbour, so class indices stay exact); ``None`` keeps them at
        full resolution. ``rgb`` may come at any size (e.g. already shrunk to the detail's:
        then it is not touched); it is resized to the detail's size. The picture's
        thumbnail is made from the detail when that is at least as large, the masks'
        from the full-resolution masks. ``confident`` (``(H, W)`` bool: the confident
        disagreements) is kept as a 1-bit PNG at the detail resolution, shrunk like the
        masks. The truth's void pixels hold the void value already, or ``invalid`` (set to
        void here, after shrinking).
        """
        size = detail_size(truth.shape[0], truth.shape[1], max_side)
        thumb = detail_size(truth.shape[0], truth.shape[1], THUMB_SIDE)
        picture = resize_rgb(rgb, size)
        # the thumbnail from the detail when that is as large (a cheaper resample)
        source = picture if size[0] >= thumb[0] and size[1] >= thumb[1] else rgb
        parts = {"image": encode_part("image", picture)}
        thumbs = {"thumb_image": encode_part("thumb_image", resize_rgb(source, thumb))}
        for name, mask in (("truth", truth), ("prediction", prediction)):
            void = invalid if name == "truth" else None
            parts[name] = encode_part(name, self._mask(mask, size, void))
            thumbs[f"thumb_{name}"] = encode_part(f"thumb_{name}", self._mask(mask, thumb, void))
        parts.update(thumbs)
        if confident is not None:
            parts[CONFIDENT] = _confident_png(pick_pixels(confident, size))
        return parts

    def _mask(self, mask: NDArray, size: tuple[int, int], invalid: int | None) -> NDArray:
        """``mask`` at ``size`` by nearest neighbour, stored type, ``invalid`` set to void."""
        out = pick_pixels(mask, size).astype(self.dtype)  # a copy: changed in place below
        if invalid is not None:
            out[out == invalid] = void_value(self.n_classes)
        return out

    def extend(self, encoded: list[dict[str, bytes]]) -> None:
        """Append images made by ``encode`` (all with the same parts as those stored)."""
        for item in encoded:
            if set(item) != set(self.parts):
                if len(self) or not set(_PARTS) <= set(item) <= {*_PARTS, CONFIDENT}:
                    raise ValueError(
                        f"an image with parts {sorted(item)} cannot join a store of images "
                        f"with parts {sorted(self.parts)}"
                    )
                self.parts = {name: [] for name in item}
            for name, blob in item.items():
                self.parts[name].append(blob)

    def take(self, indices: NDArray[np.integer]) -> ImageStore:
        """A store of the images ``indices``, in that order (the bytes are shared, not copied)."""
        picked = [int(i) for i in indices]
        return ImageStore(
            self.n_classes, {name: [blobs[i] for i in picked] for name, blobs in self.parts.items()}
        )

    def add(
        self,
        rgb: NDArray[np.uint8],
        truth: NDArray,
        prediction: NDArray,
        confident: NDArray[np.bool_] | None = None,
    ) -> None:
        """Encode and append one image."""
        self.extend([self.encode(rgb, truth, prediction, confident=confident)])

    @property
    def has_confident(self) -> bool:
        """Whether the images keep their confident-disagreement masks."""
        return CONFIDENT in self.parts

    def confident(self, n: int) -> bytes | None:
        """Image ``n``'s confident-disagreement mask as stored (1-bit PNG), if kept."""
        if not 0 <= n < len(self):
            raise IndexError(f"image index {n} out of range for {len(self)} stored images")
        return self.parts[CONFIDENT][n] if self.has_confident else None

    def view(self, n: int, thumbnail: bool = False) -> ImageView:
        """Image ``n`` decoded to masks (the picture stays JPEG for the browser)."""
        if not 0 <= n < len(self):
            raise IndexError(f"image index {n} out of range for {len(self)} stored images")
        prefix = "thumb_" if thumbnail else ""
        return ImageView(
            self.parts[prefix + "image"][n],
            decode(self.parts[prefix + "truth"][n], self.dtype),
            decode(self.parts[prefix + "prediction"][n], self.dtype),
        )

    def encoded(self, n: int, thumbnail: bool = False) -> tuple[bytes, bytes, bytes]:
        """Image ``n`` as stored: JPEG, truth PNG, prediction PNG (what the browser decodes)."""
        if not 0 <= n < len(self):
            raise IndexError(f"image index {n} out of range for {len(self)} stored images")
        prefix = "thumb_" if thumbnail else ""
        return tuple(self.parts[prefix + part][n] for part in ("image", "truth", "prediction"))  # type: ignore[return-value]

    def rgb(self, n: int) -> NDArray[np.uint8]:
        """Image ``n`` decoded to ``(H, W, 3)`` uint8."""
        return decode(self.view(n).image_jpeg).astype(np.uint8)

    def to_arrays(self) -> dict[str, NDArray]:
        """Flat arrays for ``np.savez``: each part's bytes concatenated, with offsets."""
        out: dict[str, NDArray] = {}
        for name, blobs in self.parts.items():
            out[f"images_{name}_data"] = np.frombuffer(b"".join(blobs), dtype=np.uint8)
            out[f"images_{name}_ptr"] = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
        return out

    @classmethod
    def from_arrays(cls, n_classes: int, arrays: dict[str, NDArray]) -> ImageStore:
        store = cls(n_classes)
        if f"images_{CONFIDENT}_data" in arrays:
            store.parts[CONFIDENT] = []
        for name in store.parts:
            data = arrays[f"images_{name}_data"].tobytes()
            ptr = arrays[f"images_{name}_ptr"]
            store.parts[name] = [data[ptr[i] : ptr[i + 1]] for i in range(ptr.size - 1)]
        return store
