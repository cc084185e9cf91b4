"""``segwidget.load`` on whole files: valid ones of both versions, and files that are not ours,
damaged, hostile (pickles, declared sizes far beyond the data) or lying in their zip records.

Every refusal is one ``SaveFileError`` (a ``ValueError``) naming the file and the problem;
no pickle is ever executed and nothing declared is allocated before it is checked.
"""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from models import Passthrough, logit_batches
from savefiles import (
    C,
    N,
    forge_npz,
    forge_zip,
    members,
    npy_bytes,
    npy_header,
    pickled_array,
    refused,
    valid_results,
    version1_arrays,
    write,
)

import segwidget
from segwidget.results.image_store import ImageStore

COMPARED = {"classes", "colors", "ignore_index", "partial", "boundary_width", "confidence",
            "tags", "losses", "nonfinite_pixels", "image_confusions", "boundary_confusions",
            "confident_confusions", "fingerprints", "image_sizes", "dataset_indices", "metadata",
            "images", "calibration_counts", "object_records", "features"}  # fmt: skip


def test_every_field_of_results_is_saved_and_compared() -> None:
    """A field added to Results fails here until save, load and ``_same`` carry it."""
    assert {f.name for f in fields(segwidget.Results) if f.init} == COMPARED


def _same(a: segwidget.Results, b: segwidget.Results) -> None:
    """Field by field (``COMPARED``), against what was saved."""
    assert (a.classes, a.colors, a.ignore_index, a.partial) == (
        b.classes, b.colors, b.ignore_index, b.partial
    )  # fmt: skip
    assert (a.boundary_width, a.confidence, a.tags) == (b.boundary_width, b.confidence, b.tags)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.nonfinite_pixels, b.nonfinite_pixels)
    for name in ("image_confusions", "boundary_confusions", "confident_confusions"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None)
        if x is not None:
            for field in ("ptr", "cell", "count"):
                np.testing.assert_array_equal(getattr(x, field), getattr(y, field))
    for name in ("fingerprints", "image_sizes", "dataset_indices", "features"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None) and (x is None or np.array_equal(x, y))
    assert a.maps.keys() == b.maps.keys()  # the cached failure maps, bit for bit
    assert all(np.array_equal(a.maps[k].view(np.uint32), b.maps[k].view(np.uint32)) for k in a.maps)
    assert list(a.metadata) == list(b.metadata)
    for column in a.metadata:
        np.testing.assert_array_equal(a.metadata[column], b.metadata[column])
    assert (a.images is None) == (b.images is None)
    if a.images is not None:
        assert a.images.parts == b.images.parts
    x, y = a.calibration_counts, b.calibration_counts
    assert (x is None) == (y is None)
    if x is not None and y is not None:
        assert (x.n_classes, x.n_bins) == (y.n_classes, y.n_bins)
        for field in ("ptr", "key", "count", "conf_sum"):
            np.testing.assert_array_equal(getattr(x, field), getattr(y, field))
    assert (a.object_records is None) == (b.object_records is None)
    if a.object_records is not None and b.object_records is not None:
        assert a.object_records.min_recall == b.object_records.min_recall
        for kind in ("truth", "false"):
            x, y = getattr(a.object_records, kind), getattr(b.object_records, kind)
            np.testing.assert_array_equal(x.ptr, y.ptr)
            for column in x.columns:
                assert x[column].dtype == y[column].dtype
                np.testing.assert_array_equal(x[column], y[column])


# -- valid files ----------------------------------------------------------------------------
def test_a_version_2_file_with_every_part_loads_equal(tmp_path: Path) -> None:
    results = valid_results()
    _same(segwidget.load(results.save(tmp_path / "run.npz")), results)


def test_save_run_writes_run_npz_and_load_run_finds_it(tmp_path: Path) -> None:
    results = valid_results()
    assert results.save(tmp_path / "run") == tmp_path / "run.npz"
    (tmp_path / "run.d").mkdir()  # a directory beside it does not confuse the search
    _same(segwidget.load(tmp_path / "run"), results)
    _same(segwidget.load(str(tmp_path / "run")), results)


@pytest.mark.parametrize("with_images", [True, False], ids=["images", "no-images"])
def test_a_version_1_file_still_loads(tmp_path: Path, with_images: bool) -> None:
    results = valid_results()
    old = segwidget.Results(
        classes=results.classes,
        losses=results.losses,
        image_confusions=results.image_confusions,
        images=_without_confident_masks(results.images) if with_images else None,
        colors=results.colors,
        ignore_index=None,
        partial=True,
        nonfinite_pixels=np.arange(N),
    )
    _same(segwidget.load(write(tmp_path / "v1.npz", version1_arrays(old))), old)


def _without_confident_masks(store: ImageStore) -> ImageStore:
    """A store as version 1 kept it: pictures and masks, no confident-disagreement masks."""
    return ImageStore(store.n_classes, {k: v for k, v in store.parts.items() if k != "confident"})


