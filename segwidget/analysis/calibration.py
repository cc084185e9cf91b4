"""The pass's calibration counter: one batch's confidences binned as torchmetrics bins them.

Per image and per key ``(predicted class · S + slot) · 2 + correct`` (``S = n_bins + 1``
slots, see ``results.calibration_counts``), the pixels and the sum of their confidences:
one comparison per bin edge and two ``bincount`` over the batch's pixels, on the logits'
device. Invalid pixels (truth ``C``) go to a spare key per image that is dropped.
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
    conf, flat, size = _keys(confidence, pred, target, n_classes, n_bins)
    b = conf.shape[0]
    count = torch.bincount(flat, minlength=size).view(b, -1)[:, :-1]
    total = torch.bincount(flat, conf.view(-1).double(), minlength=size).view(b, -1)[:, :-1]
    return CalibrationCounts.from_dense(count.cpu().numpy(), total.cpu().numpy(), n_classes, n_bins)


def device_calibration(
    confidence: torch.Tensor, pred: torch.Tensor, target: torch.Tensor, n_classes: int, n_bins: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """``count_calibration``'s dense ``(B, K)`` counts and confidence sums, left on the
    confidences' device with no host synchronisation (``index_add_``: CUDA's ``bincount``
    waits for the host); ``CalibrationCounts.from_dense`` of their host copies equals
    ``count_calibration``."""
    conf, flat, size = _keys(confidence, pred, target, n_classes, n_bins)
    b = conf.shape[0]
    count = torch.zeros(size, dtype=torch.int64, device=conf.device)
    count.index_add_(0, flat, torch.ones_like(flat, dtype=torch.int64))
    total = torch.zeros(size, dtype=torch.float64, device=conf.device)
    total.index_add_(0, flat, conf.view(-1).double())
    return count.view(b, -1)[:, :-1], total.view(b, -1)[:, :-1]


def _keys(
    confidence: torch.Tensor, pred: torch.Tensor, target: torch.Tensor, n_classes: int, n_bins: int
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """The confidences, each pixel's flat key ``image · (K + 1) + (pred, slot, correct)``
    (invalid pixels at the image's spare key ``K``), and the keys' count ``B · (K + 1)``."""
    conf = confidence.float()
    slots = n_bins + 1
    n_keys = n_classes * slots * 2
    # the slot: how many of the edges 1/n .. 1 the confidence reaches (= torchmetrics'
    # bucketize(right=True) − 1, exactly: the same float32 edges, compared in float32);
    # vectorised comparisons beat torch's per-element binary search several times over
    edges = torch.linspace(0, 1, n_bins + 1, dtype=torch.float32)[1:].tolist()
    small = torch.uint8 if n_bins < 255 else torch.int32
    slot = torch.zeros(conf.shape, dtype=small, device=conf.device)
    hit = torch.empty(conf.shape, dtype=torch.bool, device=conf.device)
    for edge in edges:
        torch.ge(conf, edge, out=hit)
        slot.add_(hit)
    b = conf.shape[0]
    size = b * (n_keys + 1)
    wide = torch.int32 if size < 2**31 else torch.int64  # int32: half the memory traffic
    key = pred.to(wide).mul_(2 * slots).add_(slot, alpha=2).add_(pred == target)
    offset = torch.arange(b, dtype=wide, device=key.device).view(-1, 1, 1) * (n_keys + 1)
    key = torch.where(target == n_classes, offset + n_keys, key.add_(offset))  # invalid: spare
    return conf, key.view(-1), size
