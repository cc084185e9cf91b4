"""Building valid, corrupted and hostile save files for the ``segwidget.load`` tests.

Valid files come from ``Results.save`` (version 2) or are written here by hand from the
format's description (version 1). Corrupted ones are valid files with one member changed,
re-zipped by numpy or, where the zip itself must lie (declared sizes, duplicate names,
methods), by ``forge_zip``: a minimal zip writer whose every field is ours to set.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import calibrations
import numpy as np
import pytest
from numpy.lib import format as npy_format
from PIL import Image

import segwidget
from segwidget import SaveFileError
from segwidget.analysis.objects import image_objects
from segwidget.results.image_store import ImageStore
from segwidget.results.imaging import palette
from segwidget.results.objects_store import ObjectStore
from segwidget.results.sparse import SparseConfusion

Arrays = dict[str, Any]
N, C = 5, 4  # images and classes of the valid file
PARTS = ("image", "truth", "prediction", "thumb_image", "thumb_truth", "thumb_prediction")


def valid_results(seed: int = 0, n: int = N, c: int = C) -> segwidget.Results:
    """Results with every optional part: images with confident masks, boundary/confident
    counts, columns, tags."""
    rng = np.random.default_rng(seed)
    dense = np.where(rng.random((n, c, c)) < 0.4, rng.integers(1, 50, (n, c, c)), 0)
    boundary = np.minimum(dense, rng.integers(0, 20, dense.shape))
    confident = np.minimum(dense, rng.integers(0, 10, dense.shape)) * (1 - np.eye(c, dtype=int))
    store, found = ImageStore(c), []
    for _ in range(n):
        truth = rng.integers(0, c, (6, 8))
        truth[0, 0] = 255  # a void pixel
        prediction = (truth + 1) % c
        sure = (rng.random(truth.shape) < 0.3) & (truth != 255)  # wrong everywhere here
        store.add(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8), truth, prediction, sure)
        found.append(image_objects(np.where(truth == 255, c, truth), prediction, c))
    return segwidget.Results(
        classes=[f"class {k}" for k in range(c)],
        losses=rng.random(n),
        image_confusions=SparseConfusion.from_dense(dense),
        images=store,
        colors=palette(c),
        boundary_confusions=SparseConfusion.from_dense(boundary),
        confident_confusions=SparseConfusion.from_dense(confident),
        boundary_width=3,
        confidence=0.9,
        fingerprints=rng.integers(0, 2**63, n, dtype=np.uint64),
        image_sizes=np.tile([6, 8], (n, 1)).astype(np.int64),
        dataset_indices=np.arange(10, 10 + n, dtype=np.int64),
        metadata={
            "city": np.array((["bonn", "ulm", "köln", "bonn", "ulm"] * n)[:n]),
            "height": rng.random(n),
            "frame": np.arange(n, dtype=np.int64),
            "night": np.arange(n) % 2 == 0,
        },
        tags={"relabel": [i for i in (1, 3) if i < n], "empty": []},
        calibration_counts=calibrations.counts_for(dense, 4, rng),
        object_records=ObjectStore.from_images(found, 0.5),
    )


def version1_arrays(results: segwidget.Results) -> Arrays:
    """What format version 1 stored, written from its description (not by ``save``)."""
    meta = {
        "format": "segwidget-results",
        "version": 1,
        "classes": results.classes,
        "colors": results.colors,
        "ignore_index": results.ignore_index,
        "partial": results.partial,
        "has_images": results.images is not None,
    }
    sparse = results.image_confusions
    arrays: Arrays = {
        "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        "losses": results.losses,
        "nonfinite_pixels": results.nonfinite_pixels,
        "cm_ptr": sparse.ptr,
        "cm_cell": sparse.cell,
        "cm_count": sparse.count,
    }
    if results.images is not None:
        for part in PARTS:
            blobs = results.images.parts[part]
            arrays[f"images_{part}_data"] = np.frombuffer(b"".join(blobs), dtype=np.uint8)
            arrays[f"images_{part}_ptr"] = np.cumsum([0] + [len(b) for b in blobs])
    return arrays


def members(path: Path) -> Arrays:
    """The members of one of our own test files (trusted: written by the test)."""
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def write(path: Path, arrays: Arrays) -> Path:
    np.savez_compressed(path, **arrays)
    return path


def valid_arrays(tmp_path: Path) -> Arrays:
    return members(valid_results().save(tmp_path / "valid"))


def get_meta(arrays: Arrays) -> dict[str, Any]:
    return json.loads(np.asarray(arrays["meta"]).tobytes())


def set_meta(arrays: Arrays, meta: Any) -> None:
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


def blobs(arrays: Arrays, part: str) -> list[bytes]:
    data, ptr = arrays[f"images_{part}_data"].tobytes(), arrays[f"images_{part}_ptr"]
    return [data[ptr[i] : ptr[i + 1]] for i in range(ptr.size - 1)]


def set_blob(arrays: Arrays, part: str, i: int, blob: bytes) -> None:
    """Replace image ``i``'s encoded ``part``, keeping the pointers consistent."""
    items = blobs(arrays, part)
    items[i] = blob
    arrays[f"images_{part}_data"] = np.frombuffer(b"".join(items), dtype=np.uint8)
    arrays[f"images_{part}_ptr"] = np.cumsum([0] + [len(b) for b in items]).astype(np.int64)


