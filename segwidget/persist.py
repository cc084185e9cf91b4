"""Save and load ``Results`` as one ``.npz`` of plain arrays plus JSON metadata: no pickle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .image_store import ImageStore
from .results import Results
from .sparse import SparseConfusion

if TYPE_CHECKING:
    from .comparison import Comparison

FORMAT = "segwidget-results"
VERSION = 2
READABLE_VERSIONS = (1, 2)
# optional per-image sparse counts, saved as <prefix>_ptr/_cell/_count
SPARSE_PARTS = {"cm": "image_confusions", "boundary": "boundary_confusions",
                "confident": "confident_confusions"}  # fmt: skip
OPTIONAL_ARRAYS = ("fingerprints", "image_sizes", "dataset_indices")


def npz_path(path: str | Path) -> Path:
    """``path`` with ``.npz`` appended when it has another suffix or none."""
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_suffix(path.suffix + ".npz")


def save_results(results: Results, path: Path) -> Path:
    """Write ``results`` to ``path`` (``.npz`` is appended when missing)."""
    path = npz_path(path)
    columns = list(results.metadata)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "classes": results.classes,
        "colors": results.colors,
        "ignore_index": results.ignore_index,
        "partial": results.partial,
        "has_images": results.images is not None,
        "boundary_width": results.boundary_width,
        "confidence": results.confidence,
        "metadata": columns,
        "tags": {name: [int(i) for i in members] for name, members in results.tags.items()},
    }
    arrays: dict[str, NDArray[Any]] = {
        "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        "losses": results.losses,
        "nonfinite_pixels": results.nonfinite_pixels,
    }
    for prefix, attribute in SPARSE_PARTS.items():
        sparse = getattr(results, attribute)
        if sparse is not None:
            arrays.update({f"{prefix}_ptr": sparse.ptr, f"{prefix}_cell": sparse.cell,
                           f"{prefix}_count": sparse.count})  # fmt: skip
    for name in OPTIONAL_ARRAYS:
        if getattr(results, name) is not None:
            arrays[name] = getattr(results, name)
    for k, name in enumerate(columns):
        arrays[f"metadata_{k}"] = _plain_column(name, results.metadata[name])
    if results.images is not None:
        arrays.update(results.images.to_arrays())
    np.savez_compressed(path, allow_pickle=False, **arrays)
    return path


def _plain_column(name: str, column: NDArray[Any]) -> NDArray[Any]:
    """A metadata column as numbers, booleans or fixed-width text (never objects)."""
    if column.dtype.kind in "biuf" or column.dtype.kind == "U":
        return column
    if column.dtype.kind == "O" and all(isinstance(v, str) for v in column):
        return column.astype(str)
    raise TypeError(f"metadata column {name!r}: cannot save dtype {column.dtype}")


def load(path: str | Path) -> Results | Comparison:
    """Read ``Results`` written by ``Results.save``, or a ``Comparison`` by ``Comparison.save``.

    Parameters
    ----------
    path
        The ``.npz`` file (``.npz`` may be omitted, as ``save`` appends it), or the
        directory of a saved comparison.

    Returns
    -------
    Results or Comparison
        Equal to what was saved, images included when they were kept.
    """
    path = Path(path)
    if path.is_dir():
        from .comparison_persist import load_comparison

        return load_comparison(path)
    if not path.exists() and npz_path(path).exists():
        path = npz_path(path)
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    try:
        meta = json.loads(arrays["meta"].tobytes())
    except (KeyError, ValueError) as err:
        raise ValueError(f"{path} is not a segwidget results file (no readable metadata)") from err
    if meta.get("format") != FORMAT or meta.get("version") not in READABLE_VERSIONS:
        raise ValueError(
            f"{path}: expected {FORMAT} version {VERSION}, "
            f"found {meta.get('format')} version {meta.get('version')}"
        )
    n_classes = len(meta["classes"])
    sparse = {
        attribute: SparseConfusion(
            n_classes, arrays[f"{prefix}_ptr"], arrays[f"{prefix}_cell"], arrays[f"{prefix}_count"]
        )
        for prefix, attribute in SPARSE_PARTS.items()
        if f"{prefix}_ptr" in arrays
    }
    images = ImageStore.from_arrays(n_classes, arrays) if meta["has_images"] else None
    columns = meta.get("metadata", [])
    return Results(
        classes=list(meta["classes"]),
        losses=arrays["losses"],
        images=images,
        colors=list(meta["colors"]),
        ignore_index=meta["ignore_index"],
        partial=bool(meta["partial"]),
        nonfinite_pixels=arrays["nonfinite_pixels"],
        boundary_width=meta.get("boundary_width"),
        confidence=meta.get("confidence"),
        metadata={name: arrays[f"metadata_{k}"] for k, name in enumerate(columns)},
        tags={name: list(members) for name, members in meta.get("tags", {}).items()},
        **sparse,  # type: ignore[arg-type]
        **{name: arrays[name] for name in OPTIONAL_ARRAYS if name in arrays},
    )