@pytest.mark.parametrize("n_classes", [3, 300], ids=["uint8-masks", "uint16-masks"])
def test_a_real_pass_with_images_round_trips(tmp_path: Path, n_classes: int) -> None:
    """analyze's own store (void 255 or 65535 in the masks) passes every check."""
    batches = logit_batches(np.random.default_rng(3), [2, 3], n_classes, hw=(9, 11))
    # void is 255 in these masks: explicit, since with 300 classes 255 is also a class index
    results = segwidget.analyze(Passthrough(), batches, None, ignore_index=255, progress=False)
    assert (results.images.view(0).truth == (255 if n_classes < 255 else 65535)).any()
    _same(segwidget.load(results.save(tmp_path / "pass")), results)


def test_stored_then_big_endian_and_fortran_arrays_load_equal(tmp_path: Path) -> None:
    """np.savez (uncompressed), big-endian losses and a Fortran-ordered (N, 2) load as saved."""
    results = valid_results()
    arrays = members(results.save(tmp_path / "run"))
    arrays["losses"] = arrays["losses"].astype(">f8")
    arrays["image_sizes"] = np.asfortranarray(arrays["image_sizes"])
    np.savez(tmp_path / "plain.npz", **arrays)
    _same(segwidget.load(tmp_path / "plain.npz"), results)


def test_the_image_parts_here_are_the_stores() -> None:
    from segwidget.savefile.images import PARTS

    assert set(PARTS) == set(ImageStore(C).parts)


# -- not a segwidget file -------------------------------------------------------------------
def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no segwidget results file at .*gone.*gone\.npz"):
        segwidget.load(tmp_path / "gone")


def test_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.npz").write_bytes(b"")
    refused(tmp_path / "empty.npz", "the file is empty, not a segwidget results file")


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_are_not_a_segwidget_file(tmp_path: Path, seed: int) -> None:
    """numpy calls these "pickled data" and suggests unpickling; we never do."""
    data = np.random.default_rng(seed).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    (tmp_path / "noise.npz").write_bytes(data)
    refused(tmp_path / "noise.npz", "not a segwidget results file: it is not a zip archive")


@pytest.mark.parametrize("fraction", [0.01, 0.5, 0.9, 0.999])
def test_a_truncated_file(tmp_path: Path, fraction: float) -> None:
    data = valid_results().save(tmp_path / "run").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: int(len(data) * fraction)])
    refused(tmp_path / "cut.npz", "truncated or damaged")


def test_a_plain_npy_file(tmp_path: Path) -> None:
    np.save(tmp_path / "losses.npy", np.arange(5.0))
    refused(tmp_path / "losses.npy", r"single numpy array \(\.npy\), not a segwidget results file")


def test_a_plain_npy_holding_a_pickle_is_not_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    np.save(tmp_path / "evil.npy", pickled_array(marker), allow_pickle=True)
    refused(tmp_path / "evil.npy", "not a segwidget results file")
    assert not marker.exists()


def test_an_npz_without_metadata(tmp_path: Path) -> None:
    refused(write(tmp_path / "other.npz", {"data": np.arange(3)}), "no 'meta' member")


@pytest.mark.parametrize("member", ["meta", "losses", "cm_count", "metadata_0"])
def test_a_pickled_member_is_never_unpickled(tmp_path: Path, member: str) -> None:
    marker = tmp_path / "marker"
    arrays = members(valid_results().save(tmp_path / "run"))
    arrays[member] = pickled_array(marker)
    np.savez(tmp_path / "evil.npz", **arrays)  # numpy pickles object arrays into the member
    refused(tmp_path / "evil.npz", f"member '{member}' stores Python objects", "was not read")
    assert not marker.exists()


def test_damaged_compressed_bytes(tmp_path: Path) -> None:
    arrays = members(valid_results().save(tmp_path / "run"))
    path = forge_npz(tmp_path / "bad.npz", arrays)
    data = bytearray(path.read_bytes())
    start = data.index(b"losses.npy") + len("losses.npy") + 20  # inside its deflate stream
    data[start + 60 : start + 70] = bytes(10)
    path.write_bytes(bytes(data))
    refused(path, r"member 'losses' is damaged \((Bad CRC-32|Error -3 while decompressing)")


def test_two_members_with_the_same_name(tmp_path: Path) -> None:
    arrays = members(valid_results().save(tmp_path / "run"))
    entries = [(f"{k}.npy", npy_bytes(v)) for k, v in arrays.items()]
    entries.append(("losses.npy", npy_bytes(np.zeros(N))))
    refused(forge_zip(tmp_path / "dup.npz", entries), "two members named 'losses'")


def test_an_unknown_member_is_refused(tmp_path: Path) -> None:
    arrays = members(valid_results().save(tmp_path / "run"))
    arrays["extra"] = np.zeros(3)
    refused(write(tmp_path / "x.npz", arrays), r"unexpected member\(s\) 'extra'")


@pytest.mark.parametrize(
    ("method", "flags", "fragment"),
    [
        (zipfile.ZIP_BZIP2, 0, "compression method 12"),
        (zipfile.ZIP_STORED, 1, "is encrypted or patched"),
    ],
    ids=["bzip2", "encrypted"],
)
def test_zip_features_segwidget_never_writes(tmp_path: Path, method, flags, fragment) -> None:
    arrays = members(valid_results().save(tmp_path / "run"))
    refused(forge_npz(tmp_path / "z.npz", arrays, method=method, flags=flags), fragment)


