"""Save and load ``Results`` as one ``.npz`` of plain arrays plus JSON metadata: no pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .image_store import ImageStore
from .results import Results
from .sparse import SparseConfusion

FORMAT = "segwidget-results"
VERSION = 1


def save_results(results: Results, path: Path) -> Path:
    """Write ``results`` to ``path`` (``.npz`` is appended when missing)."""
    if path.suffix != ".npz":
        path = path.with_suffix(path.suffix + ".npz")
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "classes": results.classes,
        "colors": results.colors,
        "ignore_index": results.ignore_index,
        "partial": results.partial,
        "has_images": results.images is not None,
    }
    sparse = results.image_confusions
    arrays = {
        "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        "losses": results.losses,
        "nonfinite_pixels": results.nonfinite_pixels,
        "cm_ptr": sparse.ptr,
        "cm_cell": sparse.cell,
        "cm_count": sparse.count,
    }
    if results.images is not None:
        arrays.update(results.images.to_arrays())
    np.savez_compressed(path, **arrays)
    return path


def load(path: str | Path) -> Results:
    """Read ``Results`` written by ``Results.save``.

    Parameters
    ----------
    path
        The ``.npz`` file.

    Returns
    -------
    Results
        Equal to what was saved, images included when they were kept.
    """
    with np.load(Path(path), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    try:
        meta = json.loads(arrays["meta"].tobytes())
    except (KeyError, ValueError) as err:
        raise ValueError(f"{path} is not a segwidget results file (no readable metadata)") from err
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise ValueError(
            f"{path}: expected {FORMAT} version {VERSION}, "
            f"found {meta.get('format')} version {meta.get('version')}"
        )
    n_classes = len(meta["classes"])
    sparse = SparseConfusion(n_classes, arrays["cm_ptr"], arrays["cm_cell"], arrays["cm_count"])
    images = ImageStore.from_arrays(n_classes, arrays) if meta["has_images"] else None
    return Results(
        classes=list(meta["classes"]),
        losses=arrays["losses"],
        image_confusions=sparse,
        images=images,
        colors=list(meta["colors"]),
        ignore_index=meta["ignore_index"],
        partial=bool(meta["partial"]),
        nonfinite_pixels=arrays["nonfinite_pixels"],
    )
