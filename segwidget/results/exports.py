"""From finding to fixing: a table of images to hand on, and the matching dataset ``Subset``.

``export`` writes one row per image (dataset index, score, loss, metadata, image size,
tags) as CSV, or Parquet when pyarrow is installed; ``subset_dataset`` gives the user's
own dataset restricted to the same images, for relabelling or fine-tuning.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .metadata import Columns
from .ranking import Ranking
from .slices import PIXELS, image_columns
from .subset import image_indices

if TYPE_CHECKING:
    from torch.utils.data import Subset

    from .core import Results


def export_columns(
    results: Results, ranking: Ranking | None = None, pixels: bool = False
) -> Columns:
    """The columns ``export`` writes, one entry per row.

    Parameters
    ----------
    results
        The images and their columns (``image_columns``).
    ranking
        Rows are its images in its order, with its ``score``; ``None``: every image in
        order, without a score.
    pixels
        Also write ``pixels:<class>`` (valid truth pixels per class: object size).

    Returns
    -------
    dict
        ``index`` (dataset index), ``score``, ``loss``, the user's metadata, then
        ``image:height``/``image:width`` (when recorded), ``pixels:<class>`` (when asked)
        and a boolean ``tag:<name>`` per tag.
    """
    rows = np.arange(results.n_images) if ranking is None else np.asarray(ranking.indices)
    rows = image_indices(rows, results.n_images)
    cols = image_columns(results)  # refuses metadata named as export's own columns
    out: Columns = {"index": results.dataset_index()[rows]}
    if ranking is not None:
        out["score"] = np.asarray(ranking.scores, dtype=np.float64)
    out["loss"] = results.losses[rows]
    for name, column in cols.items():
        if name.startswith(PIXELS) and not pixels:
            continue
        out[name] = column[rows]
    return out


def export(
    results: Results,
    path: str | Path,
    ranking: Ranking | None = None,
    *,
    pixels: bool = False,
    escape_formulas: bool = True,
) -> Path:
    """Write ``export_columns(results, ranking, pixels)`` to ``path`` (``.csv`` or ``.parquet``).

    CSV text is UTF-8 with a header row; numbers are written exactly (shortest repr),
    NaN as ``nan``, booleans as ``True``/``False``. Parquet keeps the column types and
    every text exactly, and needs pyarrow.

    Parameters
    ----------
    escape_formulas
        CSV only: a text cell or column name starting with ``=``, ``+``, ``-``, ``@``, a
        tab or a carriage return gets a leading ``'``, so that a spreadsheet shows it as
        text instead of running it as a formula (OWASP's advice against CSV injection).
        ``False`` writes every text as it is.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"export writes .csv or .parquet, not {path.name!r}")
    table = export_columns(results, ranking, pixels)
    if suffix == ".parquet":
        _write_parquet(table, path)
    else:
        _write_csv(table, path, escape_formulas)
    return path


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets may run (OWASP)


def _text(text: str, escape: bool) -> str:
    return "'" + text if escape and text.startswith(FORMULA_STARTS) else text


def _cell(value: Any, escape: bool) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    return _text(value, escape) if isinstance(value, str) else str(value)


def _write_csv(table: Columns, path: Path, escape: bool) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([_text(name, escape) for name in table])
        rows = zip(*(column.tolist() for column in table.values()), strict=True)
        writer.writerows([_cell(v, escape) for v in row] for row in rows)


def _write_parquet(table: Columns, path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:
        raise ImportError(
            "writing Parquet needs pyarrow (pip install pyarrow); or export to a .csv path"
        ) from err
    pq.write_table(pa.table({name: pa.array(column) for name, column in table.items()}), path)


def subset_dataset(results: Results, dataset: Any, positions: Any) -> Subset[Any]:
    """The user's ``dataset`` restricted to images ``positions`` of ``results``.

    Parameters
    ----------
    results
        The analysed images; ``positions`` index them (a ranking's ``indices``, a tag's
        members, a boolean mask...), and ``Results.dataset_index`` maps them to the
        dataset, so a slice or subset of the results still finds the right items.
    dataset
        The dataset that was analysed (in the loader's order), e.g. ``dl.dataset``.
    positions
        Unique image positions in ``results``.

    Returns
    -------
    torch.utils.data.Subset
        Its items are ``dataset[results.dataset_index()[p]]`` for each ``p``, in order.
    """
    from torch.utils.data import Subset

    indices = results.dataset_index()[image_indices(positions, results.n_images)]
    try:
        size = len(dataset)
    except TypeError:  # no __len__: an index beyond the end will fail on access
        size = None
    if size is not None and indices.size and int(indices.max()) >= size:
        raise IndexError(
            f"the results refer to dataset index {int(indices.max())} but the dataset has "
            f"{size} items: is it the dataset that was analysed?"
        )
    return Subset(dataset, [int(i) for i in indices])
