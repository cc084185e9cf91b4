"""Save and load ``Results`` as one ``.npz`` of plain arrays plus JSON metadata: no pickle.

Loading trusts nothing in the file: ``savefile_checks`` checks every member (the format is
described there and in ``savefile_meta``) before the ``Results`` is built.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..results.core import Results
from ..results.metadata import plain_column
from . import calibration as savefile_calibration
from . import fmap as savefile_fmap
from . import meta as savefile_meta
from .checks import OPTIONAL_ARRAYS, SPARSE_PARTS, read_results
from .meta import FORMAT, VERSION
from .npz_reader import FileProblem, read_npz

if TYPE_CHECKING:
    from ..results.comparison import Comparison


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
    text = json.dumps(meta)
    try:  # never write a file that load would refuse
        savefile_meta.check(json.loads(text), results.n_images)
    except FileProblem as err:
        raise ValueError(f"cannot save {path}: {err}") from None
    arrays: dict[str, Any] = {  # Any: numpy's stubs type savez's **kwds as its own options
        "meta": np.frombuffer(text.encode(), dtype=np.uint8),
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
        try:  # what load reads back: plain kinds, text within the reader's width
            arrays[f"metadata_{k}"] = plain_column(name, results.metadata[name], results.n_images)
        except (TypeError, ValueError) as err:
            raise ValueError(f"cannot save {path}: {err}") from None
    if results.images is not None:
        arrays.update(results.images.to_arrays())
    arrays.update(savefile_calibration.arrays(results))
    if results.object_records is not None:
        arrays.update(results.object_records.to_arrays())
    arrays.update(savefile_fmap.arrays(results))
    np.savez_compressed(path, allow_pickle=False, **arrays)
    return path


def load(path: str | Path) -> Results | Comparison:
    """Read ``Results`` written by ``Results.save`` (checking the whole file first), or a
    ``Comparison`` by ``Comparison.save`` (a directory of two such files).

    Parameters
    ----------
    path
        The ``.npz`` file (``.npz`` may be omitted, as ``save`` appends it), or the
        directory of a saved comparison.

    Returns
    -------
    Results or Comparison
        Equal to what was saved, images included when they were kept.

    Raises
    ------
    SaveFileError
        When the file is not a segwidget results file, is damaged, or is inconsistent
        (the message names the file and the problem). Nothing in it is unpickled, and no
        member is inflated beyond what its header and the image and class counts allow.
    FileNotFoundError
        When neither ``path`` nor ``path`` + ``.npz`` exists.
    """
    path = Path(path)
    if path.is_dir():
        from .comparison import load_comparison

        return load_comparison(path)
    if not path.exists() and npz_path(path).is_file():
        path = npz_path(path)
    if not path.exists():
        raise FileNotFoundError(f"no segwidget results file at {path} (nor {npz_path(path)})")
    return read_npz(path, read_results)
