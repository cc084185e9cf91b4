"""One saved ``Results`` read from an untrusted ``.npz``: every member checked before use.

The order matters: the metadata first (what the file says it holds), then each array's
header against limits derived from the image count N and the class count C, then its
contents (pointers, cell ids, counts, ranges), then the images. ``read_results`` is what
``segwidget.load`` runs; a file holding several results (a comparison) calls it once per
``prefix``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..results.core import Results
from ..results.image_store import ImageStore
from ..results.metadata import plain_column
from ..results.sparse import SparseConfusion
from . import calibration as savefile_calibration
from . import fmap as savefile_fmap
from . import images as savefile_images
from . import meta as savefile_meta
from . import objects as savefile_objects
from .meta import Meta
from .npz_reader import FileProblem, NpzReader, Spec, describe

# per-image sparse counts, saved as <prefix>_ptr/_cell/_count
SPARSE_PARTS = {"cm": "image_confusions", "boundary": "boundary_confusions",
                "confident": "confident_confusions"}  # fmt: skip
OPTIONAL_ARRAYS = ("fingerprints", "image_sizes", "dataset_indices")
# far beyond any evaluation set: per-image arrays alone then take gigabytes
MAX_IMAGES = 100_000_000
# the widget sends each image's cell counts as int32 (a 46,341² image of one class)
MAX_CELL_PIXELS = 2**31 - 1
# every pooled count stays exact in float64 (the pooling sums with bincount weights)
MAX_TOTAL_PIXELS = 2**52
_INT = "iu"
# Pictures are JPEG and PNG, deflated once already: savez's deflate gains little on them
# (1-4x on the demo, a 150-class synthetic set, 1024-side images). Only uniform pictures
# deflate well (a blank picture, identical constant masks: up to ~600x), and those are
# small encoded (a blank 1024x1024 JPEG: ~17 KB). So beyond PICTURE_RATIO times their
# compressed size, the picture members may inflate only by PICTURE_SLACK plus
# PICTURE_SLACK_PER_IMAGE per image, in all: a 1 MB file can no longer inflate to 1 GiB.
PICTURE_RATIO = 8
PICTURE_SLACK = 16 << 20
PICTURE_SLACK_PER_IMAGE = 32 << 10


def read_results(reader: NpzReader, prefix: str = "") -> Results:
    """The ``Results`` stored in ``reader``'s members named ``prefix + name``.

    Parameters
    ----------
    reader
        The open file (see ``npz_reader.read_npz``).
    prefix
        Only members starting with it belong to these results; with ``""`` every member
        of the file must belong to them.

    Raises
    ------
    FileProblem
        The first problem found, before any of the file is used.
    """
    if prefix + "meta" not in reader.names:
        raise FileProblem(f"not a segwidget results file: it has no {prefix + 'meta'!r} member")
    raw = reader.read(prefix + "meta", Spec("u", (None,), savefile_meta.MAX_META_BYTES, 1))
    loose = savefile_meta.parse(raw.tobytes())
    n = _image_count(reader, prefix)
    meta = savefile_meta.check(loose, n)
    c = meta.n_classes
    present = _check_members(reader, prefix, meta)
    losses = reader.read(prefix + "losses", Spec("f", (n,))).astype(np.float64)

    def ints(name: str, shape: tuple[int, ...], low: int = 0) -> NDArray[np.int64]:
        return _at_least(name, _int64(name, reader.read(name, Spec(_INT, shape))), low)

    nonfinite = ints(prefix + "nonfinite_pixels", (n,))
    sparse = {
        part: _sparse(reader, prefix + part, n, c) for part in SPARSE_PARTS if part in present
    }
    for part in ("boundary", "confident"):
        if part in sparse:
            _check_within(prefix + part, sparse[part], sparse["cm"], confident=part == "confident")
    fingerprints = sizes = indices = None
    if "fingerprints" in present:
        fingerprints = reader.read(prefix + "fingerprints", Spec("u", (n,), None, 8))
    if "image_sizes" in present:
        sizes = ints(prefix + "image_sizes", (n, 2), low=1)
    if "dataset_indices" in present:
        indices = ints(prefix + "dataset_indices", (n,))
    metadata = {
        column: _column(reader, f"{prefix}metadata_{k}", column, n)
        for k, column in enumerate(meta.columns)
    }
    images = _images(reader, prefix + "images_", n, c) if meta.has_images else None
    calibration = None
    if "calibration" in present:
        calibration = savefile_calibration.read(reader, prefix, n, sparse["cm"])
    records = None
    if "objects" in present:
        records = savefile_objects.read_objects(reader, prefix, n, c)
    features, maps = savefile_fmap.read(reader, prefix, n)
    results = Results(
        classes=meta.classes,
        losses=losses,
        images=images,
        colors=meta.colors,
        ignore_index=meta.ignore_index,
        partial=meta.partial,
        nonfinite_pixels=nonfinite,
        boundary_width=meta.boundary_width,
        confidence=meta.confidence,
        metadata=metadata,
        tags=meta.tags,
        image_confusions=sparse["cm"],
        boundary_confusions=sparse.get("boundary"),
        confident_confusions=sparse.get("confident"),
        fingerprints=fingerprints,
        image_sizes=sizes,
        dataset_indices=indices,
        calibration_counts=calibration,
        object_records=records,
        features=features,
    )
    results.maps.update(maps)
    return results


def _image_count(reader: NpzReader, prefix: str) -> int:
    """N, from the headers: every other member's size is checked against it.

    ``losses``, ``nonfinite_pixels`` and ``cm_ptr`` (N + 1 pointers) each declare N; when
    one disagrees with the other two, theirs is N, so the message names the odd one out.
    """
    name = prefix + "losses"
    shape = reader.header(name).shape
    if len(shape) != 1:
        raise FileProblem(f"{describe(name)} has shape {shape}; expected one loss per image")
    others = [
        reader.header(prefix + other).shape[0] - extra
        for other, extra in (("nonfinite_pixels", 0), ("cm_ptr", 1))
        if prefix + other in reader.names and len(reader.header(prefix + other).shape) == 1
    ]
    n = others[0] if len(others) == 2 and others[0] == others[1] >= 0 else shape[0]
    if n > MAX_IMAGES:
        said = (
            f"{describe(name)} declares"
            if n == shape[0]
            else f"members {prefix + 'nonfinite_pixels'!r} and {prefix + 'cm_ptr'!r} declare"
        )
        raise FileProblem(f"{said} {n} images; a file holds at most {MAX_IMAGES}")
    return n


def _check_members(reader: NpzReader, prefix: str, meta: Meta) -> set[str]:
    """Every member these results need is there, and none they cannot explain.

    Returns the optional parts present: sparse prefixes and ``OPTIONAL_ARRAYS`` names.
    """
    ours = {name[len(prefix) :] for name in reader.names if name.startswith(prefix)}
    required = ["meta", "losses", "nonfinite_pixels", "cm_ptr", "cm_cell", "cm_count"]
    required += [f"metadata_{k}" for k in range(len(meta.columns))]
    if meta.has_images:
        required += savefile_images.member_names()
    present = {"cm"}
    if meta.version >= 2:
        for part in ("boundary", "confident"):
            triple = [f"{part}_ptr", f"{part}_cell", f"{part}_count"]
            if ours & set(triple):  # one of them there: all three must be
                required += triple
                present.add(part)
        present |= ours & set(OPTIONAL_ARRAYS)
        calibration = savefile_calibration.required(ours)
        required += calibration
        present |= {"calibration"} if calibration else set()
        objects = savefile_objects.member_names()
        if ours & set(objects):  # one of them there: all must be
            required += objects
            present.add("objects")
        present |= ours & set(savefile_fmap.MEMBERS)
        confident = savefile_images.member_names(optional=True)
        if meta.has_images and ours & set(confident):  # one of them there: both must be
            required += confident
    missing = [name for name in required if name not in ours]
    if missing:
        raise FileProblem(f"{describe(prefix + missing[0])} is missing")
    unknown = sorted(ours - set(required) - present)
    if unknown:
        listed = ", ".join(repr(prefix + name) for name in unknown[:5])
        kind = f"version {meta.version} file" + ("" if meta.has_images else " without images")
        raise FileProblem(
            f"unexpected member(s) {listed}: not part of a {kind}; refusing to guess what they hold"
        )
    return present


def _sparse(reader: NpzReader, part: str, n: int, c: int) -> SparseConfusion:
    """One CSR triple: pointers from 0 to the data length, increasing cells below C², counts ≥ 1."""
    ptr = _pointers(reader, part + "_ptr", n)
    if ptr.size > 1 and np.diff(ptr).max() > c * c:
        i = int(np.argmax(np.diff(ptr)))
        raise FileProblem(
            f"{describe(part + '_ptr')} gives image {i} {ptr[i + 1] - ptr[i]} cells; "
            f"{c} classes have {c * c}"
        )
    entries = int(ptr[-1])
    cell = _int64(part + "_cell", reader.read(part + "_cell", Spec(_INT, (entries,))))
    count = _int64(part + "_count", reader.read(part + "_count", Spec(_INT, (entries,))))
    image = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
    outside = np.flatnonzero((cell < 0) | (cell >= c * c))
    if outside.size:
        k = outside[0]
        raise FileProblem(
            f"{describe(part + '_cell')}: image {image[k]} has cell id {cell[k]}, outside "
            f"0..{c * c - 1} for {c} classes"
        )
    unordered = np.flatnonzero((image[1:] == image[:-1]) & (cell[1:] <= cell[:-1]))
    if unordered.size:
        k = unordered[0] + 1
        raise FileProblem(
            f"{describe(part + '_cell')}: image {image[k]}'s cell ids are not strictly "
            f"increasing ({cell[k - 1]} then {cell[k]})"
        )
    _at_least(part + "_count", count, 1)
    if count.size and count.max() > MAX_CELL_PIXELS:
        k = int(np.argmax(count))
        raise FileProblem(
            f"{describe(part + '_count')}: image {image[k]} has {count[k]} pixels in one cell; "
            f"at most {MAX_CELL_PIXELS} fit the widget's 32-bit counts"
        )
    if count.sum(dtype=np.float64) > MAX_TOTAL_PIXELS:
        raise FileProblem(
            f"{describe(part + '_count')} counts more than {MAX_TOTAL_PIXELS} pixels in all"
        )
    return SparseConfusion(c, ptr, cell, count)


def _check_within(
    part: str, counts: SparseConfusion, whole: SparseConfusion, confident: bool
) -> None:
    """``counts`` counts some of ``whole``'s pixels: never more, cell by cell, image by image."""
    c = whole.n_classes
    keys = whole.entry_image * (c * c) + whole.cell  # increasing: images, then cells
    part_keys = counts.entry_image * (c * c) + counts.cell
    at = np.searchsorted(keys, part_keys)
    found = at < keys.size
    found[found] = keys[at[found]] == part_keys[found]
    whole_count = np.zeros(part_keys.size, dtype=np.int64)
    whole_count[found] = whole.count[at[found]]
    diagonal = (counts.cell // c == counts.cell % c) & confident
    bad = np.flatnonzero((counts.count > whole_count) | diagonal)
    if bad.size:
        k = bad[0]
        t, p = divmod(int(counts.cell[k]), c)
        what = (
            "on the diagonal: confident counts are disagreements (true ≠ pred)"
            if diagonal[k]
            else f"more than the {whole_count[k]} the image has there in all (cm_count)"
        )
        raise FileProblem(
            f"{describe(part + '_count')}: image {counts.entry_image[k]} has {counts.count[k]} "
            f"pixels in cell (true {t}, pred {p}), {what}"
        )


def _images(reader: NpzReader, prefix: str, n: int, c: int) -> ImageStore:
    """The image store: each part's pointers, then its bytes, then every image checked."""
    optional = [p for p in savefile_images.OPTIONAL_PARTS if f"{prefix}{p}_data" in reader.names]
    parts = [*savefile_images.PARTS, *optional]
    _check_inflation(reader, [f"{prefix}{part}_data" for part in parts], n)
    arrays: dict[str, NDArray[Any]] = {}
    for part in parts:
        ptr = _pointers(reader, f"{prefix}{part}_ptr", n)
        limit = n * savefile_images.max_blob_bytes(part)
        spec = Spec("u", (int(ptr[-1]),), limit, 1)
        arrays[f"images_{part}_ptr"] = ptr
        arrays[f"images_{part}_data"] = reader.read(f"{prefix}{part}_data", spec)
    return savefile_images.build_store(c, arrays)


def _check_inflation(reader: NpzReader, names: list[str], n: int) -> None:
    """The picture members inflate no more than pictures can (from the zip's records, before
    any of them is inflated): see ``PICTURE_RATIO``."""
    sizes = {name: reader.stored_sizes(name) for name in names}
    excess = {name: max(0, full - PICTURE_RATIO * packed) for name, (packed, full) in sizes.items()}
    budget = PICTURE_SLACK + n * PICTURE_SLACK_PER_IMAGE
    if sum(excess.values()) > budget:
        name = max(excess, key=lambda k: excess[k])
        packed, full = sizes[name]
        raise FileProblem(
            f"{describe(name)} inflates {packed} compressed bytes to {full} "
            f"({full / max(packed, 1):.0f}×); pictures are JPEG and PNG, compressed already, "
            f"so a segwidget file's picture members inflate at most {PICTURE_RATIO}× plus "
            f"{budget} bytes in all ({PICTURE_SLACK >> 20} MiB + "
            f"{PICTURE_SLACK_PER_IMAGE >> 10} KiB per image)"
        )


def _column(reader: NpzReader, name: str, column: str, n: int) -> NDArray[Any]:
    """A metadata column: numbers, booleans or text, one per image (``metadata.plain_column``)."""
    values = reader.read(name, Spec("biufU", (n,)))
    where = f"{describe(name)} (metadata column {column!r})"
    if values.dtype.kind == "b" and (values.view(np.uint8) > 1).any():
        raise FileProblem(f"{where} holds booleans that are neither true nor false")
    if values.dtype.kind == "U":
        points = values.view(np.uint32)
        if ((points > 0x10FFFF) | ((points >= 0xD800) & (points <= 0xDFFF))).any():
            raise FileProblem(f"{where} holds text that is not valid Unicode")
    try:
        return plain_column(column, values, n)
    except (ValueError, TypeError) as err:
        raise FileProblem(f"{describe(name)}: {err}") from None


def _pointers(reader: NpzReader, name: str, n: int) -> NDArray[np.int64]:
    """CSR pointers of ``n`` images: from 0, never decreasing (the data's declared length must
    then equal the last)."""
    ptr = _int64(name, reader.read(name, Spec(_INT, (n + 1,))))
    if ptr[0] != 0:
        raise FileProblem(f"{describe(name)} starts at {ptr[0]}, not 0")
    down = np.flatnonzero(np.diff(ptr) < 0)
    if down.size:
        i = down[0]
        raise FileProblem(f"{describe(name)} decreases at image {i} ({ptr[i]} then {ptr[i + 1]})")
    return ptr


def _int64(name: str, values: NDArray[Any]) -> NDArray[np.int64]:
    if values.dtype == np.uint64 and values.size and values.max() > np.iinfo(np.int64).max:
        raise FileProblem(f"{describe(name)} holds values beyond the int64 range")
    return values.astype(np.int64)


def _at_least(name: str, values: NDArray[np.int64], low: int) -> NDArray[np.int64]:
    below = np.flatnonzero(values < low)
    if below.size:
        at = tuple(int(i) for i in np.unravel_index(below[0], values.shape))
        raise FileProblem(
            f"{describe(name)} holds {values[at]} at {at if len(at) > 1 else at[0]}; "
            f"values are ≥ {low}"
        )
    return values
