"""Shards of one pass: ``Results`` as plain arrays to send between ranks, and their merge.

A shard is the ``Results`` of the images one process analysed, each labelled with its
global dataset index (``dataset_indices``). ``merge`` puts shards back together in dataset
order, keeping one copy of an image analysed twice (``DistributedSampler`` pads the last
ranks with repeats). ``pack``/``unpack`` turn a shard into a JSON header and one byte
buffer of plain arrays, so shards travel between ranks without pickle.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..results.calibration_counts import CalibrationCounts
from ..results.core import Results
from ..results.image_store import ImageStore
from ..results.objects_store import ObjectStore
from ..results.sparse import SparseConfusion
from ..savefile import calibration as savefile_calibration

_SPARSE = ("image_confusions", "boundary_confusions", "confident_confusions")
_OPTIONAL = ("fingerprints", "image_sizes", "dataset_indices", "features")
_ARRAYS = ("losses", "nonfinite_pixels", *_OPTIONAL)
# the same for every shard of one pass (``partial`` is not: any partial shard makes the whole so)
_COMMON = ("classes", "colors", "ignore_index", "boundary_width", "confidence")
# every Results field is carried; tests hold this equal to the dataclass's fields
CARRIED = frozenset(
    (
        *_SPARSE,
        *_ARRAYS,
        *_COMMON,
        "partial",
        "images",
        "metadata",
        "tags",
        "calibration_counts",
        "object_records",
    )
)
_ALIGN = 8


def layout(results: Results) -> dict[str, Any]:
    """What must agree between shards of one pass: options, class names, parts present."""
    return {
        **{name: getattr(results, name) for name in _COMMON},
        "parts": [name for name in (*_SPARSE, *_OPTIONAL) if getattr(results, name) is not None],
        "images": results.images is not None,
        "metadata": {name: column.dtype.kind for name, column in results.metadata.items()},
        "calibration_bins": _calibration_bins(results),
        "objects": None if results.object_records is None else results.object_records.min_recall,
    }


def _calibration_bins(results: Results) -> int | None:
    counts = results.calibration_counts
    return None if counts is None else counts.n_bins


def disagreements(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Keys of two ``layout`` dicts (JSON round-tripped or not) whose values differ."""
    a, b = json.loads(json.dumps(a)), json.loads(json.dumps(b))
    return [key for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)]


def _arrays(results: Results) -> dict[str, NDArray[Any]]:
    arrays = {
        name: getattr(results, name) for name in _ARRAYS if getattr(results, name) is not None
    }
    for name in _SPARSE:
        part = getattr(results, name)
        if part is not None:
            arrays.update(
                {f"{name}.ptr": part.ptr, f"{name}.cell": part.cell, f"{name}.count": part.count}
            )
    for k, column in enumerate(results.metadata.values()):
        arrays[f"metadata.{k}"] = column
    if results.images is not None:
        arrays.update({f"images.{k}": v for k, v in results.images.to_arrays().items()})
    arrays.update(savefile_calibration.arrays(results))  # named calibration_*
    if results.object_records is not None:
        arrays.update(results.object_records.to_arrays())  # names start with "objects_"
    return arrays


