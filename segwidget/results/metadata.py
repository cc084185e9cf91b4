"""Per-image metadata columns: user tables (a pandas DataFrame or a dict of columns) made plain.

A column is a 1-D numpy array with one entry per image: numbers (``float64``/``int64``),
booleans, or text (fixed-width unicode). Text and booleans are categories; numbers are
ranges. Nothing here imports pandas: a DataFrame is read through its ``columns``, ``index``
and ``to_numpy``.

What is refused, and why (docs/guide/hardening.md): names segwidget uses itself; a column
mixing kinds (text and numbers, booleans and numbers, missing values), whether a list or a
DataFrame's object column; text ending in NUL (numpy's fixed-width text would drop it, so
``"a\\x00"`` would equal ``"a"``); text longer than ``MAX_TEXT_CHARS`` (a saved file could not
hold it); unsigned integers beyond int64 (they would turn negative); a DataFrame index that
is not a permutation of 0..N-1; two keys that become the same column name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

Columns = dict[str, NDArray[Any]]
# Names segwidget derives itself (``slices.columns``): image size, object size, tags.
DERIVED_PREFIXES = ("image:", "pixels:", "tag:")
# Columns ``export`` writes itself beside the metadata.
OWN_COLUMNS = ("index", "score", "loss")
MAX_TEXT_CHARS = 1024  # the longest text value: a saved file's widest text member is <U1024
_INT64_MAX = int(np.iinfo(np.int64).max)


def _family(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "booleans"
    if isinstance(value, str | bytes):
        return "text"
    if isinstance(value, int | float | np.integer | np.floating):
        return "numbers"
    return "missing values (None)" if value is None else f"{type(value).__name__} values"


def _check_items(name: str, items: list[Any]) -> None:
    """One kind per column, and text that fixed-width numpy text keeps exactly."""
    if not items:
        return
    first = _family(items[0])
    for row, value in enumerate(items):
        family = _family(value)
        if family != first:
            raise TypeError(
                f"metadata column {name!r} mixes {first} (row 0: {items[0]!r:.40}) and "
                f"{family} (row {row}: {value!r:.40}); give one kind per column, e.g. "
                "text for every row"
            )
        if family == "text" and value.endswith("\x00" if isinstance(value, str) else b"\x00"):
            raise ValueError(
                f"metadata column {name!r} row {row}: the text {value!r:.60} ends in a NUL "
                "character, which numpy's fixed-width text drops (it would equal the text "
                "without it); remove or replace it"
            )


def _check_name(name: str) -> None:
    if name.startswith(DERIVED_PREFIXES):
        raise ValueError(
            f"metadata column {name!r}: names starting with {', '.join(DERIVED_PREFIXES)} "
            "are segwidget's own derived columns; rename it"
        )
    if name in OWN_COLUMNS:
        raise ValueError(
            f"metadata column {name!r}: {', '.join(OWN_COLUMNS)} are the columns segwidget's "
            "export writes itself; rename it"
        )


def plain_column(name: str, values: Any, n_images: int | None = None) -> NDArray[Any]:
    """One column as numbers, booleans or text; ``n_images`` checks its length."""
    _check_name(name)
    if isinstance(values, list | tuple):
        _check_items(name, list(values))
    column = np.asarray(values)
    if column.ndim != 1:
        raise ValueError(f"metadata column {name!r} must be 1-D, got shape {column.shape}")
    if n_images is not None and column.size != n_images:
        raise ValueError(
            f"metadata column {name!r} has {column.size} entries but there are {n_images} images"
        )
    kind = column.dtype.kind
    if kind in "OS":
        items = column.tolist()
        _check_items(name, items)
        if not all(isinstance(v, str | bytes) for v in items):
            raise TypeError(
                f"metadata column {name!r}: values must be numbers, booleans or strings, "
                f"got {column.dtype}"
            )
        column = np.array([v.decode() if isinstance(v, bytes) else v for v in items], dtype=str)
        kind = "U"
    if kind == "b":
        return column.astype(np.bool_)
    if kind == "u" and column.size and int(column.max()) > _INT64_MAX:
        row = int(np.argmax(column > _INT64_MAX))
        raise ValueError(
            f"metadata column {name!r} row {row}: {int(column[row])} is beyond the int64 range "
            f"(at most {_INT64_MAX}) that segwidget keeps integers in; give the column as "
            "text (e.g. column.astype(str)) to keep it exact"
        )
    if kind in "iu":
        return column.astype(np.int64)
    if kind == "f":
        return column.astype(np.float64)
    if kind == "U":
        return _narrow_text(name, column)
    raise TypeError(
        f"metadata column {name!r}: values must be numbers, booleans or strings, got {column.dtype}"
    )


def _narrow_text(name: str, column: NDArray[Any]) -> NDArray[Any]:
    """Text at the width of its longest value, which must fit a saved file."""
    lengths = np.char.str_len(column) if column.size else np.zeros(0, np.int64)
    longest = int(lengths.max()) if column.size else 0
    if longest > MAX_TEXT_CHARS:
        row = int(np.argmax(lengths))
        raise ValueError(
            f"metadata column {name!r} row {row}: text of {longest} characters; metadata text "
            f"is at most {MAX_TEXT_CHARS} characters (what a saved file holds): shorten it, "
            "or keep the long text outside segwidget and a key to it here"
        )
    return column.astype(f"<U{max(longest, 1)}")


def plain_columns(data: Any, n_images: int | None = None) -> Columns:
    """A DataFrame or a mapping of equal-length columns as plain ``Columns``.

    A DataFrame's rows are images by its index when that is a permutation of 0..N-1 (row
    labelled ``i`` is image ``i``); any other index is refused.
    """
    if data is None:
        return {}
    if hasattr(data, "columns") and hasattr(data, "to_numpy"):  # a pandas DataFrame
        order = _row_order(data)
        keys = list(data.columns)
        items = [(key, data[key].to_numpy()[order]) for key in _unique(keys)]
    elif isinstance(data, Mapping):
        keys = list(data)
        items = [(key, data[key]) for key in _unique(keys)]
    else:
        raise TypeError(
            f"metadata must be a pandas DataFrame or a dict of columns, not {type(data).__name__}"
        )
    return {str(key): plain_column(str(key), values, n_images) for key, values in items}


def _unique(keys: list[Any]) -> list[Any]:
    """``keys``, refused when two of them are the same column name once made text."""
    seen: dict[str, Any] = {}
    for key in keys:
        if str(key) in seen:
            raise ValueError(
                f"metadata keys {seen[str(key)]!r} and {key!r} are both column {str(key)!r}; "
                "give each column its own name"
            )
        seen[str(key)] = key
    return keys


def _row_order(frame: Any) -> NDArray[np.int64] | slice:
    """Positions of images 0..N-1 among the DataFrame's rows, read from its index."""
    labels = np.asarray(frame.index)
    n = labels.size
    if labels.dtype.kind in "iu" and np.array_equal(np.sort(labels), np.arange(n)):
        return slice(None) if np.array_equal(labels, np.arange(n)) else np.argsort(labels)
    shown = ", ".join(repr(v) for v in labels[:4].tolist()) + (" ..." if n > 4 else "")
    raise ValueError(
        f"the metadata DataFrame's index ({shown}) is not 0..{n - 1} in some order; its rows "
        "are images by index (row i: image i in the loader's order): "
        "use df.reset_index(drop=True) to take the rows in order"
    )
