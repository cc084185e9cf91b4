"""Slices: the images whose per-image columns meet some conditions, and their numbers.

A slice is a plain dict ``{column: condition}`` (the same in Python and in the synced
``slice`` traitlet): a text or boolean column takes one allowed value or a list of them,
a numeric column an inclusive ``[lo, hi]`` range where either side may be ``None``;
conditions combine with AND. ``validate_slice`` is the one gate for such dicts: whatever
it is given, it returns the conditions or raises ``SliceError``. A slice's numbers are
those of ``Results.subset`` of its images, so they are sums of the images' own counts.

Columns are the user's metadata plus, derived without input, ``image:height`` and
``image:width`` (when the pass recorded image sizes), ``pixels:<class>`` (valid truth
pixels of each class: object size) and ``tag:<name>`` (a boolean per tag).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from . import tables
from .metadata import Columns, plain_columns
from .tags import TagError, tag_name

if TYPE_CHECKING:
    from .core import Results

# Derived column names; metadata.DERIVED_PREFIXES keeps user columns out of these.
HEIGHT, WIDTH, PIXELS, TAG = "image:height", "image:width", "pixels:", "tag:"


class SliceError(ValueError):
    """A slice (or ``class_table(by=...)``) that does not fit the columns it names."""


class OneOf(NamedTuple):
    """Condition on a text or boolean column: the value is one of ``values``."""

    values: tuple[str | bool, ...]


class Between(NamedTuple):
    """Condition on a numeric column: ``lo <= value <= hi`` (``None``: unbounded; NaN never).

    Bounds keep their type: an integer column meets integer bounds exactly, beyond 2**53 too.
    """

    lo: float | int | None
    hi: float | int | None


Condition = OneOf | Between


def kind(column: NDArray[Any]) -> str:
    """``"category"`` for text and boolean columns, ``"number"`` for numeric ones."""
    return "category" if column.dtype.kind in "Ub" else "number"


def image_columns(results: Results) -> Columns:
    """Every column a slice may name, one entry per image (see the module docstring)."""
    out = plain_columns(results.metadata, results.n_images)  # refuses the derived prefixes
    derived: list[tuple[str, NDArray[Any]]] = []
    if results.image_sizes is not None:
        derived += [(HEIGHT, results.image_sizes[:, 0]), (WIDTH, results.image_sizes[:, 1])]
    totals = results.true_totals
    derived += [(PIXELS + name, totals[:, c]) for c, name in enumerate(results.classes)]
    for name, members in results.tags.items():
        member = np.zeros(results.n_images, dtype=np.bool_)
        member[np.asarray(members, dtype=np.int64)] = True
        derived.append((TAG + name, member))
    for name, column in derived:
        if name in out:
            raise ValueError(f"two columns would be named {name!r}: class names repeat")
        out[name] = column
    return out


def _describe(cols: Columns) -> str:
    names = list(cols)
    more = f" and {len(names) - 12} more" if len(names) > 12 else ""
    return ", ".join(repr(n) for n in names[:12]) + more


def _category(name: str, column: NDArray[Any], condition: Any) -> OneOf:
    values = (
        list(condition) if isinstance(condition, list | tuple | set | frozenset) else [condition]
    )
    want = bool if column.dtype.kind == "b" else str
    for value in values:
        ok = isinstance(value, bool | np.bool_) if want is bool else isinstance(value, str)
        if not ok:
            raise SliceError(
                f"column {name!r} is a {'boolean' if want is bool else 'text'} category: "
                f"give a {want.__name__} or a list of them, got {type(value).__name__}"
            )
    return OneOf(tuple(want(v) for v in values))


def _bound(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise SliceError(
            f"column {name!r} is numeric: range bounds are numbers or None, "
            f"got {type(value).__name__}"
        )
    try:
        bound = float(value)
    except (OverflowError, ValueError, TypeError) as err:  # e.g. an int beyond float range
        raise SliceError(f"column {name!r}: range bound out of range") from err
    if math.isnan(bound):
        raise SliceError(f"column {name!r}: a range bound must not be NaN")
    return int(value) if isinstance(value, int | np.integer) else bound


def _number(name: str, condition: Any) -> Between:
    if not isinstance(condition, list | tuple) or len(condition) != 2:
        raise SliceError(
            f"column {name!r} is numeric: give an inclusive range [lo, hi] (either may be "
            f"None; [2, 2] for exactly 2), got {type(condition).__name__}"
        )
    lo, hi = _bound(name, condition[0]), _bound(name, condition[1])
    if lo is not None and hi is not None and lo > hi:
        raise SliceError(f"column {name!r}: range [{lo:g}, {hi:g}] is empty (lo > hi)")
    return Between(lo, hi)


def validate_slice(spec: Any, cols: Columns) -> dict[str, Condition]:
    """Check a slice against ``cols`` and return its conditions.

    Parameters
    ----------
    spec
        ``{column: condition}``; may come from the browser, so it is trusted in nothing.
    cols
        The columns it may name (``image_columns(results)``).

    Raises
    ------
    SliceError
        The only error raised, whatever ``spec`` is; it names the column and its kind.
    """
    if not isinstance(spec, Mapping):
        raise SliceError(f"a slice is a dict of column -> condition, not {type(spec).__name__}")
    conditions: dict[str, Condition] = {}
    for name, condition in spec.items():
        column = cols.get(name) if isinstance(name, str) else None
        if column is None and _is_tag(name):  # a tag no image has yet: none has it
            column = np.zeros(next((c.size for c in cols.values()), 0), dtype=np.bool_)
        if column is None:
            raise SliceError(f"no column {name!r:.80} to slice by; columns are {_describe(cols)}")
        if kind(column) == "category":
            conditions[name] = _category(name, column, condition)
        else:
            conditions[name] = _number(name, condition)
    return conditions


def bounded(conditions: Mapping[str, Condition], cols: Columns) -> None:
    """Refuse a condition larger than what it can select (a browser's slice is kept and echoed
    back): more values than the column has distinct ones, or text longer than its longest.

    Raises
    ------
    SliceError
        Naming the column and the bound.
    """
    for name, condition in conditions.items():
        if not isinstance(condition, OneOf) or name not in cols:
            continue  # ranges are two numbers; a missing tag's column is all false
        column = cols[name]
        distinct = 2 if column.dtype.kind == "b" else np.unique(column).size
        if len(condition.values) > distinct:
            raise SliceError(
                f"column {name!r}: {len(condition.values)} values given, but it has only "
                f"{distinct} distinct values"
            )
        longest = int(np.char.str_len(column).max()) if column.dtype.kind == "U" else 0
        for value in condition.values:
            if isinstance(value, str) and len(value) > longest:
                raise SliceError(
                    f"column {name!r}: a value of {len(value)} characters ({value[:40]!r}...) "
                    f"is longer than any of its values (at most {longest}), so it selects nothing"
                )


def _is_tag(name: Any) -> bool:
    """``"tag:<name>"`` with a valid tag name (``tags.tag_name``)."""
    if not isinstance(name, str) or not name.startswith(TAG):
        return False
    try:
        tag_name(name[len(TAG) :])
    except TagError:
        return False
    return True


def _integer_bound(bound: float | int | None, up: bool) -> int | None:
    """A range bound as the integer an integer column must reach (``up``: a lower bound)."""
    if bound is None or isinstance(bound, int):
        return bound
    if math.isinf(bound):  # -inf below or inf above: open; the other way: past every value
        return None if (bound < 0) == up else (2**63 if up else -(2**63) - 1)
    return math.ceil(bound) if up else math.floor(bound)


def _integer_range(column: NDArray[Any], condition: Between) -> NDArray[np.bool_]:
    """``lo <= column <= hi`` on an integer column, compared as integers (never via float64)."""
    info = np.iinfo(np.int64)
    lo, hi = _integer_bound(condition.lo, True), _integer_bound(condition.hi, False)
    if (lo is not None and lo > info.max) or (hi is not None and hi < info.min):
        return np.zeros(column.size, dtype=np.bool_)
    keep = np.ones(column.size, dtype=np.bool_)
    if lo is not None:
        keep &= column >= np.int64(max(lo, int(info.min)))
    if hi is not None:
        keep &= column <= np.int64(min(hi, int(info.max)))
    return keep


def mask(cols: Columns, conditions: Mapping[str, Condition], n_images: int) -> NDArray[np.bool_]:
    """Per image, whether it meets every condition (all ``True`` for no condition)."""
    keep = np.ones(n_images, dtype=np.bool_)
    for name, condition in conditions.items():
        column = cols.get(name, np.zeros(n_images, dtype=np.bool_))  # a tag no image has
        if isinstance(condition, OneOf):
            # the values' own width: column.dtype (e.g. <U4) would truncate "bonnX" to "bonn"
            wanted = np.array(condition.values, dtype=bool if column.dtype.kind == "b" else str)
            keep &= np.isin(column, wanted)
        elif column.dtype.kind in "iu":
            keep &= _integer_range(column, condition)
        else:
            keep &= column == column  # NaN meets no range, not even [None, None]
            if condition.lo is not None:
                keep &= column >= condition.lo
            if condition.hi is not None:
                keep &= column <= condition.hi
    return keep


def slice_indices(results: Results, spec: Any) -> NDArray[np.int64]:
    """Positions of the images of ``results`` in the slice ``spec`` (validated), ascending."""
    cols = image_columns(results)
    return np.flatnonzero(mask(cols, validate_slice(spec, cols), results.n_images))


def where(
    results: Results, conditions: Mapping[str, Any] | None, more: Mapping[str, Any]
) -> Results:
    """See ``Results.where``: ``conditions`` (a dict) and keyword ``more`` together."""
    if conditions is not None and not isinstance(conditions, Mapping):
        raise SliceError(f"a slice is a dict of column -> condition, not {conditions!r:.80}")
    spec = dict(conditions or {})
    twice = sorted(set(spec) & set(more))
    if twice:
        raise SliceError(f"column(s) {twice} given both in the dict and as keywords")
    spec.update(more)
    return results.subset(slice_indices(results, spec))


def _bins(name: str, column: NDArray[Any], bins: Any) -> tuple[list[str], NDArray[np.int64]]:
    """Bin labels and, per image, its bin (-1: NaN or outside the edges).

    ``bins`` is a count of quantile bins (about equal numbers of images) or the edges;
    bins are ``[lo, hi)`` except the last, ``[lo, hi]``.
    """
    values = column.astype(np.float64)
    finite = values[np.isfinite(values)]
    if isinstance(bins, int | np.integer) and not isinstance(bins, bool):
        if bins < 1:
            raise SliceError(f"bins for {name!r} must be at least 1, got {bins}")
        if finite.size == 0:
            raise SliceError(f"column {name!r} has no finite value to bin")
        bins = min(int(bins), finite.size)  # more bins than values only repeats edges
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)))
        edges = edges if edges.size > 1 else np.repeat(edges, 2)  # one value: one bin
    else:
        try:
            edges = np.asarray(bins, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise SliceError(f"bins for {name!r}: a count or a list of edges") from err
        if edges.ndim != 1 or edges.size < 2 or not (np.diff(edges) > 0).all():
            raise SliceError(f"bin edges for {name!r} must be at least 2 increasing numbers")
    which = np.searchsorted(edges, values, side="right") - 1
    which[values == edges[-1]] = edges.size - 2  # the last bin is closed
    which[~(values >= edges[0]) | (values > edges[-1])] = -1  # NaN, below or above
    for digits in (4, 8, 17):  # short labels, unless close edges need more to differ
        labels = [f"[{lo:.{digits}g}, {hi:.{digits}g})" for lo, hi in itertools.pairwise(edges)]
        labels[-1] = labels[-1][:-1] + "]"
        if len(set(labels)) == len(labels):
            break
    return labels, which.astype(np.int64)


def groups(results: Results, by: str, bins: Any = None) -> list[tuple[Any, NDArray[np.int64]]]:
    """``(label, image positions)`` per slice of column ``by``: each value of a category
    (sorted), each bin of a numeric column (``bins`` required; see ``_bins``)."""
    cols = image_columns(results)
    if by not in cols:
        raise SliceError(f"no column {by!r} to group by; columns are {_describe(cols)}")
    column = cols[by]
    if kind(column) == "category":
        if bins is not None:
            raise SliceError(f"column {by!r} is a category: its values are the slices, no bins")
        return [(v.item(), np.flatnonzero(column == v)) for v in np.unique(column)]
    if bins is None:
        raise SliceError(
            f"column {by!r} is numeric: give bins= (a count of quantile bins, or the edges)"
        )
    labels, which = _bins(by, column, bins)
    return [(label, np.flatnonzero(which == b)) for b, label in enumerate(labels)]


def class_table_by(results: Results, by: str, bins: Any = None) -> Any:
    """See ``Results.class_table``: one class table per slice of ``by``, side by side.

    Returns
    -------
    pandas.DataFrame or dict
        Indexed by class, with columns ``(metric, slice)``: ``table["iou"]`` is a class ×
        slice table of IoU. ``.attrs`` holds, per slice, ``images``, ``mean_iou`` and
        ``pixel_accuracy``. Without pandas: ``{slice: Results.class_table() rows}``.
    """
    parts = [(label, results.subset(idx)) for label, idx in groups(results, by, bins)]
    by_slice = {label: tables.class_columns(part) for label, part in parts}
    try:
        import pandas as pd
    except ImportError:
        return {label: tables.as_table(results.classes, c) for label, c in by_slice.items()}
    classes = pd.Index(results.classes, name="class")
    frames = {  # metric -> class × slice
        metric: pd.DataFrame({label: c[metric] for label, c in by_slice.items()}, index=classes)
        for metric in tables.class_columns(results)
    }
    table = pd.concat(frames, axis=1, names=["metric", by])
    table.attrs.update(
        by=by,
        images={label: part.n_images for label, part in parts},
        mean_iou={label: part.mean_iou() for label, part in parts},
        pixel_accuracy={label: part.pixel_accuracy() for label, part in parts},
    )
    return table
