"""Near objects of the demo's street scenes: what makes its small classes come in every size.

Far pedestrians, poles and signs are tiny at 96 x 128 px. A scene may also get a pedestrian
near the camera, a pole in the foreground (often carrying a large sign), or a sign board on two
posts beside the road, so that each of those classes has objects from a few pixels to COCO's
"medium" (32² to 96² px). Every function draws from the generator it is given, in a fixed
order, so a scene stays a pure function of its seed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .canvas import Array, Canvas, ellipse

# Close-up kinds and the chance that a scene gets one of each, in drawing order.
NEAR_KINDS: tuple[tuple[str, float], ...] = (
    ("board", 0.3),
    ("near_pole", 0.4),
    ("near_pedestrian", 0.35),
)


def near_pedestrian(
    cv: Canvas, rng: np.random.Generator, yy: Array, xx: Array, noise: NDArray, cls: int
) -> NDArray[np.bool_]:
    """Paint a pedestrian close to the camera (feet at or below the bottom edge).

    Parameters
    ----------
    cv
        The canvas, painted in place.
    rng
        The scene's generator.
    yy, xx
        Row and column of every pixel.
    noise
        The scene's smooth texture field, ``(H, W)``.
    cls
        The pedestrian class index.

    Returns
    -------
    numpy.ndarray
        The person's full mask (before later occluders), for the void outline.
    """
    h, w = cv.h, cv.w
    ph = rng.uniform(0.6, 1.4) * h  # taller than the frame when close
    pw = ph * rng.uniform(0.26, 0.34)
    yb = h + rng.uniform(-0.08, 0.35) * ph
    xb = rng.uniform(0.08, 0.92) * w
    top, trousers = rng.uniform(0.05, 0.8, 3), rng.uniform(0.05, 0.5, 3)
    legs = ellipse(yy, xx, yb - ph * 0.25, xb, ph * 0.26, pw * 0.36)
    torso = ellipse(yy, xx, yb - ph * 0.58, xb, ph * 0.25, pw / 2)
    head = ellipse(yy, xx, yb - ph * 0.9, xb, ph * 0.09, pw * 0.28)
    cv.paint(legs, cls, trousers * (1 + 0.1 * noise[..., None]))
    cv.paint(torso, cls, top * (1 + 0.1 * noise[..., None]))
    cv.paint(head, cls, np.array([0.8, 0.6, 0.5]) * rng.uniform(0.5, 1.1))
    return legs | torso | head


def near_pole(
    cv: Canvas,
    rng: np.random.Generator,
    yy: Array,
    xx: Array,
    pole_cls: int,
    sign_cls: int,
    colours: NDArray,
) -> bool:
    """Paint a pole in the foreground, near the left or right edge, maybe with a large sign.

    Parameters
    ----------
    cv
        The canvas, painted in place.
    rng
        The scene's generator.
    yy, xx
        Row and column of every pixel.
    pole_cls, sign_cls
        The pole and sign class indices.
    colours
        ``(K, 3)`` sign colours to draw from.

    Returns
    -------
    bool
        Whether the pole carries a sign.
    """
    h, w = cv.h, cv.w
    pw = rng.uniform(8.0, 18.0)
    edge = rng.uniform(0.03, 0.22) * w
    xb = edge if rng.random() < 0.5 else w - edge
    top = rng.uniform(-0.2, 0.35) * h
    grey = rng.uniform(0.12, 0.4)
    shade = np.clip(1 + 0.5 * (xx - xb) / pw, 0.6, 1.4)[..., None]  # a round pole's shading
    mast = (np.abs(xx - xb) < pw / 2) & (yy >= top)
    cv.paint(mast, pole_cls, np.full((cv.h, cv.w, 3), grey, np.float32) * shade)
    if rng.random() >= 0.7:
        return False
    # The sign sits on the mast's top, so the mast below it stays one object.
    sw = rng.uniform(24, 48)
    cy = max(top, sw * rng.uniform(0.35, 0.7))
    colour = colours[rng.integers(len(colours))]
    if rng.random() < 0.5:
        cv.paint(ellipse(yy, xx, cy, xb, sw / 2, sw / 2), sign_cls, colour)
    else:
        cv.paint_box(cy - sw / 2, cy + sw / 2, xb - sw / 2, xb + sw / 2, sign_cls, colour)
    return True


def sign_board(
    cv: Canvas,
    rng: np.random.Generator,
    yy: Array,
    xx: Array,
    foot: tuple[float, float, float],
    pole_cls: int,
    sign_cls: int,
    colours: NDArray,
) -> None:
    """Paint a direction board on two posts, standing on the ground at ``foot``.

    Parameters
    ----------
    cv
        The canvas, painted in place.
    rng
        The scene's generator.
    yy, xx
        Row and column of every pixel.
    foot
        ``(row, column, scale)``: where the posts stand and the perspective scale there
        (0 at the horizon, 1 at the bottom edge).
    pole_cls, sign_cls
        Class indices of the posts and the board.
    colours
        ``(K, 3)`` sign colours to draw from (the board's background).
    """
    yb, xb, s = foot
    bw = 8 + s * rng.uniform(45, 75)
    bh = bw * rng.uniform(0.45, 0.7)
    lift = 3 + s * rng.uniform(12, 24)  # post height under the board
    post = 0.5 + s * 1.5
    for px in (xb - bw * 0.3, xb + bw * 0.3):
        cv.paint_box(yb - lift - bh / 2, yb, px - post / 2, px + post / 2, pole_cls, 0.25)
    y0, x0 = yb - lift - bh, xb - bw / 2
    colour = colours[rng.integers(len(colours))]
    board = cv.paint_box(y0, y0 + bh, x0, x0 + bw, sign_cls, colour)
    # Lettering: pale stripes on the board, still labelled sign.
    lines = int(rng.integers(1, 4))
    rows = (yy - y0) / bh * (lines + 1)
    letters = board & (np.abs(rows - np.round(rows)) < 0.18) & (rows > 0.5) & (rows < lines + 0.5)
    letters &= np.abs(xx - xb) < bw * rng.uniform(0.25, 0.4)
    pale = np.clip(colour + 0.6, 0.0, 1.0) if colour.mean() < 0.6 else colour * 0.2
    cv.paint(letters, sign_cls, pale)
