"""What the analysis pass accumulates batch by batch, and the checks each batch must pass."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
from numpy.typing import NDArray

from ..results.calibration_counts import CalibrationCounts
from ..results.core import Results
from ..results.image_store import THUMB_SIDE, ImageStore
from ..results.imaging import ToUint8, detail_size
from ..results.objects_store import DEFAULT_MIN_RECALL, ObjectStore
from ..results.sparse import SparseConfusion
from . import device_path
from .adapters import InputError
from .boundary import boundary_band
from .calibration import check_bins, count_calibration
from .cell_counts import BatchCounts, count_cells
from .device_path import BatchStats
from .encoder import BatchEncoder, EncodedBatch, trim_heap
from .errors import AnalysisError
from .logit_stats import LogitStats, LogitSweep, torch_threads
from .masks import check_masks, mask_error
from .objects import check_instances
from .options import check_objects, check_options
from .user_loss import user_loss

LossFunc = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
_MAX_LISTED = 8  # offending values named in an error message
# Return freed heap pages to the OS every this many batches (and after the pass): glibc
# keeps the pages the forward's large per-batch temporaries freed. Measured at 256², 8 per
# batch, 80 -> 800 images (bench_pass.py's growth row): peak RSS grows ~0.05 MB per image,
# the store's 0.03 MB plus arena fragmentation; trimming every batch cost +17% time.
TRIM_EVERY = 8


@dataclass(frozen=True)
class _Batch:
    """One batch's statistics (its images are encoded in the background)."""

    losses: NDArray[np.float64]
    nonfinite: NDArray[np.int64]
    counts: BatchCounts
    size: tuple[int, int]
    calibration: CalibrationCounts | None