def replacing(name: str, value: Callable[[Arrays], np.ndarray]) -> Callable[[Arrays], None]:
    """A change to a file's arrays: member ``name`` becomes ``value(arrays)``."""

    def change(arrays: Arrays) -> None:
        arrays[name] = value(arrays)

    return change


def editing(name: str, at: int | slice, value: int) -> Callable[[Arrays], None]:
    """A change to a file's arrays: ``value`` written at ``at`` in a copy of member ``name``."""

    def change(arrays: Arrays) -> None:
        arrays[name] = arrays[name].copy()
        arrays[name][at] = value

    return change


def refused(path: Path, *fragments: str) -> str:
    """Load ``path``, expect a ``SaveFileError`` naming it and saying each fragment (regex)."""
    with pytest.raises(SaveFileError) as info:
        segwidget.load(path)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert message.startswith(f"{path}: "), message
    assert info.value.path == path
    for fragment in fragments:
        assert re.search(fragment, message), f"{fragment!r} not in {message!r}"
    assert "pickle" not in info.value.problem.lower()  # never suggest unpickling
    return message


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    npy_format.write_array(buf, np.asarray(array), allow_pickle=True)
    return buf.getvalue()


def npy_header(shape: tuple[int, ...], descr: str) -> bytes:
    """Only the ``.npy`` magic and header of an array that is never allocated."""
    buf = io.BytesIO()
    npy_format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def forge_zip(
    path: Path, entries: list[tuple[str, bytes]], declared: dict[str, int] | None = None,
    method: int = zipfile.ZIP_DEFLATED, flags: int = 0,
) -> Path:  # fmt: skip
    """A zip of ``(name, content)`` entries (zip64 sizes) whose uncompressed size may lie.

    ``declared[name]`` replaces the recorded uncompressed size of that entry.
    """
    declared = declared or {}
    out, central = bytearray(), bytearray()
    for name, content in entries:
        if method == zipfile.ZIP_DEFLATED:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            stored = packer.compress(content) + packer.flush()
        else:
            stored = content
        crc, size = zlib.crc32(content), declared.get(name, len(content))
        raw_name = name.encode()
        local_extra = struct.pack("<HHQQ", 1, 16, size, len(stored))
        offset = len(out)
        sizes = (crc, 0xFFFFFFFF, 0xFFFFFFFF, len(raw_name))  # the real ones: in the extra
        out += struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 45, 0, flags, method, 0, 33,
                           *sizes, len(local_extra))  # fmt: skip
        out += raw_name + local_extra + stored
        extra = struct.pack("<HHQQQ", 1, 24, size, len(stored), offset)
        central += struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 45, 3, 45, 0, flags, method, 0,
                               33, *sizes, len(extra), 0, 0, 0, 0, 0xFFFFFFFF)  # fmt: skip
        central += raw_name + extra
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(central), len(out), 0)  # fmt: skip
    path.write_bytes(bytes(out + central + end))
    return path


def forge_npz(
    path: Path, arrays: Arrays, raw: dict[str, bytes] | None = None, **kwargs: Any
) -> Path:
    """``arrays`` as a forged zip, with ``raw[name]`` as the exact bytes of member ``name``."""
    raw = raw or {}
    entries = [(f"{k}.npy", raw[k] if k in raw else npy_bytes(v)) for k, v in arrays.items()]
    entries += [(f"{k}.npy", v) for k, v in raw.items() if k not in arrays]
    declared = {f"{k}.npy": v for k, v in kwargs.pop("declared", {}).items()}
    return forge_zip(path, entries, declared, **kwargs)


def png_declaring(width: int, height: int, mode: str = "L") -> bytes:
    """A PNG whose header says ``width × height`` but which carries one row of data."""
    colour, depth, channels = {"L": (0, 8, 1), "I;16": (0, 16, 2), "RGB": (2, 8, 3)}[mode]

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    row = b"\x00" + bytes(width * channels)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row))
            + chunk(b"IEND", b""))  # fmt: skip


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real 8×8 JPEG whose frame header is patched to say ``width × height``."""
    buf = io.BytesIO()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(buf, format="JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


class Payload:
    """Unpickling this creates ``marker``: proof that a file's pickle was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def pickled_array(marker: Path) -> np.ndarray:
    array = np.empty(1, dtype=object)
    array[0] = Payload(marker)
    return array
