"""A batch's statistics on an accelerator with one host synchronisation (issue 18).

On a non-CPU device the sweep, the counts, the boundary band and the confident mask stay
on the device, and no check asks the host a question midway (``bool(t.any())``,
``.tolist()``, ``nonzero`` and ``bincount`` each wait for the device). What crosses to the
host per batch: the ``(B, H, W)`` truth and prediction in their smallest integer type, the
confident bits, the per-image counts of every ``(truth, prediction)`` cell (dense on the
device, ``F · B · (C + 1) · C`` int32, made sparse on the host), the losses, the valid
pixels per image and a few flags; on CUDA into pinned buffers with non-blocking copies,
then one wait on an event.

The path is optimistic: the flags say whether the batch needs the careful path (a mask
value that is not a class, non-finite logits, a NaN loss); then ``device_statistics``
returns ``None`` and the pass runs the batch again on that path, which repairs, warns or
raises exactly as on the CPU. Otherwise the numbers are those of the careful path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray

from ..results.calibration_counts import CalibrationCounts
from .boundary import boundary_band
from .calibration import device_calibration
from .cell_counts import BatchCounts, batch_counts, region_bits
from .logit_stats import LogitStats

# Above this many dense bins (64 MiB of int32) a batch is counted on the careful path,
# whose counts are sparse on the device (C = 150 at batch 8 with both regions: 0.7 M).
DENSE_LIMIT = 2**24


@dataclass(frozen=True)
class BatchStats:
    """One batch's statistics on the host, and what the encoder needs of it."""

    losses: NDArray[np.float64]
    nonfinite: NDArray[np.int64]
    counts: BatchCounts
    truth: NDArray[np.integer]  # (B, H, W), C marks invalid pixels
    pred: NDArray[np.integer] | None  # (B, H, W) when images are kept or objects looked for
    where: NDArray[np.bool_] | None  # (B, H, W) confident disagreements, when kept
    calibration: CalibrationCounts | None = None  # when calibration_bins is set


@dataclass(frozen=True)
class Options:
    """The pass's settings that the statistics depend on."""

    n_classes: int
    ignore_index: int | None
    boundary_width: int | None
    confidence: float | None
    keep_images: bool
    calibration_bins: int | None = None
    objects: bool = False  # the predictions are needed on the host for the objects too


def device_stats(logits: torch.Tensor) -> LogitStats:
    """``LogitStats`` image by image with no host synchronisation: the maximum and its
    first channel (``max`` breaks ties as ``argmax``), and ``Σ exp(x − max)``."""
    b, _, h, w = logits.shape
    top = logits.new_empty(b, h, w)
    norm = logits.new_empty(b, h, w)
    pred = torch.empty(b, h, w, dtype=torch.int64, device=logits.device)
    for i in range(b):  # one image's temporary at a time, as the CPU sweep's chunks
        torch.max(logits[i], 0, out=(top[i], pred[i]))
        torch.sum(torch.sub(logits[i], top[i]).exp_(), 0, out=norm[i])
    return LogitStats(pred, top, norm)


