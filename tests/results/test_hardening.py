"""Issue 22: what the metadata, slices and export keep exactly, and what they refuse (each
refusal naming the column, the row or the value). docs/guide/hardening.md lists the rules."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from models import Passthrough, logit_batches

import segwidget
from segwidget import InputError
from segwidget.results.metadata import MAX_TEXT_CHARS, plain_columns

N = 4


@pytest.fixture
def batches(rng: np.random.Generator):
    return logit_batches(rng, [2, 2], 3, hw=(4, 5))


def _run(batches, **kwargs) -> segwidget.Results:
    return segwidget.analyze(Passthrough(), batches, ["a", "b", "c"], progress=False, **kwargs)


# -- long text: what save writes, load reads ---------------------------------------------------
def test_text_at_the_cap_round_trips_through_save_and_load(batches, tmp_path: Path) -> None:
    longest = "y" * MAX_TEXT_CHARS
    texts = [longest, "short", "ü" * MAX_TEXT_CHARS, ""]
    again = segwidget.load(_run(batches, metadata={"s": texts}).save(tmp_path / "r.npz"))
    assert again.metadata["s"].tolist() == texts


def test_longer_text_is_refused_at_analyze_naming_the_row(batches) -> None:
    texts = ["a", "b", "y" * (MAX_TEXT_CHARS + 1), "c"]
    message = (
        f"metadata column 's' row 2: text of {MAX_TEXT_CHARS + 1} characters; metadata text is "
        f"at most {MAX_TEXT_CHARS} characters (what a saved file holds)"
    )
    with pytest.raises(InputError, match="^" + re.escape(message)):
        _run(batches, metadata={"s": texts})


def test_save_refuses_long_text_set_by_hand_and_writes_nothing(batches, tmp_path: Path) -> None:
    results = _run(batches)
    results.metadata = {"s": np.array(["y" * 2000, "a", "b", "c"])}
    with pytest.raises(ValueError, match=r"^cannot save .*r\.npz: metadata column 's' row 0: "):
        results.save(tmp_path / "r.npz")
    assert not (tmp_path / "r.npz").exists()
    # a wide dtype holding short text is narrowed, so the reader takes it
    results.metadata = {"s": np.array(["a", "bb", "c", "d"], dtype="<U4000")}
    assert segwidget.load(results.save(tmp_path / "r.npz")).metadata["s"].tolist() == [
        "a", "bb", "c", "d",
    ]  # fmt: skip


# -- integers: exact, compared as integers -------------------------------------------------------
def test_uint64_beyond_int64_is_refused_and_below_kept_exact(batches) -> None:
    big = np.arange(N, dtype=np.uint64) + np.uint64(2**63)
    with pytest.raises(InputError, match=r"row 0: 9223372036854775808 is beyond the int64 range"):
        _run(batches, metadata={"id": big})
    below = np.arange(N, dtype=np.uint64) + np.uint64(2**63 - 10)
    kept = _run(batches, metadata={"id": below}).metadata["id"]
    assert [int(v) for v in kept] == [int(v) for v in below]


def test_integer_slices_compare_as_integers_beyond_2_53(batches) -> None:
    ids = [2**53, 2**53 + 1, 2**62 + 1, -(2**62) - 1]
    results = _run(batches, metadata={"id": np.array(ids, dtype=np.int64)})
    for lo, hi in [(2**53 + 1, 2**53 + 1), (2**53, 2**53), (2**62 + 1, None), (None, 2**53),
                   (2**53 + 0.5, 2**63), (-(2**70), -(2**62) - 1), (2**70, None)]:  # fmt: skip
        expected = [
            i for i, v in enumerate(ids) if (lo is None or v >= lo) and (hi is None or v <= hi)
        ]  # Python compares int and float exactly: the reference
        got = results.where(id=[lo, hi]).dataset_index().tolist()
        assert got == expected, (lo, hi)


# -- text kept exactly, one rule for kinds, names ---------------------------------------------
def test_trailing_nul_is_refused_not_merged_with_the_text_without_it(batches) -> None:
    with pytest.raises(InputError, match=r"column 's' row 1: the text 'a\\x00' ends in a NUL"):
        _run(batches, metadata={"s": ["a", "a\x00", "b", "c"]})
    frame = pd.DataFrame({"s": ["a", "b", "c\x00", "d"]})
    with pytest.raises(InputError, match=r"row 2: the text 'c\\x00' ends in a NUL"):
        _run(batches, metadata=frame)
    inner = _run(batches, metadata={"s": ["a\x00b", "a", "b", "c"]}).metadata["s"]
    assert inner.tolist() == ["a\x00b", "a", "b", "c"]  # a NUL inside is kept


@pytest.mark.parametrize(
    ("values", "first", "then"),
    [
        (["a", 1, "b", "c"], "text", "numbers"),
        ([1.5, True, 2.0, 3.0], "numbers", "booleans"),
        # pandas may hold None as NaN: a number then
        (["a", None, "b", "c"], "text", r"(missing values \(None\)|numbers)"),
        (["a", float("nan"), "b", "c"], "text", "numbers"),
    ],
)
def test_mixed_kinds_are_refused_alike_in_lists_and_dataframes(
    batches, values: list, first: str, then: str
) -> None:
    for table in ({"m": values}, pd.DataFrame({"m": values})):
        with pytest.raises(InputError, match=rf"^metadata column 'm' mixes {first} \(row 0: "
                           rf".*\) and {then} \(row 1: "):  # fmt: skip
            _run(batches, metadata=table)


def test_colliding_keys_are_refused_naming_both() -> None:
    with pytest.raises(ValueError, match=r"^metadata keys 1 and '1' are both column '1'"):
        plain_columns({1: [0, 1], "1": [2, 3]})
    with pytest.raises(ValueError, match=r"^metadata keys 'x' and 'x' are both column 'x'"):
        plain_columns(pd.DataFrame([[1, 2]], columns=["x", "x"]))


@pytest.mark.parametrize("name", ["loss", "index", "score", "image:height", "pixels:a", "tag:t"])
def test_reserved_names_are_refused_when_the_metadata_is_given(batches, name: str) -> None:
    with pytest.raises(InputError, match=f"^metadata column '{name}': .*segwidget's (own|export)"):
        _run(batches, metadata={name: [1, 2, 3, 4]})
    with pytest.raises(InputError, match=r"export writes itself|derived columns"):
        _run(batches, metadata=pd.DataFrame({name: [1, 2, 3, 4]}))


def test_dataframe_rows_follow_an_index_that_permutes_the_images(batches) -> None:
    order = [2, 0, 3, 1]
    frame = pd.DataFrame({"v": [10 * i for i in order]}, index=order)  # row labelled i: image i
    kept = _run(batches, metadata=frame).metadata["v"]
    assert kept.tolist() == [0, 10, 20, 30]
    for index in ([5, 6, 7, 8], [0, 1, 1, 2], ["a", "b", "c", "d"]):
        shifted = pd.DataFrame({"v": [1, 2, 3, 4]}, index=index)
        with pytest.raises(InputError, match=r"the metadata DataFrame's index \(.*\) is not "
                           r"0\.\.3 in some order.*reset_index\(drop=True\)"):  # fmt: skip
            _run(batches, metadata=shifted)


def test_a_slice_on_a_tag_no_image_has_selects_none(batches) -> None:
    results = _run(batches)
    assert results.where({"tag:later": [True]}).n_images == 0
    assert results.where({"tag:later": [False]}).n_images == N  # as the browser counts it
    with pytest.raises(segwidget.SliceError, match="no column"):
        results.where({"tag:" + "t" * 201: [True]})  # not a tag name: no such column


# -- export: CSV escapes formulas, Parquet is exact -------------------------------------------
FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "plain", "a=b"]


def test_csv_escapes_formulas_by_default_and_keeps_text_when_asked(batches, tmp_path: Path) -> None:
    results = _run(batches, metadata={"=cmd": FORMULAS[:4], "t": FORMULAS[4:], "n": [-1, 2, 3, 4]})
    escaped = segwidget.export(results, tmp_path / "e.csv")
    with escaped.open(newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    assert header[:5] == ["index", "loss", "'=cmd", "t", "n"]
    starts = ("=", "+", "-", "@", "\t", "\r")
    for row, a, b in zip(rows, FORMULAS[:4], FORMULAS[4:], strict=True):
        assert row[2] == ("'" + a if a.startswith(starts) else a)
        assert row[3] == ("'" + b if b.startswith(starts) else b)
    assert [row[4] for row in rows] == ["-1", "2", "3", "4"]  # numbers are not text
    exact = segwidget.export(results, tmp_path / "x.csv", escape_formulas=False)
    with exact.open(newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    assert header[2] == "=cmd" and [r[2] for r in rows] == FORMULAS[:4]


def test_parquet_keeps_every_text_exactly(batches, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    results = _run(batches, metadata={"=cmd": FORMULAS[:4]})
    table = pd.read_parquet(segwidget.export(results, tmp_path / "x.parquet"))
    assert table["=cmd"].tolist() == FORMULAS[:4]
