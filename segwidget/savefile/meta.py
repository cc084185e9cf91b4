"""The JSON metadata of a saved ``Results`` (member ``meta``): parsed and checked key by key.

Version 1 holds the classes, colours, ``ignore_index``, ``partial`` and ``has_images``;
version 2 adds ``boundary_width``, ``confidence``, the metadata column names and the tags.
Every key of a version is required and no other key is accepted, so a file that does not
say exactly what it holds is refused rather than half-read.
"""

from __future__ import annotations

import json
import math
import re
import reprlib
from dataclasses import dataclass, field, replace
from typing import Any

from ..results.tags import TagError, parse_tags
from .npz_reader import FileProblem

FORMAT = "segwidget-results"
VERSION = 2
READABLE_VERSIONS = (1, 2)
# Results keeps dense C × C matrices (pooled counts, the cell index's C² + 1 pointers):
# 128 MiB each at 4,096 classes, but 32 GiB each at the 65,535 that uint16 masks could
# name, so a tiny file declaring that many would exhaust memory on its first use. 4,096
# covers every public label set (ADE20K-full has 3,688 classes).
MAX_CLASSES = 4096
MAX_META_BYTES = 32 << 20  # names and tags: a tag of a million images is ~8 MB of JSON
KEYS = {
    1: ("format", "version", "classes", "colors", "ignore_index", "partial", "has_images"),
    2: ("format", "version", "classes", "colors", "ignore_index", "partial", "has_images",
        "boundary_width", "confidence", "metadata", "tags"),
}  # fmt: skip
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_INT64 = (-(2**63), 2**63 - 1)
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 60
_SHORT_REPR.maxlevel = 2


@dataclass(frozen=True)
class Meta:
    """Checked metadata of one saved ``Results``."""

    version: int
    classes: list[str]
    colors: list[str]
    ignore_index: int | None
    partial: bool
    has_images: bool
    boundary_width: int | None = None
    confidence: float | None = None
    columns: list[str] = field(default_factory=list)
    tags: dict[str, list[int]] = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def parse(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw``; its format and version checked, nothing else yet."""
    try:
        meta = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_repeated_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise FileProblem(
            f"not a segwidget results file: its metadata (member 'meta') is not valid JSON "
            f"({str(err)[:120]})"
        ) from None
    if not isinstance(meta, dict):
        raise FileProblem(
            f"not a segwidget results file: its metadata is a JSON {type(meta).__name__}, "
            "not an object"
        )
    if meta.get("format") != FORMAT:
        raise FileProblem(
            f"not a segwidget results file: its format is {_show(meta.get('format'))}, "
            f"not {FORMAT!r}"
        )
    version = meta.get("version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        raise FileProblem(
            f"expected {FORMAT} version {VERSION}, found {FORMAT} version {_show(version)} "
            f"(this segwidget reads versions {', '.join(map(str, READABLE_VERSIONS))}; "
            "a newer file needs a newer segwidget)"
        )
    return meta


def check(meta: dict[str, Any], n_images: int) -> Meta:
    """Every key of ``meta`` (from ``parse``) checked for a file of ``n_images`` images."""
    version = meta["version"]
    keys = KEYS[version]
    missing = [k for k in keys if k not in meta]
    if missing:
        raise FileProblem(
            f"its metadata lacks {_names(missing)} (a version {version} file has {_names(keys)})"
        )
    unknown = [k for k in meta if k not in keys]
    if unknown:
        raise FileProblem(
            f"its metadata has unknown {_names(unknown)} (a version {version} file has only "
            f"{_names(keys)})"
        )
    classes = _unique_strings(meta, "classes")
    if not 1 <= len(classes) <= MAX_CLASSES:
        raise FileProblem(
            f"meta['classes'] names {len(classes)} classes; a file holds 1 to {MAX_CLASSES}"
        )
    colors = meta["colors"]
    if isinstance(colors, list) and len(colors) != len(classes):  # either may be the wrong one
        raise FileProblem(
            f"meta['classes'] names {len(classes)} classes but meta['colors'] holds "
            f"{len(colors)} colours; a file has one colour per class"
        )
    if not isinstance(colors, list):
        raise FileProblem(
            f"meta['colors'] must be a list of {len(classes)} '#rrggbb' colours (one per class), "
            f"got {_show(colors)}"
        )
    bad = [c for c in colors if not (isinstance(c, str) and _COLOR.fullmatch(c))]
    if bad:
        raise FileProblem(f"meta['colors'] must be '#rrggbb' strings, not {_show(bad[0])}")
    for key in ("partial", "has_images"):
        if type(meta[key]) is not bool:
            raise FileProblem(f"meta[{key!r}] must be true or false, not {_show(meta[key])}")
    out = Meta(
        version=version,
        classes=classes,
        colors=colors,
        ignore_index=_int_or_none(meta, "ignore_index", *_INT64),
        partial=meta["partial"],
        has_images=meta["has_images"],
    )
    if version == 1:
        return out
    return replace(
        out,
        boundary_width=_int_or_none(meta, "boundary_width", 0, 2**31 - 1),
        confidence=_confidence(meta["confidence"]),
        columns=_unique_strings(meta, "metadata"),
        tags=_tags(meta["tags"], n_images),
    )


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        twice = _first_repeat([k for k, _ in pairs])
        raise ValueError(f"the key {twice!r} appears twice in one object")
    return out


def _first_repeat(items: list[Any]) -> Any:
    seen = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    return None


def _unique_strings(meta: dict[str, Any], key: str) -> list[str]:
    value = meta[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FileProblem(f"meta[{key!r}] must be a list of strings, got {_show(value)}")
    _check_text(f"meta[{key!r}]", value)
    if len(set(value)) != len(value):
        twice = _first_repeat(value)
        raise FileProblem(f"meta[{key!r}] names {_show(twice)} twice; names must be unique")
    return list(value)


def _check_text(where: str, texts: list[str]) -> None:
    """Text must be valid Unicode (JSON allows lone surrogates, which no browser can show)."""
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise FileProblem(f"{where} holds text that is not valid Unicode") from None


def _int_or_none(meta: dict[str, Any], key: str, lo: int, hi: int) -> int | None:
    value = meta[key]
    if value is None:
        return None
    if type(value) is not int or not lo <= value <= hi:
        raise FileProblem(
            f"meta[{key!r}] must be null or an integer in [{lo}, {hi}], not {_show(value)}"
        )
    return value


def _confidence(value: Any) -> float | None:
    if value is None:
        return None
    if type(value) not in (int, float) or not (math.isfinite(value) and 0 < value <= 1):
        raise FileProblem(
            f"meta['confidence'] must be null or a number in (0, 1], not {_show(value)}"
        )
    return float(value)


def _tags(tags: Any, n_images: int) -> dict[str, list[int]]:
    """Tags by the rules of ``tags.parse_tags`` (repeated members merged), names valid text."""
    try:
        parsed = parse_tags(tags, n_images)
    except TagError as err:
        raise FileProblem(f"meta['tags']: {err}") from None
    _check_text("meta['tags']", list(parsed))
    return parsed


def _names(keys: list[str] | tuple[str, ...]) -> str:
    return ("key " if len(keys) == 1 else "keys ") + ", ".join(repr(k) for k in keys)


def _show(value: Any) -> str:
    """A bounded rendering of a value from the file (it may be huge or deeply nested)."""
    if value is None:
        return "null"
    return f"{_SHORT_REPR.repr(value)} ({type(value).__name__})"
