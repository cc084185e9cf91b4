"""A static picture of one image (fastai's ``show_xyz``), for use without any front end."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from .imaging import colorize, rgb_table, void_value

if TYPE_CHECKING:
    from .core import Results

_MIN_PANEL_WIDTH = 256
_PAD = 6
_TITLE_HEIGHT = 18
_SWATCH = 12
_ERROR_RGB = np.array([230, 30, 30], dtype=np.uint8)
_VOID_RGB = np.array([96, 96, 96], dtype=np.uint8)


def error_map(
    rgb: NDArray[np.uint8], truth: NDArray, pred: NDArray, void: int
) -> NDArray[np.uint8]:
    """The image dimmed, wrong pixels red, void (ignored) pixels grey."""
    out = (rgb.astype(np.float32) * 0.35).astype(np.uint8)
    out[(truth != pred) & (truth != void)] = _ERROR_RGB
    out[truth == void] = _VOID_RGB
    return out


def render_image_row(results: Results, i: int) -> Image.Image:
    """Image | truth | prediction | errors for image ``i``, titled, with a class legend."""
    if results.images is None:
        raise ValueError("these results kept no images (keep_images=False); nothing to show")
    view = results.images.view(i)
    rgb = results.images.rgb(i)
    void = void_value(results.n_classes)
    panels = {
        "image": rgb,
        "truth": colorize(view.truth, results.colors),
        "prediction": colorize(view.prediction, results.colors),
        "errors": error_map(rgb, view.truth, view.prediction, void),
    }
    scale = max(1, int(np.ceil(_MIN_PANEL_WIDTH / view.width)))
    pw, ph = view.width * scale, view.height * scale
    present = sorted(set(np.unique(view.truth).tolist()) | set(np.unique(view.prediction).tolist()))
    present = [c for c in present if c < results.n_classes]
    font = ImageFont.load_default()
    legend_rows = _legend_layout(present, results.classes, 4 * pw + 5 * _PAD, font)
    height = _TITLE_HEIGHT + ph + 2 * _PAD + len(legend_rows) * (_SWATCH + _PAD)
    canvas = Image.new("RGB", (4 * pw + 5 * _PAD, height), "white")
    draw = ImageDraw.Draw(canvas)
    loss = results.losses[i]
    for k, (name, array) in enumerate(panels.items()):
        x = _PAD + k * (pw + _PAD)
        title = f"{name}  #{i}  loss {loss:.3f}" if k == 0 else name
        draw.text((x, 3), title, fill="black", font=font)
        panel = Image.fromarray(array).resize((pw, ph), Image.Resampling.NEAREST)
        canvas.paste(panel, (x, _TITLE_HEIGHT))
    table = rgb_table(results.colors)
    y = _TITLE_HEIGHT + ph + _PAD
    for row in legend_rows:
        for x, c in row:
            draw.rectangle((x, y, x + _SWATCH, y + _SWATCH), fill=tuple(table[c].tolist()))
            draw.text((x + _SWATCH + 4, y), results.classes[c], fill="black", font=font)
        y += _SWATCH + _PAD
    return canvas


def _legend_layout(
    present: list[int],
    names: list[str],
    width: int,
    font: ImageFont.ImageFont | ImageFont.FreeTypeFont,
) -> list[list[tuple[int, int]]]:
    """Swatch positions, wrapped into rows that fit ``width``."""
    rows: list[list[tuple[int, int]]] = [[]]
    x = _PAD
    for c in present:
        item = _SWATCH + 4 + int(font.getlength(names[c])) + 2 * _PAD
        if x + item > width and rows[-1]:
            rows.append([])
            x = _PAD
        rows[-1].append((x, c))
        x += item
    return rows if rows[0] else []
