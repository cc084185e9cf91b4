"""The parts of a ``Results`` agree with each other: one image count, one class count, tags
within range. Checked when a ``Results`` is made (by the pass, ``load``, ``subset``, a merge).

A new per-image part (a ``Results`` field) is checked here by its ``n_images`` (or length),
and by ``n_classes`` when it has one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core import Results

# Results fields that hold one entry per image when present (besides the required ones).
PER_IMAGE = (
    "images",
    "boundary_confusions",
    "confident_confusions",
    "fingerprints",
    "image_sizes",
    "dataset_indices",
    "calibration_counts",
    "object_records",
    "features",
)
# Results fields that carry their own class count.
PER_CLASS = (
    "image_confusions",
    "boundary_confusions",
    "confident_confusions",
    "calibration_counts",
)


def _images(part: Any) -> int:
    return int(part.n_images) if hasattr(part, "n_images") else len(part)


def check_parts(results: Results) -> None:
    """Raise ``ValueError`` naming the parts that disagree."""
    sizes = {
        "losses": results.losses.size,
        "image_confusions": results.image_confusions.n_images,
        "nonfinite_pixels": results.nonfinite_pixels.size,
    }
    for name in PER_IMAGE:
        part = getattr(results, name)
        if part is not None:
            sizes[name] = _images(part)
    for name, column in results.metadata.items():
        sizes[f"metadata[{name!r}]"] = len(column)
    if len(set(sizes.values())) > 1:
        raise ValueError(f"Results parts disagree on the number of images: {sizes}")
    for name in PER_CLASS:
        part = getattr(results, name)
        if part is not None and part.n_classes != len(results.classes):
            raise ValueError(
                f"{len(results.classes)} class names but {name} for {part.n_classes} classes"
            )
    for tag, members in results.tags.items():
        if any(not 0 <= int(i) < results.n_images for i in members):
            raise ValueError(f"tag {tag!r} names images outside 0..{results.n_images - 1}")
