"""Per-image metadata columns: user tables (a pandas DataFrame or a dict of columns) made plain.

A column is a 1-D numpy array with one entry per image: numbers (``float64``/``int64``),
booleans, or text (fixed-width unicode). Text and booleans are categories; numbers are
ranges. Nothing here imports pandas: a DataFrame is read through its ``columns`` and
``to_numpy``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

Columns = dict[str, NDArray[Any]]
# Names segwidget derives itself (``slices.columns``): image size, object size, tags.
DERIVED_PREFIXES = ("image:", "pixels:", "tag:")


def plain_column(name: str, values: Any, n_images: int | None = None) -> NDArray[Any]:
    """One column as numbers, booleans or text; ``n_images`` checks its length."""
    if name.startswith(DERIVED_PREFIXES):
        raise ValueError(
            f"metadata column {name!r}: names starting with {', '.join(DERIVED_PREFIXES)} "
            "are segwidget's own derived columns; rename it"
        )
    column = np.asarray(values)
    if column.ndim != 1:
        raise ValueError(f"metadata column {name!r} must be 1-D, got shape {column.shape}")
    if n_images is not None and column.size != n_images:
        raise ValueError(
            f"metadata column {name!r} has {column.size} entries but there are {n_images} images"
        )
    kind = column.dtype.kind
    if kind == "b":
        return column.astype(np.bool_)
    if kind in "iu":
        return column.astype(np.int64)
    if kind == "f":
        return column.astype(np.float64)
    if kind == "U":
        return column
    if kind in "OS" and all(isinstance(v, str | bytes) for v in column.tolist()):
        return np.array([v.decode() if isinstance(v, bytes) else v for v in column.tolist()],
                        dtype=str)  # fmt: skip
    raise TypeError(
        f"metadata column {name!r}: values must be numbers, booleans or strings, got {column.dtype}"
    )


def plain_columns(data: Any, n_images: int | None = None) -> Columns:
    """A DataFrame or a mapping of equal-length columns as plain ``Columns``."""
    if data is None:
        return {}
    if hasattr(data, "columns") and hasattr(data, "to_numpy"):  # a pandas DataFrame
        items = [(str(name), data[name].to_numpy()) for name in data.columns]
    elif isinstance(data, Mapping):
        items = [(str(name), values) for name, values in data.items()]
    else:
        raise TypeError(
            f"metadata must be a pandas DataFrame or a dict of columns, not {type(data).__name__}"
        )
    return {name: plain_column(name, values, n_images) for name, values in items}
