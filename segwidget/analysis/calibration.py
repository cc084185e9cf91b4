"""The pass's calibration counter: one batch's confidences binned as torchmetrics bins them.

Per image and per key ``(predicted class · S + slot) · 2 + correct`` (``S = n_bins + 1``
slots, see ``results.calibration_counts``), the pixels and the sum of their confidences:
one ``bucketize`` and two ``bincount`` over the batch's pixels, on the logits' device.
Invalid pixels (truth ``C``) go to a spare key per image that is dropped.
"""

from __future__ import annotations

import numbers

import torch

from ..results.calibration_counts import CalibrationCounts
from .adapters import InputError

DEFAULT_BINS = 15  # torchmetrics' default n_bins


def check_bins(n_bins: int | None) -> int | None:
    """``calibration_bins`` checked: a whole number ≥ 1, or ``None`` to skip calibration."""
    whole = isinstance(n_bins, numbers.Integral) and not isinstance(n_bins, bool)
    if n_bins is not None and not (whole and n_bins >= 1):
        raise InputError(
            "calibration_bins must be a whole number of bins >= 1 (15 as in torchmetrics), "
            f"or None to skip calibration; got {n_bins!r}"
        )
    return None if n_bins is None else int(n_bins)


def count_calibration(
    confidence: torch.Tensor, pred: torch.Tensor, target: torch.Tensor, n_classes: int, n_bins: int
) -> CalibrationCounts:
    """One batch's calibration counts.

    Parameters
    ----------
    confidence
        ``(B, H, W)`` softmax probability of the predicted class (float32 as in the sweep).
    pred
        ``(B, H, W)`` int64 predictions in ``0..C-1``.
    target
        ``(B, H, W)`` int64 truth in ``0..C``, ``C`` marking invalid pixels.
    n_classes, n_bins
        ``C`` and the number of equal-width bins.
    """
    conf = confidence.float()
    edges = torch.linspace(0, 1, n_bins + 1, dtype=torch.float32, device=conf.device)
    slot = torch.bucketize(conf, edges, right=True).sub_(1)
    n_keys = n_classes * (n_bins + 1) * 2
    key = pred * (n_bins + 1)
    key.add_(slot).mul_(2).add_(pred == target)
    key.masked_fill_(target == n_classes, n_keys)  # the spare key, dropped below
    b = key.shape[0]
    key += torch.arange(b, device=key.device).view(-1, 1, 1) * (n_keys + 1)
    flat = key.view(-1)
    size = b * (n_keys + 1)
    count = torch.bincount(flat, minlength=size).view(b, -1)[:, :n_keys]
    total = torch.bincount(flat, conf.view(-1).double(), minlength=size).view(b, -1)[:, :n_keys]
    return CalibrationCounts.from_dense(count.cpu().numpy(), total.cpu().numpy(), n_classes, n_bins)
