"""A batch's masks checked: validity, the truth with invalid pixels at the spare class ``C``,
and the error naming the first image with a value that is not a class."""

from __future__ import annotations

import torch

from .adapters import InputError

_MAX_LISTED = 8  # offending values named in an error message


def check_masks(
    b: int, masks: torch.Tensor, n_classes: int, ignore_index: int | None
) -> tuple[torch.Tensor | None, torch.Tensor]:
    """Validity and the truth with invalid pixels at the spare class ``C``.

    One comparison, one select and one min/max; the rare valid pixel equal to ``C``
    shows later as a spare-row count larger than the invalid pixels.
    """
    if ignore_index is None:
        valid, target, highest = None, masks, n_classes - 1
    else:
        valid = masks != ignore_index
        target = torch.where(valid, masks, n_classes)
        highest = n_classes
    lo, hi = torch.stack(torch.aminmax(target)).tolist()
    if lo < 0 or hi > highest:
        mask_error(b, masks, valid, n_classes, ignore_index)
    return valid, target


def mask_error(
    b: int,
    masks: torch.Tensor,
    valid: torch.Tensor | None,
    n_classes: int,
    ignore_index: int | None,
) -> None:
    """Raise the error naming the first image with a mask value that is not a class."""
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
    i = int(too_big.flatten(1).any(1).nonzero()[0])
    values = torch.unique(masks[i][too_big[i]]).tolist()[:_MAX_LISTED]
    raise InputError(
        f"batch {b}, image {i}: mask values {values} are not classes "
        f"0..{n_classes - 1} (and not ignore_index={ignore_index}); "
        "check classes= or ignore_index="
    )
