"""The object records in a saved ``Results``: members ``objects_<kind>_<column>``, checked.

For each kind (``truth``, ``false``): ``_ptr`` (N + 1 CSR pointers by image) and one member
per record column (``results.objects_store.COLUMNS``; ``_bbox`` is ``(n, 4)``); and
``objects_min_recall`` (one float). Present all together or not at all (``objects=False``).
Every member is read against its expected shape and checked before the store is built.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..results.objects_store import COLUMNS, KINDS, MIN_RECALL, ObjectStore, ObjectTable
from .npz_reader import FileProblem, NpzReader, Spec, describe

_MAX = np.iinfo(np.int32).max  # pixels and coordinates are kept as int32


def member_names() -> list[str]:
    """Every member the object records take (without a prefix)."""
    names = [MIN_RECALL]
    for kind in KINDS:
        names += [f"objects_{kind}_ptr", *(f"objects_{kind}_{col}" for col in COLUMNS)]
    return names


def read_objects(reader: NpzReader, prefix: str, n: int, c: int) -> ObjectStore:
    """The object records of ``n`` images and ``c`` classes, every member checked.

    Raises
    ------
    FileProblem
        Naming the member and the image of the first record that cannot be.
    """
    raw = reader.read(prefix + MIN_RECALL, Spec("f", (1,)))
    min_recall = float(raw[0])
    if not 0 < min_recall <= 1:
        raise FileProblem(f"{describe(prefix + MIN_RECALL)} is {min_recall}, not in (0, 1]")
    tables = [_table(reader, f"{prefix}objects_{kind}_", n, c, kind) for kind in KINDS]
    return ObjectStore(tables[0], tables[1], min_recall)


def _table(reader: NpzReader, prefix: str, n: int, c: int, kind: str) -> ObjectTable:
    ptr = _ints(reader, prefix + "ptr", (n + 1,))
    if ptr[0] != 0 or (np.diff(ptr) < 0).any():
        raise FileProblem(f"{describe(prefix + 'ptr')} must start at 0 and never decrease")
    m = int(ptr[-1])
    raw = {col: _ints(reader, prefix + col, (m, 4) if col == "bbox" else (m,)) for col in COLUMNS}
    image = np.repeat(np.arange(n), np.diff(ptr))
    cls, pixels, hit = raw["cls"], raw["pixels"], raw["hit"]
    other, other_pixels, box = raw["other"], raw["other_pixels"], raw["bbox"]
    area = (box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1])
    hit_rule = 2 * hit < pixels if kind == "false" else np.ones(m, dtype=np.bool_)
    problems = [
        ("cls", (cls < 0) | (cls >= c), f"classes are 0..{c - 1}"),
        ("pixels", (pixels < 1) | (pixels > _MAX), f"1 ≤ pixels ≤ {_MAX}"),
        ("hit", (hit < 0) | (hit > pixels) | ~hit_rule,
         "0 ≤ hit ≤ pixels (and 2·hit < pixels for a false object)"),
        ("other", (other < -1) | (other >= c) | (other == cls),
         "another class or -1"),
        ("other_pixels", (other_pixels < 0) | (other_pixels > pixels - hit)
         | ((other_pixels == 0) != (other == -1)),
         "0 < other_pixels ≤ pixels − hit, 0 exactly when other is -1"),
        ("bbox", (box[:, 0] < 0) | (box[:, 1] < 0) | (box[:, 2] <= box[:, 0])
         | (box[:, 3] <= box[:, 1]) | (box > _MAX).any(axis=1) | (area < pixels),
         "x0, y0 ≥ 0, x1 > x0, y1 > y0 and the box holds the object's pixels"),
    ]  # fmt: skip
    for col, bad, rule in problems:
        where = np.flatnonzero(bad)
        if where.size:
            k = int(where[0])
            raise FileProblem(
                f"{describe(prefix + col)}: image {image[k]}'s object {k - ptr[image[k]]} "
                f"breaks the rule {rule}"
            )
    return ObjectTable(ptr, {col: raw[col].astype(dtype) for col, dtype in COLUMNS.items()})


def _ints(reader: NpzReader, name: str, shape: tuple[int, ...]) -> NDArray[np.int64]:
    values = reader.read(name, Spec("iu", shape))
    if values.dtype == np.uint64 and values.size and values.max() > np.iinfo(np.int64).max:
        raise FileProblem(f"{describe(name)} holds values beyond the int64 range")
    return values.astype(np.int64)