def pack(results: Results) -> tuple[dict[str, Any], NDArray[np.uint8]]:
    """``results`` as a JSON-able header and one buffer holding every array's bytes."""
    specs: list[tuple[str, str, list[int], int]] = []
    offset = 0
    arrays = _arrays(results)
    for name, array in arrays.items():
        if array.dtype.hasobject:
            raise TypeError(f"cannot send {name}: it holds Python objects ({array.dtype})")
        specs.append((name, array.dtype.str, list(array.shape), offset))
        offset += -(-array.nbytes // _ALIGN) * _ALIGN
    body = np.zeros(offset, dtype=np.uint8)
    for (_, _, _, start), array in zip(specs, arrays.values(), strict=True):
        body[start : start + array.nbytes] = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    header = {
        "layout": layout(results),
        "partial": results.partial,
        "metadata_names": list(results.metadata),
        "tags": {name: [int(i) for i in members] for name, members in results.tags.items()},
        "arrays": specs,
    }
    return header, body


def unpack(header: dict[str, Any], body: NDArray[np.uint8]) -> Results:
    """The ``Results`` that ``pack`` made ``header`` and ``body`` from."""
    arrays: dict[str, Any] = {}
    for name, dtype, shape, start in header["arrays"]:
        count = int(np.prod(shape, dtype=np.int64))
        view = np.frombuffer(body, np.dtype(dtype), count, int(start)).reshape(shape)
        # copies (the image store makes its own bytes), so that ``body`` can be freed
        arrays[name] = view if name.startswith("images.") else view.copy()
    common = header["layout"]
    n_classes = len(common["classes"])
    sparse: dict[str, Any] = {
        name: SparseConfusion(n_classes, *(arrays[f"{name}.{k}"] for k in ("ptr", "cell", "count")))
        for name in _SPARSE
        if f"{name}.ptr" in arrays
    }
    images = None
    if common["images"]:
        stored = {k.removeprefix("images."): v for k, v in arrays.items() if k[:7] == "images."}
        images = ImageStore.from_arrays(n_classes, stored)
    calibration = None
    if common["calibration_bins"] is not None:
        calibration = CalibrationCounts(
            n_classes, common["calibration_bins"],
            *(arrays[f"calibration_{k}"] for k in ("ptr", "key", "count", "sum")),
        )  # fmt: skip
    return Results(
        **{name: common[name] for name in _COMMON},
        calibration_counts=calibration,
        **{name: arrays[name] for name in _ARRAYS if name in arrays},
        **sparse,
        images=images,
        partial=bool(header["partial"]),
        metadata={name: arrays[f"metadata.{k}"] for k, name in enumerate(header["metadata_names"])},
        tags={name: list(members) for name, members in header["tags"].items()},
        object_records=(None if common.get("objects") is None else ObjectStore.from_arrays(arrays)),
    )


def merge(shards: list[Results]) -> Results:
    """One ``Results`` from shards of one pass: images in dataset order, each once.

    Parameters
    ----------
    shards
        ``Results`` whose ``dataset_indices`` give each image's global dataset index.
        An index present in several shards is the same image analysed twice (padding):
        its first copy is kept.

    Returns
    -------
    Results
        Ordered by dataset index; ``dataset_indices`` is ``None`` when the indices are
        exactly ``0..N-1`` (as in a single-process pass), else the indices present.
        ``partial`` when any shard is.
    """
    if not shards:
        raise ValueError("merge needs at least one shard")
    expected = layout(shards[0])
    for k, shard in enumerate(shards):
        if shard.dataset_indices is None:
            raise ValueError(f"shard {k} does not say its images' dataset indices")
        differ = disagreements(expected, layout(shard))
        if differ:
            raise ValueError(f"shard {k} disagrees with shard 0 on {', '.join(differ)}")
    whole = _concat(shards)
    unique, first = np.unique(whole.dataset_index(), return_index=True)
    merged = whole.subset(first)
    if np.array_equal(unique, np.arange(unique.size)):
        merged = replace(merged, dataset_indices=None)
    return merged


def _concat(shards: list[Results]) -> Results:
    """The shards' images one after the other (their parts already agree)."""
    first = shards[0]
    starts = np.cumsum([0] + [s.n_images for s in shards[:-1]])

    def joined(name: str) -> Any:
        parts = [getattr(s, name) for s in shards]
        if parts[0] is None:
            return None
        return SparseConfusion.concat(parts) if name in _SPARSE else np.concatenate(parts)

    images = None
    if first.images is not None:
        stores = [s.images for s in shards if s.images is not None]
        # an optional part (confident masks) only when every shard kept it
        kept = [k for k in first.images.parts if all(k in store.parts for store in stores)]
        blobs = {k: [b for store in stores for b in store.parts[k]] for k in kept}
        images = ImageStore(first.images.n_classes, blobs)
    tags: dict[str, list[int]] = {}
    for shard, start in zip(shards, starts, strict=True):
        for name, members in shard.tags.items():
            tags.setdefault(name, []).extend(int(start) + int(i) for i in members)
    return replace(
        first,
        **{name: joined(name) for name in (*_ARRAYS, *_SPARSE)},
        images=images,
        partial=any(s.partial for s in shards),
        metadata={
            name: np.concatenate([s.metadata[name] for s in shards]) for name in first.metadata
        },
        tags=tags,
        calibration_counts=(
            None
            if first.calibration_counts is None
            else CalibrationCounts.concat([s.calibration_counts for s in shards])  # type: ignore[misc]
        ),
        object_records=(
            None
            if first.object_records is None
            else ObjectStore.concat([s.object_records for s in shards])  # type: ignore[misc]
        ),
    )
