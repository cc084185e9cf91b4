"""The detail view's overlays (issue 11): the boundary band and the confident disagreements.

The band is drawn by the browser from the stored truth mask (``js/src/view/overlays.ts``, the
definition of ``boundary.py``), so only its width travels: the pass's ``d`` at the mask's
original resolution, and ``d`` at the stored detail resolution when ``detail_max_side``
shrank it. The confident disagreements cannot be derived from the masks: the image store
keeps them as a 1-bit PNG, sent as one more part of the detail reply.
"""

from __future__ import annotations

from typing import Any

from ..results.core import Results
from .protocol import png_size


def band_width(width: int, original: tuple[int, int], stored: tuple[int, int]) -> int:
    """The band's half-width at the stored resolution: ``width`` scaled as the longer side
    was, rounded, at least 1 (``original`` and ``stored`` are ``(height, width)``)."""
    scale = max(stored) / max(original)
    return width if scale == 1 else max(1, round(width * scale))


def detail_overlays(
    results: Results, i: int, stored: tuple[bytes, ...], comparison: bool
) -> tuple[dict[str, Any], tuple[bytes, ...]]:
    """Image ``i``'s overlay fields of the detail reply and the parts they add.

    Parameters
    ----------
    results
        The results shown (which kept images).
    i
        The image.
    stored
        The reply's parts so far (JPEG, truth PNG, prediction PNG, further parts): the mask
        part goes after them, and the truth PNG's header gives the stored size.
    comparison
        A comparison's detail view keeps its own panels (two models' predictions and
        their difference): it gets no overlays, so nothing is added.

    Returns
    -------
    fields, parts
        ``boundary_width`` (the pass's ``d``, ``None`` when the band was off),
        ``band_width`` (``d`` at the stored resolution), ``confidence`` (``τ``), and when
        the mask travels ``confident_part``: its index among the reply's parts.
    """
    if comparison:
        return {}, ()
    width, height = png_size(stored[1])
    d = results.boundary_width
    fields: dict[str, Any] = {
        "boundary_width": d,
        "band_width": d,
        "confidence": results.confidence,
    }
    if d is not None and results.image_sizes is not None:
        original = (int(results.image_sizes[i, 0]), int(results.image_sizes[i, 1]))
        fields["band_width"] = band_width(d, original, (height, width))
    assert results.images is not None
    mask = results.images.confident(i)
    if mask is None:
        return fields, ()
    return {**fields, "confident_part": len(stored)}, (mask,)
