"""Seeded fuzzing of ``segwidget.load``: random damage to a valid file's bytes, arrays, metadata
and stored images. Each file either loads into ``Results`` whose every question answers
without error, or is refused with one ``SaveFileError`` naming it: no other exception.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from savefiles import PARTS, Arrays, blobs, get_meta, set_blob, set_meta, valid_results, write

import segwidget
from segwidget import SaveFileError
from segwidget.view import protocol

VALUES = [0, 1, -1, 3, 255, 65535, 2**31, 2**62, -(2**62)]
JSON_VALUES: list[Any] = [None, True, False, 0, -1, 7, 2.5, float("nan"), "", "x", [], {},
                          [0], [0, 0], ["a"], {"a": [0]}, {"a": "b"}, list(range(50))]  # fmt: skip


def _damage_array(rng: np.random.Generator, arrays: Arrays) -> None:
    name = str(rng.choice(sorted(k for k in arrays if k != "meta")))
    array = np.array(arrays[name])
    how = rng.integers(6)
    if how == 0 and array.size:  # one element set to an extreme
        flat = array.reshape(-1).copy()
        value = VALUES[rng.integers(len(VALUES))]
        if flat.dtype.kind in "iu":
            value = np.clip(value, np.iinfo(flat.dtype).min, np.iinfo(flat.dtype).max)
        flat[rng.integers(flat.size)] = value if flat.dtype.kind != "U" else "x"
        array = flat.reshape(array.shape)
    elif how == 1:  # shorter or longer
        array = array[:-1] if rng.random() < 0.5 else np.concatenate([array, array[:1]])
    elif how == 2 and array.dtype.kind in "biuf":  # another dtype
        array = array.astype(rng.choice(["int32", "float32", "uint8", "bool", "uint64"]))
    elif how == 3:  # another shape
        array = array.reshape(-1, 1)
    elif how == 4:  # gone
        del arrays[name]
        return
    else:  # emptied
        array = array[:0]
    arrays[name] = array


def _damage_meta(rng: np.random.Generator, arrays: Arrays) -> None:
    meta = get_meta(arrays)
    key = str(rng.choice(sorted(meta)))
    if rng.random() < 0.2:
        del meta[key]
    else:
        meta[key] = JSON_VALUES[rng.integers(len(JSON_VALUES))]
    set_meta(arrays, meta)


def _damage_image(rng: np.random.Generator, arrays: Arrays) -> None:
    part = PARTS[rng.integers(len(PARTS))]
    i = int(rng.integers(len(blobs(arrays, part))))
    blob = bytearray(blobs(arrays, part)[i])
    for _ in range(rng.integers(1, 4)):
        at = int(rng.integers(len(blob)))
        blob[at] = int(rng.integers(256))
    if rng.random() < 0.3:  # truncated too
        blob = blob[: int(rng.integers(len(blob) // 2, len(blob)))]
    set_blob(arrays, part, i, bytes(blob))


def _use_everything(results: segwidget.Results) -> None:
    """What a user and the widget ask of loaded results: all must answer.

    Pictures (JPEG) are checked at load only for structure and size, not decoded (the
    browser decodes them), so ``show`` is not called here: masks and numbers are.
    """
    regions = [None, "boundary", "interior"] if results.boundary_confusions is not None else [None]
    for region in regions:
        results.confusion(region=region)
        results.confusion("true", region=region)
        results.rank(0, 1, region=region)
        results.rank(1, region=region)
    if results.confident_confusions is not None:
        results.confident_confusion()
        results.suspect_labels()
        results.rank(0, 1, by="confident")
    if results.boundary_confusions is not None:
        results.boundary_error_share()
    results.rank(loss_range=(0.0, 1.0))
    results.class_table()
    results.most_confused()
    results.mean_confusion()
    results.top_losses(3)
    repr(results)
    protocol.state_arrays(results)
    json.dumps(protocol.summary(results))
    json.dumps({"classes": results.classes, "colors": results.colors, "tags": results.tags})
    results.subset(np.arange(results.n_images)[::-1])
    if results.images is not None:
        for i in range(results.n_images):
            results.images.view(i)
            results.images.view(i, thumbnail=True)


@pytest.mark.parametrize("kind", ["array", "meta", "image", "bytes"])
def test_damaged_files_load_fully_or_are_refused(tmp_path: Path, kind: str) -> None:
    original = valid_results().save(tmp_path / "valid")
    with np.load(original, allow_pickle=False) as npz:
        valid = {name: npz[name] for name in npz.files}
    rng = np.random.default_rng(["array", "meta", "image", "bytes"].index(kind))
    outcomes = {"loaded": 0, "refused": 0}
    for case in range(60):
        path = tmp_path / f"{kind}-{case}.npz"
        if kind == "bytes":
            data = bytearray(original.read_bytes())
            for _ in range(rng.integers(1, 4)):
                data[int(rng.integers(len(data)))] = int(rng.integers(256))
            path.write_bytes(bytes(data))
        else:
            arrays = dict(valid)
            {"array": _damage_array, "meta": _damage_meta, "image": _damage_image}[kind](
                rng, arrays
            )
            write(path, arrays)
        try:
            results = segwidget.load(path)
        except SaveFileError as err:
            assert str(err).startswith(f"{path}: ")
            outcomes["refused"] += 1
            continue
        _use_everything(results)
        outcomes["loaded"] += 1
    assert outcomes["refused"] > 0 and outcomes["loaded"] > 0, outcomes  # both paths taken
