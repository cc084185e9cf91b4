"""Turn what loaders and models produce into ``(images, masks)`` and ``(B, C, H, W)`` logits."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

BatchToXY = Callable[[Any], tuple[torch.Tensor, torch.Tensor]]
OutputToLogits = Callable[[Any], torch.Tensor]

IMAGE_KEYS = ("image", "images", "pixel_values", "img", "input", "inputs", "x")
MASK_KEYS = ("mask", "masks", "labels", "label", "target", "targets", "segmentation", "y")


class InputError(ValueError):
    """Bad input found during the analysis pass; the message says where.

    ``results`` holds the batches completed before the bad one (``None`` when it was the first).
    """

    results: Any = None


def _pick(batch: Mapping[str, Any], keys: Sequence[str], what: str) -> Any:
    for key in keys:
        if key in batch:
            return batch[key]
    raise InputError(
        f"dict batch has none of the {what} keys {list(keys)} (its keys: {list(batch)}); "
        f"pass image_key=/mask_key= or batch_to_xy="
    )


def make_batch_to_xy(image_key: str | None = None, mask_key: str | None = None) -> BatchToXY:
    """The default batch adapter: tuples/lists ``(x, y, ...)`` or dicts with known keys.

    Parameters
    ----------
    image_key, mask_key
        Dict keys to use instead of the known ones (``image``/``mask``,
        ``pixel_values``/``labels``, ...).
    """
    image_keys = (image_key,) if image_key else IMAGE_KEYS
    mask_keys = (mask_key,) if mask_key else MASK_KEYS

    def batch_to_xy(batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
        if isinstance(batch, Mapping):
            return _pick(batch, image_keys, "image"), _pick(batch, mask_keys, "mask")
        if isinstance(batch, Sequence) and not isinstance(batch, str) and len(batch) >= 2:
            return batch[0], batch[1]
        raise InputError(
            f"cannot find images and masks in a batch of type {type(batch).__name__}; "
            "expected (x, y, ...) or a dict, or pass batch_to_xy="
        )

    return batch_to_xy


def output_to_logits(output: Any) -> torch.Tensor:
    """The default output adapter.

    Accepts a tensor, a dict with ``'out'`` (torchvision; ``'aux'`` is ignored) or
    ``'logits'``, an object with ``.logits`` (Hugging Face), or a tuple/list (first element).
    """
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, Mapping):
        for key in ("out", "logits"):
            if key in output:
                return output_to_logits(output[key])
        raise InputError(
            f"model returned a dict without 'out' or 'logits' (keys: {list(output)}); "
            "pass output_to_logits="
        )
    logits = getattr(output, "logits", None)
    if isinstance(logits, torch.Tensor):
        return logits
    if isinstance(output, Sequence) and len(output) > 0:
        return output_to_logits(output[0])
    raise InputError(
        f"cannot find logits in a model output of type {type(output).__name__}; "
        "pass output_to_logits="
    )


def masks_to_index(masks: object, where: str) -> torch.Tensor:
    """``(B, H, W)`` or ``(B, 1, H, W)`` masks of class indices → ``(B, H, W)`` int64.

    Tensors or numpy arrays of integers, booleans, or floats holding whole numbers.
    """
    if isinstance(masks, np.ndarray) and masks.dtype.kind in "biuf":
        masks = torch.from_numpy(masks.astype(np.int64) if masks.dtype.kind == "u" else masks)
    if not isinstance(masks, torch.Tensor):
        raise InputError(
            f"{where}: the masks are {_describe(masks)}, not a tensor; a batch's masks must be "
            "one (B, H, W) tensor of class indices (load and stack them in the dataset and "
            "collate), or pass batch_to_xy="
        )
    if masks.ndim == 4 and masks.shape[1] == 1:
        masks = masks[:, 0]
    if masks.ndim != 3:
        single = " (one image's mask, not a batch? wrap the dataset in a DataLoader)"
        raise InputError(
            f"{where}: masks must be (B, H, W) or (B, 1, H, W), got {tuple(masks.shape)}"
            f"{single if masks.ndim == 2 else ''}"
        )
    if masks.is_complex():
        raise InputError(f"{where}: masks must hold integer class indices, got dtype {masks.dtype}")
    if masks.is_floating_point():
        whole = torch.isfinite(masks) & (masks == masks.round())
        if not whole.all():
            i = int((~whole).flatten(1).any(1).nonzero()[0])
            value = float(masks[i][~whole[i]][0])
            raise InputError(
                f"{where}, image {i}: float masks must hold whole class indices; found {value:g} "
                "(masks scaled to [0, 1] by ToTensor? read them with PILToTensor or "
                "torch.as_tensor(np.array(mask)))"
            )
    return masks.long()


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, str | bytes):
        text = repr(value)
        return f"the {type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"
    if isinstance(value, Sequence) and len(value) > 0:
        return f"a {type(value).__name__} of {len(value)} {type(value[0]).__name__}"
    return f"a {type(value).__name__}"


def logits_at_mask_size(logits: torch.Tensor, masks: torch.Tensor, where: str) -> torch.Tensor:
    """Check shapes and upsample lower-resolution logits bilinearly to the mask's size.

    A one-channel output is a binary model (sigmoid, threshold 0.5): it becomes two
    channels ``[0, z]`` so that softmax gives ``[1 − σ(z), σ(z)]``, cross-entropy equals
    binary cross-entropy and argmax equals ``σ(z) > 0.5``.
    """
    if logits.ndim != 4:
        raise InputError(f"{where}: logits must be (B, C, H, W), got {tuple(logits.shape)}")
    if logits.shape[0] != masks.shape[0]:
        raise InputError(
            f"{where}: logits hold {logits.shape[0]} images but masks hold {masks.shape[0]} "
            f"(logits {tuple(logits.shape)}, masks {tuple(masks.shape)})"
        )
    logits = logits.float()
    if logits.shape[1] == 1:
        logits = torch.cat([torch.zeros_like(logits), logits], dim=1)
    size = tuple(masks.shape[-2:])
    if tuple(logits.shape[-2:]) != size:
        lh, lw = logits.shape[-2:]
        if lh > size[0] or lw > size[1]:
            swapped = (
                " (are the images' or the masks' height and width swapped?)"
                if (lw, lh) == size
                else ""
            )
            raise InputError(
                f"{where}: logits {tuple(logits.shape)} are larger than masks "
                f"{tuple(masks.shape)}; "
                f"segwidget only upsamples lower-resolution logits{swapped}"
            )
        logits = F.interpolate(logits, size=size, mode="bilinear", align_corners=False)
    return logits
