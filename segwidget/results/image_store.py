"""Compressed per-image store: what the gallery and the detail view show, never logits.

Each image keeps a JPEG of itself and PNGs of its truth and prediction masks, at full
resolution and as a thumbnail, so memory grows with compressed pixels, not with C. When
the pass looked for confident disagreements, each image also keeps where they are: a
1-bit PNG at the detail resolution (``CONFIDENT``; mostly zero, so ~100 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .imaging import decode, encode_jpeg, encode_png, mask_dtype, shrink

THUMB_SIDE = 128
_PARTS = ("image", "truth", "prediction", "thumb_image", "thumb_truth", "thumb_prediction")
CONFIDENT = "confident"  # optional part: every image has it or none


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
    ) -> dict[str, bytes]:
        """Encode one image (``(H, W, 3)`` uint8) with its masks (``(H, W)``, void already set).

        ``max_side`` caps the longer side of the stored detail image and masks (masks
        shrink by nearest neighbour, so class indices stay exact); ``None`` keeps them at
        full resolution. Thumbnails are made from the full-resolution arrays either way.
        ``confident`` (``(H, W)`` bool: the confident disagreements) is kept as a 1-bit PNG
        at the detail resolution, shrunk like the masks.
        """
        truth = truth.astype(self.dtype)
        prediction = prediction.astype(self.dtype)
        side = max(truth.shape) if max_side is None else max_side
        extra: dict[str, bytes] = {}
        if confident is not None:
            shown = shrink(confident.astype(np.uint8), side, nearest=True)
            extra[CONFIDENT] = encode_png(shown.astype(bool))  # bool: Pillow's 1-bit mode
        return {
            "image": encode_jpeg(shrink(rgb, side, nearest=False), quality=90),
            "truth": encode_png(shrink(truth, side, nearest=True)),
            "prediction": encode_png(shrink(prediction, side, nearest=True)),
            "thumb_image": encode_jpeg(shrink(rgb, THUMB_SIDE, nearest=False), quality=85),
            "thumb_truth": encode_png(shrink(truth, THUMB_SIDE, nearest=True)),
            "thumb_prediction": encode_png(shrink(prediction, THUMB_SIDE, nearest=True)),
            **extra,
        }

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
