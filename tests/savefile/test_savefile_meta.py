"""The metadata matrix: each key of the JSON metadata missing, or of a wrong type or value.

Each case changes one thing in a valid version 2 file and expects one ``SaveFileError``
that names the file and says what is wrong with which key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from savefiles import C, N, get_meta, refused, set_meta, valid_arrays, valid_results, write

import segwidget
from segwidget.savefile.meta import KEYS, MAX_CLASSES

V2_KEYS = KEYS[2]


@pytest.mark.parametrize("key", V2_KEYS)
def test_each_key_missing(tmp_path: Path, key: str) -> None:
    arrays = valid_arrays(tmp_path)
    meta = get_meta(arrays)
    del meta[key]
    set_meta(arrays, meta)
    expected = {
        "format": "not a segwidget results file: its format is null",
        "version": "expected segwidget-results version 2, found segwidget-results version null",
    }.get(key, f"its metadata lacks key '{key}'")
    refused(write(tmp_path / "bad.npz", arrays), expected)


def _classes(n: int) -> list[str]:
    return [f"c{k}" for k in range(n)]


# (id, key, bad value, what the message says)
WRONG = [
    ("format-other", "format", "something-else", "its format is 'something-else'"),
    ("format-number", "format", 7, r"its format is 7 \(int\)"),
    ("version-future", "version", 3, "found segwidget-results version 3 .*newer segwidget"),
    ("version-text", "version", "2", r"found segwidget-results version '2' \(str\)"),
    ("version-bool", "version", True, r"version True \(bool\)"),
    ("version-float", "version", 2.0, r"version 2.0 \(float\)"),
    ("classes-string", "classes", "abcd", r"meta\['classes'\] must be a list of strings"),
    ("classes-numbers", "classes", [0, 1, 2, 3], r"meta\['classes'\] must be a list of strings"),
    ("classes-dict", "classes", {"0": "a"}, r"meta\['classes'\] must be a list of strings"),
    ("classes-repeated", "classes", ["a", "b", "a", "c"], "names 'a' .*twice"),
    ("classes-empty", "classes", [], "names 0 classes; a file holds 1 to 4096"),
    ("classes-too-many", "classes", _classes(MAX_CLASSES + 1), "names 4097 classes"),
    ("classes-lone-surrogate", "classes", ["a", "\ud800", "c", "d"], "not valid Unicode"),
    ("colors-string", "colors", "#ffffff", r"meta\['colors'\] must be a list of 4 '#rrggbb'"),
    ("colors-too-few", "colors", ["#ffffff"] * 3, "names 4 classes but .*'colors'.* 3 colours"),
    (
        "classes-one-short",
        "classes",
        ["a", "b", "c"],
        r"meta\['classes'\] names 3 classes but"
        r" meta\['colors'\] holds 4 colours; a file has one colour per class",
    ),
    ("colors-name", "colors", ["red", "#000000", "#000000", "#000000"], "not 'red'"),
    ("colors-not-hex", "colors", ["#12345g"] * 4, "not '#12345g'"),
    ("colors-newline", "colors", ["#123456\n"] * 4, r"not '#123456\\n'"),
    ("colors-number", "colors", [123456] * 4, r"not 123456 \(int\)"),
    ("ignore_index-text", "ignore_index", "255", r"'ignore_index'\] must be null or an integer"),
    ("ignore_index-bool", "ignore_index", True, r"not True \(bool\)"),
    ("ignore_index-float", "ignore_index", 2.5, r"not 2.5 \(float\)"),
    ("ignore_index-huge", "ignore_index", 2**70, "an integer in"),
    ("partial-text", "partial", "yes", r"meta\['partial'\] must be true or false, not 'yes'"),
    ("partial-number", "partial", 1, r"meta\['partial'\] must be true or false, not 1 \(int\)"),
    ("partial-null", "partial", None, r"meta\['partial'\] must be true or false, not null"),
    ("has_images-text", "has_images", "true", r"meta\['has_images'\] must be true or false"),
    ("boundary_width-negative", "boundary_width", -1, r"'boundary_width'\] must be null or"),
    ("boundary_width-float", "boundary_width", 3.0, r"not 3.0 \(float\)"),
    ("boundary_width-text", "boundary_width", "3", r"not '3' \(str\)"),
    ("confidence-zero", "confidence", 0, r"'confidence'\] must be null or a number in \(0, 1\]"),
    ("confidence-above-one", "confidence", 1.5, r"not 1.5 \(float\)"),
    ("confidence-nan", "confidence", math.nan, r"not nan \(float\)"),
    ("confidence-text", "confidence", "0.9", r"not '0.9' \(str\)"),
    ("confidence-bool", "confidence", True, r"not True \(bool\)"),
    ("metadata-string", "metadata", "city", r"meta\['metadata'\] must be a list of strings"),
    ("metadata-numbers", "metadata", [1, 2, 3, 4], r"meta\['metadata'\] must be a list of str"),
    ("metadata-repeated", "metadata", ["a", "b", "a", "c"], "names 'a' .*twice"),
    ("metadata-fewer-names", "metadata", ["a", "b", "c"], r"unexpected member\(s\) 'metadata_3'"),
    ("metadata-more-names", "metadata", list("abcde"), "member 'metadata_4' is missing"),
    (
        "metadata-derived-name",
        "metadata",
        ["image:height", "b", "c", "d"],
        "metadata column 'image:height': names starting with image:, pixels:, tag: are segwidget's",
    ),
    ("tags-list", "tags", [[1, 2]], r"meta\['tags'\]: tags are a dict of name -> image"),
    ("tags-members-text", "tags", {"t": "1"}, "tag 't': give a list of image indices, not str"),
    ("tags-float-index", "tags", {"t": [1.0]}, "tag 't': image indices must be integers"),
    ("tags-bool-index", "tags", {"t": [True]}, "tag 't': image indices must be integers"),
    ("tags-index-too-large", "tags", {"t": [0, N]}, rf"image indices \[{N}\] outside 0..{N - 1}"),
    ("tags-negative-index", "tags", {"t": [-1]}, r"image indices \[-1\] outside"),
    ("tags-blank-name", "tags", {" ": [1]}, "a tag name is a non-blank string"),
    ("tags-long-name", "tags", {"x" * 201: [1]}, "tag name longer than 200 characters"),
    ("tags-lone-surrogate-name", "tags", {"\udc00": []}, "not valid Unicode"),
]


@pytest.mark.parametrize(("key", "value", "fragment"), [w[1:] for w in WRONG],
                         ids=[w[0] for w in WRONG])  # fmt: skip
def test_a_key_of_the_wrong_type_or_value(tmp_path: Path, key: str, value: Any, fragment: str):
    arrays = valid_arrays(tmp_path)
    meta = get_meta(arrays)
    meta[key] = value
    set_meta(arrays, meta)
    refused(write(tmp_path / "bad.npz", arrays), fragment)


def test_has_images_false_with_images_present(tmp_path: Path) -> None:
    arrays = valid_arrays(tmp_path)
    set_meta(arrays, {**get_meta(arrays), "has_images": False})
    refused(write(tmp_path / "bad.npz", arrays), r"unexpected member\(s\) 'images_.*without images")


def test_has_images_true_without_images(tmp_path: Path) -> None:
    arrays = {k: v for k, v in valid_arrays(tmp_path).items() if not k.startswith("images_")}
    refused(write(tmp_path / "bad.npz", arrays), "member 'images_image_data' is missing")


def test_an_unknown_key(tmp_path: Path) -> None:
    arrays = valid_arrays(tmp_path)
    set_meta(arrays, {**get_meta(arrays), "extra": 1})
    refused(write(tmp_path / "bad.npz", arrays), "its metadata has unknown key 'extra'")


def test_a_version_1_file_with_version_2_keys(tmp_path: Path) -> None:
    arrays = valid_arrays(tmp_path)
    set_meta(arrays, {**get_meta(arrays), "version": 1})
    refused(write(tmp_path / "bad.npz", arrays), "unknown keys 'boundary_width', 'confidence'")


RAW: list[tuple[str, Callable[[], bytes], str]] = [
    ("not-json", lambda: b"{format: segwidget}", "its metadata .* is not valid JSON"),
    ("not-utf8", lambda: b'{"format": "\xff"}', "is not valid JSON"),
    ("json-list", lambda: b"[1, 2]", "its metadata is a JSON list, not an object"),
    ("json-number", lambda: b"2", "its metadata is a JSON int, not an object"),
    ("deeply-nested", lambda: b"[" * 100_000 + b"]" * 100_000, "is not valid JSON"),
    ("repeated-key", lambda: b'{"format": "a", "format": "b"}', "'format' appears twice"),
    ("huge-integer", lambda: b'{"format": "segwidget-results", "version": 1' + b"0" * 5000 + b"}",
     "is not valid JSON"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "fragment"), [r[1:] for r in RAW], ids=[r[0] for r in RAW])
def test_metadata_that_is_not_a_json_object(tmp_path: Path, raw, fragment: str) -> None:
    arrays = valid_arrays(tmp_path)
    arrays["meta"] = np.frombuffer(raw(), dtype=np.uint8)
    refused(write(tmp_path / "bad.npz", arrays), fragment)


def test_metadata_of_the_wrong_dtype(tmp_path: Path) -> None:
    arrays = valid_arrays(tmp_path)
    arrays["meta"] = arrays["meta"].astype(np.int64)
    refused(write(tmp_path / "bad.npz", arrays), "member 'meta' has dtype int64; expected unsigned")


def test_a_valid_file_has_every_version_2_key(tmp_path: Path) -> None:
    """The matrix above covers the keys a real file has (and only those)."""
    meta = get_meta(valid_arrays(tmp_path))
    assert tuple(meta) == V2_KEYS
    assert len(meta["classes"]) == C
    assert isinstance(segwidget.load(tmp_path / "valid.npz"), segwidget.Results)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"classes": ["a", "a", "b", "c"]}, r"names 'a' .*twice"),
        ({"classes": ["a", "\ud800", "c", "d"]}, "not valid Unicode"),
        ({"tags": {"t": [0, 99]}}, r"image indices \[99\] outside"),
    ],
    ids=["repeated-class", "lone-surrogate", "tag-member-outside"],
)
def test_save_refuses_what_load_would_refuse(tmp_path: Path, change, fragment: str) -> None:
    results = valid_results()
    for key, value in change.items():
        setattr(results, key, value)
    with pytest.raises(
        ValueError, match=f"cannot save {re.escape(str(tmp_path))}/run.npz: .*{fragment}"
    ):
        results.save(tmp_path / "run")
    assert not (tmp_path / "run.npz").exists()


def test_repeated_tag_members_are_merged_as_tags_are(tmp_path: Path) -> None:
    """``tags.parse_tags`` decides what a tag is: members sorted and unique."""
    arrays = valid_arrays(tmp_path)
    set_meta(arrays, {**get_meta(arrays), "tags": {"t": [3, 0, 3]}})
    assert segwidget.load(write(tmp_path / "tags.npz", arrays)).tags == {"t": [0, 3]}