def _padded_header(length: int) -> bytes:
    text = "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }".ljust(length) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode()


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"hello, not an array", "member 'losses' is not a readable array"),
        (_padded_header(20_000), r"not a readable array \(damaged or oversized .npy header\)"),
        (npy_header((-5,), "<f8"), "member 'losses' declares a negative shape"),
        (npy_bytes(np.zeros(5, dtype=[("a", "<f8")])), "has an unsupported dtype"),
        (npy_bytes(np.zeros(5, dtype="datetime64[s]")), "dtype datetime64.*expected floats"),
    ],
    ids=["not-npy", "header-too-large", "negative-shape", "structured", "datetime"],
)
def test_a_member_with_a_bad_npy_header(tmp_path: Path, raw: bytes, fragment: str) -> None:
    arrays = members(valid_results().save(tmp_path / "run"))
    message = refused(forge_npz(tmp_path / "bad.npz", arrays, raw={"losses": raw}), fragment)
    assert "allow_pickle" not in message  # numpy's advice for large headers is not passed on


# -- resources: declared sizes are checked before anything is inflated ----------------------
def _peak_bytes_while_refused(path: Path, *fragments: str) -> int:
    tracemalloc.start()
    try:
        refused(path, *fragments)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("member", "shape", "descr", "fragment"),
    [
        ("losses", (10**13,), "<f8", r"shape \(10000000000000,\); expected \(5,\)"),
        ("nonfinite_pixels", (10**13,), "<i8", r"shape \(10000000000000,\); expected \(5,\)"),
        ("cm_cell", (10**12,), "<i8", r"shape \(1000000000000,\); expected \(\d+,\)"),
        ("meta", (10**10,), "|u1", "declares 10000000000 elements, more than the 33554432"),
        (
            "images_thumb_truth_data",
            (10**11,),
            "|u1",
            r"inflates \d+ compressed bytes to 100000000128 ",
        ),
        ("metadata_0", (5,), "<U100000", "dtype <U100000, wider than 4096-byte items"),
    ],
    ids=["losses", "nonfinite_pixels", "cm_cell", "meta", "image-data", "text-column"],
)
def test_an_oversized_declared_member_is_refused_unread(
    tmp_path: Path, member: str, shape: tuple[int, ...], descr: str, fragment: str
) -> None:
    """The header declares terabytes (the zip agrees); nothing of it is allocated."""
    arrays = members(valid_results().save(tmp_path / "run"))
    header = npy_header(shape, descr)
    nbytes = int(np.prod(shape)) * np.dtype(descr).itemsize
    path = forge_npz(
        tmp_path / "big.npz", arrays, raw={member: header}, declared={member: len(header) + nbytes}
    )
    assert _peak_bytes_while_refused(path, fragment) < 8 << 20


def _declaring_images(tmp_path: Path, n: int, skip: str = "") -> Path:
    """A valid file whose losses, nonfinite_pixels and cm_ptr headers (and the zip) all
    declare ``n`` images, carrying no data (but ``skip``, left valid)."""
    arrays = members(valid_results().save(tmp_path / "run"))
    raw = {"losses": npy_header((n,), "<f8"), "nonfinite_pixels": npy_header((n,), "<i8"),
           "cm_ptr": npy_header((n + 1,), "<i8")}  # fmt: skip
    raw.pop(skip, None)
    declared = {name: len(header) + 8 * n for name, header in raw.items()}
    return forge_npz(tmp_path / "big.npz", arrays, raw=raw, declared=declared)


@pytest.mark.parametrize(
    ("skip", "fragment"),
    [
        ("", "member 'losses' declares 10000000000000 images; a file holds at most 100000000"),
        ("losses", "members 'nonfinite_pixels' and 'cm_ptr' declare 10000000000000 images"),
    ],
    ids=["all-three", "all-but-losses"],
)
def test_an_image_count_beyond_the_cap_is_refused_unread(
    tmp_path: Path, skip: str, fragment: str
) -> None:
    path = _declaring_images(tmp_path, 10**13, skip)
    assert _peak_bytes_while_refused(path, fragment) < 8 << 20


def test_a_zip_declaring_more_than_deflate_can_produce(tmp_path: Path) -> None:
    """Headers and zip agree on 10⁸ losses (800 MB), but the compressed data is a few bytes."""
    path = _declaring_images(tmp_path, 10**8)
    fragment = "member 'losses' declares 800000128 bytes uncompressed from .* compressed, more than"
    assert _peak_bytes_while_refused(path, fragment) < 8 << 20


def test_a_member_shorter_than_its_header_says(tmp_path: Path) -> None:
    arrays = members(valid_results().save(tmp_path / "run"))
    raw = npy_bytes(arrays["losses"])
    path = forge_npz(tmp_path / "short.npz", arrays, raw={"losses": raw[:-8]})
    refused(path, r"member 'losses' declares \(5,\) float64 \(40 bytes of data\) but the archive")