def device_statistics(
    logits: torch.Tensor,
    masks: torch.Tensor,
    options: Options,
    pixel_loss: Callable[[torch.Tensor, LogitStats, torch.Tensor], torch.Tensor],
) -> BatchStats | None:
    """The batch's statistics with one wait for the device, or ``None`` when the batch
    needs the careful path (see the module's note).

    ``pixel_loss(logits, stats, target)`` gives the ``(B, H, W)`` float32 losses of a
    target in ``0..C-1``.
    """
    c = options.n_classes
    n_images, n_pixels = masks.shape[0], masks[0].numel()
    if options.ignore_index is None:
        valid, target, highest = None, masks, c - 1
    else:
        valid = masks != options.ignore_index
        target = torch.where(valid, masks, c)
        highest = c
    target = target.clamp(0, c)  # out-of-range values are flagged below, never indexed
    bits = region_bits(options.boundary_width is not None, options.confidence is not None)
    n_bins = 2 ** len(bits) * n_images * (c + 1) * c
    if n_bins > DENSE_LIMIT:
        return None
    lo, hi = torch.aminmax(masks if valid is None else torch.where(valid, masks, 0))
    stats = device_stats(logits)
    boundary = confident = None
    if options.boundary_width is not None:
        boundary = boundary_band(target, c, options.boundary_width)
    conf = stats.confidence()
    if options.confidence is not None:
        confident = (stats.pred != target) & (conf >= options.confidence)
    calibration = None
    if options.calibration_bins is not None:
        calibration = device_calibration(conf, stats.pred, target, c, options.calibration_bins)
    del conf
    dense = _dense_counts(target, stats.pred, c, boundary, confident, bits, n_bins)
    safe = target.clamp(max=c - 1)
    loss = pixel_loss(logits, stats, safe)
    if valid is not None:
        loss = torch.where(valid, loss, 0.0)
        n_valid = valid.sum(dim=(1, 2))
    else:
        n_valid = torch.full((n_images,), n_pixels, device=masks.device)
    summed = loss.sum(dim=(1, 2))
    losses = torch.where(n_valid > 0, summed / n_valid.clamp(min=1), torch.nan).double()
    flags = torch.stack([lo < 0, hi > highest, stats.nonfinite().any(), summed.isnan().any()])
    small = torch.uint8 if c <= 255 else torch.int32
    device = [flags, losses, n_valid, dense, target.to(small)]
    named = {}  # what else crosses, by its place in `device`
    if options.keep_images or options.objects:
        named["pred"] = len(device)
        device.append(stats.pred.to(small))
    if options.keep_images and confident is not None:
        named["where"] = len(device)
        device.append(confident & (target < c))
    if calibration is not None:
        named["calibration"] = len(device)
        device.extend(calibration)
    host = _to_host(device)
    if bool(host[0].any()):  # a bad mask value, non-finite logits or a NaN loss
        return None
    counts = batch_counts(
        host[3].numpy().reshape(2 ** len(bits), n_images, -1),
        np.arange((c + 1) * c, dtype=np.int64),
        c,
        bits,
    )
    if (counts.invalid != n_pixels - host[2].numpy()).any():  # valid pixels equal to C
        return None
    part = {name: host[at].numpy() for name, at in named.items() if name != "calibration"}
    calib = None
    if calibration is not None and options.calibration_bins is not None:
        at = named["calibration"]
        count, total = host[at].numpy(), host[at + 1].numpy()
        calib = CalibrationCounts.from_dense(count, total, c, options.calibration_bins)
    return BatchStats(
        host[1].numpy(),
        np.zeros(n_images, np.int64),
        counts,
        host[4].numpy(),
        part.get("pred"),
        part.get("where"),
        calib,
    )


def _dense_counts(
    target: torch.Tensor,
    pred: torch.Tensor,
    c: int,
    boundary: torch.Tensor | None,
    confident: torch.Tensor | None,
    bits: dict[str, int],
    n_bins: int,
) -> torch.Tensor:
    """``(F · B · (C + 1) · C,)`` int32 counts of the ids ``((flags · B + image) · (C + 1)
    + t) · C + p``; ``index_add_`` into a zeroed tensor (``bincount`` waits for the host on
    CUDA to size its output)."""
    n_images = target.shape[0]
    k = (c + 1) * c
    key = torch.add(pred, target, alpha=c)
    key += torch.arange(n_images, device=key.device).view(-1, 1, 1) * k
    for name, region in (("boundary", boundary), ("confident", confident)):
        if region is not None:
            key.add_(region, alpha=n_images * k * bits[name])
    ids = key.view(-1)
    counts = torch.zeros(n_bins, dtype=torch.int32, device=key.device)
    return counts.index_add_(
        0, ids, torch.ones(1, dtype=torch.int32, device=key.device).expand_as(ids)
    )


def _to_host(tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    """Host copies; on CUDA into pinned buffers, non-blocking, then one wait."""
    if tensors[0].device.type != "cuda":
        return [t.to("cpu") for t in tensors]
    host = [torch.empty(t.shape, dtype=t.dtype, pin_memory=True) for t in tensors]
    for dst, src in zip(host, tensors, strict=True):
        dst.copy_(src, non_blocking=True)
    done = torch.cuda.Event()
    done.record()
    done.synchronize()  # the batch's one synchronisation
    return host


def wanted(device: torch.device) -> bool:
    """Whether batches on ``device`` take this path: on any device but the CPU."""
    return device.type != "cpu"
