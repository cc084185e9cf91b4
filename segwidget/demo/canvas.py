"""Painting primitives of the demo's street scenes: coordinates, noise, outlines, a canvas.

Pure functions and a small canvas class; the random draws stay with the caller's generator.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float32]


@lru_cache(maxsize=8)
def grid(h: int, w: int) -> tuple[Array, Array]:
    """Row and column coordinates of every pixel (cached: a constant, not random state)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy.setflags(write=False)
    xx.setflags(write=False)
    return yy, xx


def smooth_noise(rng: np.random.Generator, h: int, w: int, cell: int) -> NDArray[np.float64]:
    """Low-frequency noise in about [-1, 1]: a coarse random grid, bilinearly upsampled."""
    gh, gw = h // cell + 2, w // cell + 2
    coarse = rng.uniform(-1.0, 1.0, (gh, gw)).astype(np.float32)
    y = np.arange(h, dtype=np.float32) / cell
    x = np.arange(w, dtype=np.float32) / cell
    y0, x0 = y.astype(np.int64), x.astype(np.int64)
    fy, fx = (y - y0)[:, None], (x - x0)[None, :]
    top = coarse[y0][:, x0] * (1 - fx) + coarse[y0][:, x0 + 1] * fx
    bottom = coarse[y0 + 1][:, x0] * (1 - fx) + coarse[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def outline(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Pixels of ``mask`` with a 4-neighbour outside it (the inner border)."""
    inner = mask.copy()
    inner[1:, :] &= mask[:-1, :]
    inner[:-1, :] &= mask[1:, :]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    return mask & ~inner


class Canvas:
    """An image and its label map, painted back to front (later paint occludes earlier)."""

    def __init__(self, h: int, w: int) -> None:
        self.h, self.w = h, w
        self.image = np.zeros((h, w, 3), dtype=np.float32)
        self.label = np.zeros((h, w), dtype=np.uint8)
        self.void = np.zeros((h, w), dtype=np.bool_)

    def paint(self, mask: NDArray[np.bool_], cls: int, colour: Array | NDArray) -> None:
        """Paint ``colour`` (RGB, or an (H, W, 3) texture) and label ``cls`` where ``mask``."""
        self.label[mask] = cls
        self.void[mask] = False  # an occluder hides the void border of what lies behind it
        self.image[mask] = colour[mask] if np.ndim(colour) == 3 else colour

    def paint_box(
        self, y0: float, y1: float, x0: float, x1: float, cls: int, colour: ArrayLike
    ) -> NDArray[np.bool_]:
        """Paint an axis-aligned box (clipped to the canvas); return its full-size mask."""
        mask = np.zeros((self.h, self.w), dtype=np.bool_)
        r0, r1 = max(int(np.round(y0)), 0), min(int(np.round(y1)), self.h)
        c0, c1 = max(int(np.round(x0)), 0), min(int(np.round(x1)), self.w)
        if r1 > r0 and c1 > c0:
            mask[r0:r1, c0:c1] = True
            self.paint(mask, cls, np.asarray(colour))
        return mask


def ellipse(yy: Array, xx: Array, cy: float, cx: float, ry: float, rx: float) -> NDArray:
    return ((yy - cy) / max(ry, 0.5)) ** 2 + ((xx - cx) / max(rx, 0.5)) ** 2 <= 1.0
