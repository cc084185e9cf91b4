"""What the analysis pass accumulates batch by batch, and the checks each batch must pass."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import torch
from numpy.typing import NDArray
from PIL import Image

from .adapters import InputError
from .image_store import ImageStore
from .imaging import void_value
from .results import Results
from .sparse import SparseConfusion

_MAX_LISTED = 8  # offending values named in an error message


class PassState:
    """Per-image losses, sparse confusion counts and images of the batches seen so far."""

    def __init__(
        self, classes: list[str], colors: list[str], ignore_index: int | None, keep_images: bool
    ) -> None:
        self.classes = classes
        self.colors = colors
        self.ignore_index = ignore_index
        self.losses: list[NDArray[np.float64]] = []
        self.nonfinite: list[NDArray[np.int64]] = []
        self.confusions: list[SparseConfusion] = [SparseConfusion.empty(len(classes))]
        self.images = ImageStore(len(classes)) if keep_images else None

    @property
    def n_images(self) -> int:
        return sum(part.size for part in self.losses)

    def add_batch(
        self,
        b: int,
        logits: torch.Tensor,
        masks: torch.Tensor,
        inputs: torch.Tensor,
        loss_func: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        to_uint8: Callable[[torch.Tensor], NDArray[np.uint8]],
    ) -> None:
        """Check one batch, then add its statistics (all or nothing)."""
        n_classes = len(self.classes)
        if logits.shape[1] != n_classes:  # else predictions would spill into other cells
            raise InputError(
                f"batch {b}: the logits have {logits.shape[1]} channels here but {n_classes} "
                "in the first batch"
            )
        valid = self._check_masks(b, masks)
        nonfinite = self._repair_nonfinite(b, logits)
        target = torch.where(valid, masks, 0)  # safe class for invalid pixels, masked out below
        pixel_loss = loss_func(logits, target)
        if tuple(pixel_loss.shape) != tuple(masks.shape):
            raise InputError(
                f"batch {b}: loss_func must return per-pixel losses of shape {tuple(masks.shape)} "
                f"(reduction='none'), got {tuple(pixel_loss.shape)}"
            )
        n_valid = valid.sum(dim=(1, 2))
        summed = torch.where(valid, pixel_loss.float(), 0.0).sum(dim=(1, 2))
        losses = torch.where(n_valid > 0, summed / n_valid.clamp(min=1), torch.nan)
        pred = logits.argmax(dim=1)
        # every image's confusion matrix from one bincount: id = (image * C + t) * C + p
        image_ids = torch.arange(masks.shape[0], device=masks.device).view(-1, 1, 1)
        flat = ((image_ids * n_classes + target) * n_classes + pred)[valid]
        counts = torch.bincount(flat, minlength=masks.shape[0] * n_classes * n_classes)
        counts_np = counts.view(masks.shape[0], -1).cpu().numpy()
        encoded = self._encode_images(inputs, masks, valid, pred, to_uint8)
        # everything computed: now add the batch whole
        self.losses.append(losses.double().cpu().numpy())
        self.nonfinite.append(nonfinite)
        self.confusions.extend(SparseConfusion.from_flat_counts(counts_np))
        if self.images is not None:
            self.images.extend(encoded)

    def _check_masks(self, b: int, masks: torch.Tensor) -> torch.Tensor:
        n_classes = len(self.classes)
        valid = masks != self.ignore_index if self.ignore_index is not None else None
        negative = masks < 0
        if valid is not None:
            negative &= valid
        if negative.any():
            i = int(negative.flatten(1).any(1).nonzero()[0])
            values = torch.unique(masks[i][negative[i]]).tolist()[:_MAX_LISTED]
            raise InputError(f"batch {b}, image {i}: mask has negative values {values}")
        too_big = masks >= n_classes
        if valid is not None:
            too_big &= valid
        if too_big.any():
            i = int(too_big.flatten(1).any(1).nonzero()[0])
            values = torch.unique(masks[i][too_big[i]]).tolist()[:_MAX_LISTED]
            raise InputError(
                f"batch {b}, image {i}: mask values {values} are not classes 0..{n_classes - 1} "
                f"(and not ignore_index={self.ignore_index}); check classes= or ignore_index="
            )
        return valid if valid is not None else torch.ones_like(masks, dtype=torch.bool)

    def _repair_nonfinite(self, b: int, logits: torch.Tensor) -> NDArray[np.int64]:
        """Count pixels with NaN/inf logits per image, warn, and make them finite in place."""
        bad = ~torch.isfinite(logits).all(dim=1)
        per_image = bad.sum(dim=(1, 2)).cpu().numpy().astype(np.int64)
        if per_image.any():
            images = np.flatnonzero(per_image).tolist()
            warnings.warn(
                f"batch {b}, images {images[:_MAX_LISTED]}: {int(per_image.sum())} pixels have "
                "NaN or infinite logits (NaN read as 0, ±inf as the largest finite value); "
                "counted in Results.nonfinite_pixels",
                RuntimeWarning,
                stacklevel=5,  # _repair_nonfinite, add_batch, _run_pass, analyze, caller
            )
            torch.nan_to_num_(logits)
        return per_image

    def _encode_images(
        self,
        inputs: torch.Tensor,
        masks: torch.Tensor,
        valid: torch.Tensor,
        pred: torch.Tensor,
        to_uint8: Callable[[torch.Tensor], NDArray[np.uint8]],
    ) -> list[dict[str, bytes]]:
        if self.images is None:
            return []
        rgb = to_uint8(inputs)
        truth = torch.where(valid, masks, void_value(len(self.classes))).cpu().numpy()
        pred_np = pred.cpu().numpy()
        h, w = truth.shape[1:]
        encoded = []
        for k in range(truth.shape[0]):
            image = rgb[k]
            if image.shape[:2] != (h, w):  # inputs resized for the model: show at mask size
                image = np.asarray(Image.fromarray(image).resize((w, h), Image.Resampling.BILINEAR))
            encoded.append(self.images.encode(image, truth[k], pred_np[k]))
        return encoded

    def results(self, partial: bool) -> Results:
        """What has been accumulated, as ``Results``."""
        empty_f, empty_i = np.zeros(0, np.float64), np.zeros(0, np.int64)
        return Results(
            classes=self.classes,
            losses=np.concatenate([empty_f, *self.losses]),
            image_confusions=SparseConfusion.concat(self.confusions),
            images=self.images,
            colors=self.colors,
            ignore_index=self.ignore_index,
            partial=partial,
            nonfinite_pixels=np.concatenate([empty_i, *self.nonfinite]),
        )
