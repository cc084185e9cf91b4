"""The boundary band of a truth mask (DESIGN.md, "regions"; issue 11's definition).

With width ``d``, a valid pixel is *boundary* when, within its ``(2d+1) × (2d+1)``
window (clipped at the image border), the valid truth pixels do not all have the same
class; otherwise it is *interior*. Invalid pixels are neither and never create a boundary.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def boundary_band(target: torch.Tensor, n_classes: int, width: int) -> torch.Tensor:
    """Bool ``(B, H, W)``: the boundary pixels of ``target``.

    Parameters
    ----------
    target
        ``(B, H, W)`` integer truth in which every invalid pixel holds ``n_classes``.
    n_classes
        The number of classes (also the value of invalid pixels).
    width
        The band's half-width ``d`` in pixels (``d >= 1``).

    Notes
    -----
    Boundary ⇔ (largest valid class in the window) ≠ (smallest valid class in it). Both
    are one max-pooling: of ``t`` with invalid pixels at −1, and of ``−t`` with invalid
    pixels at ``−n_classes``; max pooling pads with −inf, which clips the window at the
    border. The window is separable, so each pooling runs as a row pass and a column pass.
    """
    k = 2 * width + 1
    valid = target < n_classes
    t = target.to(torch.float32)  # class indices are exact in float32 below 2**24
    both = torch.stack([torch.where(valid, t, -1.0), t.neg_()], dim=1)
    both = F.max_pool2d(both, (1, k), stride=1, padding=(0, width))
    both = F.max_pool2d(both, (k, 1), stride=1, padding=(width, 0))
    return (both[:, 0] != both[:, 1].neg()) & valid
