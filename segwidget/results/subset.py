"""``Results.subset``: the same results restricted to some images, every per-image part kept."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .core import Results


def image_indices(indices: Any, n_images: int) -> NDArray[np.int64]:
    """Validated unique image indices (a 1-D integer or boolean array-like)."""
    idx = np.asarray(indices)
    if idx.dtype == np.bool_:
        if idx.shape != (n_images,):
            raise ValueError(f"a boolean mask must have one entry per image ({n_images})")
        return np.flatnonzero(idx).astype(np.int64)
    if idx.size == 0:
        return np.zeros(0, dtype=np.int64)
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"indices must be 1-D image indices, got {idx.dtype} {idx.shape}")
    if idx.min() < 0 or idx.max() >= n_images:
        bad = idx[(idx < 0) | (idx >= n_images)][:5].tolist()
        raise IndexError(f"image indices {bad} out of range for {n_images} images")
    if np.unique(idx).size != idx.size:
        raise ValueError("indices must not repeat an image")
    return idx.astype(np.int64)


def take(results: Results, indices: Any) -> Results:
    """See ``Results.subset``."""
    idx = image_indices(indices, results.n_images)
    position = np.full(results.n_images, -1, dtype=np.int64)
    position[idx] = np.arange(idx.size)

    def rows(array: NDArray[Any] | None) -> NDArray[Any] | None:
        return None if array is None else array[idx]

    tags = {
        name: sorted(int(position[i]) for i in members if position[i] >= 0)
        for name, members in results.tags.items()
    }
    taken = replace(
        results,
        losses=results.losses[idx],
        image_confusions=results.image_confusions.take(idx),
        images=None if results.images is None else results.images.take(idx),
        nonfinite_pixels=results.nonfinite_pixels[idx],
        boundary_confusions=(
            None if results.boundary_confusions is None else results.boundary_confusions.take(idx)
        ),
        confident_confusions=(
            None if results.confident_confusions is None else results.confident_confusions.take(idx)
        ),
        fingerprints=rows(results.fingerprints),
        image_sizes=rows(results.image_sizes),
        dataset_indices=results.dataset_index()[idx],
        calibration_counts=(
            None if results.calibration_counts is None else results.calibration_counts.take(idx)
        ),
        metadata={name: column[idx] for name, column in results.metadata.items()},
        tags=tags,
        object_records=(
            None if results.object_records is None else results.object_records.take(idx)
        ),
        features=rows(results.features),
    )
    # a subset's points stay where the user saw them on the whole set's map
    taken.maps.update({kind: xy[idx] for kind, xy in results.maps.items()})
    return taken
