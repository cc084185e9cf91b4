"""Per-image confusion counts of one batch, for all valid pixels and for pixel regions.

Counting never allocates ``B · C²`` bins: the cells ``t * C + p`` present in the batch
(one ``bincount`` over ``(C + 1) · C`` ids) are renumbered ``0..K-1``, and the per-image
counts come from one ``bincount`` over ``F · B · K`` ids, ``F`` being 1, 2 or 4 for the
region flags (boundary, confident) folded into the id. Invalid pixels hold the spare
truth class ``C``: they are counted in the spare row, never by boolean-mask indexing,
and the spare row is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray

from ..results.sparse import SparseConfusion


@dataclass(frozen=True)
class BatchCounts:
    """One batch's per-image counts; ``None`` for a region that was not asked for."""

    all: SparseConfusion
    boundary: SparseConfusion | None
    confident: SparseConfusion | None
    invalid: NDArray[np.int64]  # per image, pixels in the spare row (truth == C)


def count_cells(
    target: torch.Tensor,
    pred: torch.Tensor,
    n_classes: int,
    boundary: torch.Tensor | None = None,
    confident: torch.Tensor | None = None,
) -> BatchCounts:
    """Count each image's ``(truth, prediction)`` pairs, overall and per region.

    Parameters
    ----------
    target
        ``(B, H, W)`` int64 truth in ``0..C``, ``C`` marking invalid pixels.
    pred
        ``(B, H, W)`` int64 predictions in ``0..C-1``.
    n_classes
        ``C``.
    boundary, confident
        Optional bool ``(B, H, W)`` regions; each gives counts of its pixels only.
    """
    c, n_images = n_classes, target.shape[0]
    cell = torch.add(pred, target, alpha=c)  # t * C + p; the spare row is ids >= C * C
    present = torch.bincount(cell.view(-1), minlength=(c + 1) * c).nonzero().squeeze(1)
    k = present.numel()
    compact = torch.empty((c + 1) * c, dtype=torch.int64, device=cell.device)
    compact[present] = torch.arange(k, device=cell.device)
    key = compact.take(cell)
    del cell  # a batch-sized temporary: free it before the next ones
    key += torch.arange(n_images, device=key.device).view(-1, 1, 1) * k
    stride = n_images * k
    bits = region_bits(boundary is not None, confident is not None)
    n_flags = 2 ** len(bits)
    for name, region in (("boundary", boundary), ("confident", confident)):
        if region is not None:  # fold the region in as one more bit of the id
            key.add_(region, alpha=stride * bits[name])
    counts = torch.bincount(key.view(-1), minlength=n_flags * stride).view(n_flags, n_images, k)
    return batch_counts(counts.cpu().numpy(), present.cpu().numpy(), c, bits)


def region_bits(boundary: bool, confident: bool) -> dict[str, int]:
    """The bit of each region asked for in a folded id: boundary first, then confident."""
    names = [name for name, on in (("boundary", boundary), ("confident", confident)) if on]
    return {name: 1 << i for i, name in enumerate(names)}


def batch_counts(
    counts: NDArray[np.integer], cells: NDArray[np.int64], c: int, bits: dict[str, int]
) -> BatchCounts:
    """``(F, B, K)`` counts of the ascending ``cells`` (``t · C + p``, spare row included),
    ``F`` folding the region ``bits`` → the batch's per-image counts."""
    n_flags = counts.shape[0]
    valid = cells < c * c
    total = counts.sum(axis=0, dtype=np.int64)

    def region_counts(name: str) -> SparseConfusion | None:
        if name not in bits:
            return None
        chosen = counts[np.arange(n_flags) & bits[name] != 0].sum(axis=0, dtype=np.int64)
        return _sparse(chosen[:, valid], cells[valid], c)

    return BatchCounts(
        _sparse(total[:, valid], cells[valid], c),
        region_counts("boundary"),
        region_counts("confident"),
        total[:, ~valid].sum(axis=1).astype(np.int64),
    )


def _sparse(counts: NDArray[np.int64], cells: NDArray[np.int64], c: int) -> SparseConfusion:
    """``(B, K)`` counts of the ascending ``cells`` → the batch's sparse counts."""
    image, k = np.nonzero(counts)
    return SparseConfusion.from_entries(c, counts.shape[0], image, cells[k], counts[image, k])