class PassState:
    """Per-image losses, sparse confusion counts and images of the batches seen so far.

    Statistics are computed on the logits' device at full resolution; images are encoded
    and truth masks fingerprinted on a worker thread (``BatchEncoder``). ``results``
    waits for that work, so it is the one place where the pass ends.
    """

    def __init__(
        self,
        classes: list[str],
        colors: list[str],
        ignore_index: int | None,
        keep_images: bool,
        *,
        boundary_width: int | None = 3,
        confidence: float | None = 0.9,
        detail_max_side: int | None = 1024,
        encode_workers: int | None = None,
        calibration_bins: int | None = 15,
        objects: bool = True,
        min_object_recall: float = DEFAULT_MIN_RECALL,
    ) -> None:
        check_options(boundary_width, confidence, detail_max_side)
        check_objects(objects, min_object_recall)
        self.calibration_bins = check_bins(calibration_bins)
        self.min_object_recall = float(min_object_recall) if objects else None
        self.classes = classes
        self.colors = colors
        self.ignore_index = ignore_index
        self.boundary_width = None if boundary_width is None else int(boundary_width)
        self.confidence = None if confidence is None else float(confidence)
        self._sweep = LogitSweep()
        self._batches: list[_Batch] = []
        # the pictures' side when handed to the encoder: enough for detail and thumbnail
        self._picture_side = None if detail_max_side is None else max(detail_max_side, THUMB_SIDE)
        self._encoder = BatchEncoder(
            len(classes), keep_images, detail_max_side, encode_workers, objects
        )
        self._finished: tuple[list[EncodedBatch], Exception | None] | None = None
        self._raised: Exception | None = None  # an encoding failure already reported

    @property
    def n_images(self) -> int:
        return sum(batch.losses.size for batch in self._batches)

    def add_batch(
        self,
        b: int,
        logits: torch.Tensor,
        masks: torch.Tensor,
        inputs: torch.Tensor,
        loss_func: LossFunc | None,
        to_uint8: ToUint8,
        instances: torch.Tensor | None = None,
    ) -> None:
        """Check one batch, then add its statistics (all or nothing) and queue its images.

        ``loss_func=None`` is cross-entropy, computed with the prediction in one sweep;
        ``instances``: the batch's instance maps, for the truth objects (``None``: components).
        """
        # one torch thread for the many small ops here: under torch's intra-op parallelism
        # every op waits at a barrier for all threads, which stalls when the cores are
        # shared; the logit sweep (most of the work) spreads its chunks over its own threads
        with torch_threads(1):
            self._raise_encoding_error()
            n_classes = len(self.classes)
            if logits.shape[1] != n_classes:  # else predictions would spill into other cells
                raise InputError(
                    f"batch {b}: the logits have {logits.shape[1]} channels here but {n_classes} "
                    "in the first batch"
                )
            stats = None
            if device_path.wanted(logits.device):
                options = device_path.Options(
                    n_classes,
                    self.ignore_index,
                    self.boundary_width,
                    self.confidence,
                    self._encoder.store is not None,
                    self.calibration_bins,
                    self._encoder.objects,
                )
                loss = partial(self._pixel_loss, b, loss_func)
                stats = device_path.device_statistics(logits, masks, options, loss)
            if stats is None:  # on the CPU, or a batch the device path hands back
                stats = self._statistics(b, logits, masks, loss_func)
            del logits
            inst = None
            if instances is not None and self._encoder.objects:
                check_instances(b, instances, torch.from_numpy(stats.truth), n_classes)
                inst = instances.to(torch.int32).cpu().numpy()
            keep = self._encoder.store is not None
            # the pictures at the detail's size: shrunk before their conversion to 8 bits
            shown = detail_size(masks.shape[1], masks.shape[2], self._picture_side)
            rgb = to_uint8(inputs, shown) if keep else None
            self._encoder.submit(b, stats.truth, rgb, stats.pred, stats.where, inst)
            size = (masks.shape[1], masks.shape[2])
            self._batches.append(
                _Batch(stats.losses, stats.nonfinite, stats.counts, size, stats.calibration)
            )
            if len(self._batches) % TRIM_EVERY == 0:
                trim_heap()

    def _statistics(
        self, b: int, logits: torch.Tensor, masks: torch.Tensor, loss_func: LossFunc | None
    ) -> BatchStats:
        """The batch's statistics, checked and repaired step by step (the CPU's path)."""
        n_classes = len(self.classes)
        valid, target = check_masks(b, masks, len(self.classes), self.ignore_index)
        n_pixels = masks[0].numel()
        if valid is None:
            n_valid = torch.full((masks.shape[0],), n_pixels, device=masks.device)
        else:
            n_valid = valid.sum(dim=(1, 2))
        logits, stats, bad_logits = self._logit_stats(b, logits)
        boundary = confident = calibration = None
        if self.boundary_width is not None:
            boundary = boundary_band(target, n_classes, self.boundary_width)
        conf = stats.confidence()
        if self.confidence is not None:  # invalid pixels (target C) land in the dropped row
            confident = (stats.pred != target) & (conf >= self.confidence)
        if self.calibration_bins is not None:
            calibration = count_calibration(
                conf, stats.pred, target, n_classes, self.calibration_bins
            )
        del conf
        counts = count_cells(target, stats.pred, n_classes, boundary, confident)
        if (counts.invalid != n_pixels - n_valid.cpu().numpy()).any():  # valid pixels at C
            mask_error(b, masks, valid, len(self.classes), self.ignore_index)
        # the CPU side: fingerprints always, images when kept (with where the confident
        # disagreements are, for the detail view's overlay)
        small = torch.uint8 if n_classes <= 255 else torch.int32
        truth = target.to(small).cpu().numpy()
        keep = self._encoder.store is not None
        pred = stats.pred.to(small).cpu().numpy() if keep or self._encoder.objects else None
        where = None
        if keep and confident is not None:
            where = (confident & (target < n_classes)).cpu().numpy()
        del boundary, confident
        losses, bad_losses = self._losses(b, logits, stats, valid, n_valid, target, loss_func)
        bad = [part for part in (bad_logits, bad_losses) if part is not None]
        nonfinite = np.zeros(masks.shape[0], np.int64)
        if bad:
            nonfinite = torch.stack(bad).any(dim=0).sum(dim=(1, 2)).cpu().numpy().astype(np.int64)
        return BatchStats(losses, nonfinite, counts, truth, pred, where, calibration)

    def _logit_stats(
        self, b: int, logits: torch.Tensor
    ) -> tuple[torch.Tensor, LogitStats, torch.Tensor | None]:
        """The batch's per-pixel statistics; non-finite pixels are counted, warned, repaired."""
        stats = self._sweep(logits)
        bad = stats.nonfinite()
        if not bool(bad.any()):
            return logits, stats, None
        per_image = bad.sum(dim=(1, 2)).cpu().numpy()
        images = np.flatnonzero(per_image).tolist()
        warnings.warn(
            f"batch {b}, images {images[:_MAX_LISTED]}: {int(per_image.sum())} pixels have "
            "NaN or infinite logits (NaN or +inf in a channel, or −inf in every channel); "
            "repaired (NaN read as 0, ±inf as the largest finite value) and counted in "
            "Results.nonfinite_pixels",
            RuntimeWarning,
            stacklevel=6,  # the helper, _statistics, add_batch, _run_pass, analyze, caller
        )
        repaired = torch.where(bad.unsqueeze(1), torch.nan_to_num(logits), logits)
        return repaired, self._sweep(repaired), bad

    def _losses(
        self,
        b: int,
        logits: torch.Tensor,
        stats: LogitStats,
        valid: torch.Tensor | None,
        n_valid: torch.Tensor,
        target: torch.Tensor,
        loss_func: LossFunc | None,
    ) -> tuple[NDArray[np.float64], torch.Tensor | None]:
        """Per-image mean loss over valid pixels, and the valid pixels whose loss is NaN.

        A NaN loss (only a custom ``loss_func`` gives one: the logits are finite here)
        leaves the pixel out of its image's mean; it is warned and counted. ``target`` is
        the pass's own (invalid pixels at ``C``) and is changed in place.
        """
        # a class in range at invalid pixels (the spare C) for the loss; masked out below
        safe = target if valid is None else target.clamp_(max=len(self.classes) - 1)
        pixel_loss = self._pixel_loss(b, loss_func, logits, stats, safe)
        if valid is not None:
            pixel_loss = torch.where(valid, pixel_loss, 0.0)
        summed = pixel_loss.sum(dim=(1, 2))
        bad = None
        if bool(summed.isnan().any()):
            bad = pixel_loss.isnan()
            per_image = bad.sum(dim=(1, 2))
            summed = pixel_loss.nan_to_num(nan=0.0).sum(dim=(1, 2))
            n_valid = n_valid - per_image
            images = per_image.nonzero().flatten().tolist()
            warnings.warn(
                f"batch {b}, images {images[:_MAX_LISTED]}: loss_func returned NaN for "
                f"{int(per_image.sum())} valid pixels; they are left out of the images' mean "
                "loss and counted in Results.nonfinite_pixels",
                RuntimeWarning,
                stacklevel=6,  # _losses, _statistics, add_batch, _run_pass, analyze, caller
            )
        losses = torch.where(n_valid > 0, summed / n_valid.clamp(min=1), torch.nan)
        return losses.double().cpu().numpy(), bad

    def _pixel_loss(
        self,
        b: int,
        loss_func: LossFunc | None,
        logits: torch.Tensor,
        stats: LogitStats,
        target: torch.Tensor,
    ) -> torch.Tensor:
        """Per-pixel losses of ``target`` (all in ``0..C-1``): cross-entropy or the caller's."""
        if loss_func is None:
            return stats.cross_entropy(logits, target)
        with torch_threads(self._sweep.threads):  # the caller's threads: user code may be heavy
            return user_loss(b, loss_func, logits, target)

    def _raise_encoding_error(self) -> None:
        error = self._encoder.first_error()
        if error is not None:
            self._raised = error
            raise AnalysisError(str(error)) from error

    def results(self, partial: bool) -> Results:
        """What has been accumulated, as ``Results``, once the images are encoded.

        Raises
        ------
        AnalysisError
            When encoding a batch failed (``partial=False`` only; ``err.results`` holds the
            batches before it). With ``partial=True`` the results end before that batch.
        """
        encoded, failure = self.close()
        results = self._assemble(encoded, partial or failure is not None)
        if failure is None or failure is self._raised:
            return results
        if partial:
            warnings.warn(
                f"the results end before the image that failed: {failure}",
                stacklevel=5,  # results, _completed, _run_pass, analyze, caller
            )
            return results
        err = AnalysisError(str(failure))
        err.results = results
        raise err from failure

    def close(self) -> tuple[list[EncodedBatch], Exception | None]:
        """End the pass's threads once its images are encoded (again: what it gave).

        The batches encoded before the first failure, and that failure.
        """
        if self._finished is None:
            self._sweep.close()
            self._finished = self._encoder.finish()
        return self._finished

    def _assemble(self, encoded: list[EncodedBatch], partial: bool) -> Results:
        batches = self._batches[: len(encoded)]
        n_classes = len(self.classes)

        def concat(parts: Iterable[SparseConfusion | None]) -> SparseConfusion:
            kept = [part for part in parts if part is not None]  # a region is on for all or none
            return SparseConfusion.concat([SparseConfusion.empty(n_classes), *kept])

        images = None
        if self._encoder.store is not None:
            images = ImageStore(n_classes)
            for part in encoded:
                images.extend(part.images)
        sizes = [
            np.tile(np.array(batch.size, np.int64), (batch.losses.size, 1)) for batch in batches
        ]
        return Results(
            classes=self.classes,
            losses=np.concatenate([np.zeros(0), *(batch.losses for batch in batches)]),
            image_confusions=concat(batch.counts.all for batch in batches),
            images=images,
            colors=self.colors,
            ignore_index=self.ignore_index,
            partial=partial,
            nonfinite_pixels=np.concatenate(
                [np.zeros(0, np.int64), *(batch.nonfinite for batch in batches)]
            ),
            boundary_confusions=(
                None
                if self.boundary_width is None
                else concat(batch.counts.boundary for batch in batches)
            ),
            confident_confusions=(
                None
                if self.confidence is None
                else concat(batch.counts.confident for batch in batches)
            ),
            boundary_width=self.boundary_width,
            confidence=self.confidence,
            fingerprints=np.concatenate(
                [np.zeros(0, np.uint64), *(part.fingerprints for part in encoded)]
            ),
            image_sizes=np.concatenate([np.zeros((0, 2), np.int64), *sizes]),
            calibration_counts=(
                None
                if self.calibration_bins is None
                else CalibrationCounts.concat(
                    [CalibrationCounts.empty(n_classes, self.calibration_bins)]
                    + [batch.calibration for batch in batches if batch.calibration is not None]
                )
            ),
            object_records=(
                None
                if self.min_object_recall is None
                else ObjectStore.from_images(
                    [o for part in encoded for o in part.objects], self.min_object_recall
                )
            ),
        )
