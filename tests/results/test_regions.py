"""Boundary-band and confident-disagreement numbers (``results/regions.py``) against loops.

The references below are written from PROTOCOL.md's definitions with Python loops over
dense per-image ``(N, C, C)`` matrices and share no code with segwidget.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import segwidget
from segwidget.results.sparse import SparseConfusion

CLASSES = ["road", "car", "person", "sky", "boat"]


def _case(seed: int, n: int = 14) -> tuple[segwidget.Results, np.ndarray, np.ndarray, np.ndarray]:
    """Small counts (many ties); "sky" is only ever right, "boat" appears nowhere."""
    gen = np.random.default_rng(seed)
    c = len(CLASSES)
    dense = gen.choice([0, 0, 0, 1, 2, 2, 4], size=(n, c, c)).astype(np.int64)
    dense[:, 3, :] = dense[:, :, 3] = 0
    dense[:, 3, 3] = gen.integers(0, 3, n)
    dense[:, 4, :] = dense[:, :, 4] = 0
    dense[0] = 0  # an image with no valid pixel
    band = gen.integers(0, dense + 1)
    off_diagonal = 1 - np.eye(c, dtype=np.int64)
    confident = gen.integers(0, dense + 1) * off_diagonal * (gen.random(dense.shape) < 0.6)
    losses = gen.choice([0.25, 0.5, 1.0, 2.0], size=n)
    results = segwidget.Results(
        CLASSES,
        losses,
        SparseConfusion.from_dense(dense),
        None,
        ["#000000"] * c,
        boundary_confusions=SparseConfusion.from_dense(band),
        confident_confusions=SparseConfusion.from_dense(confident),
        boundary_width=3,
        confidence=0.9,
    )
    return results, dense, band, confident


# -- references -----------------------------------------------------------------------------
def _pool(dense: np.ndarray) -> list[list[int]]:
    c = dense.shape[1]
    return [
        [sum(int(dense[n, t, p]) for n in range(dense.shape[0])) for p in range(c)]
        for t in range(c)
    ]


def _tp_fn_fp(cm: list[list[int]], c: int) -> tuple[int, int, int]:
    k = len(cm)
    fn = sum(cm[c][q] for q in range(k) if q != c)
    fp = sum(cm[q][c] for q in range(k) if q != c)
    return cm[c][c], fn, fp


def _div(a: int, b: int) -> float:
    return a / b if b else math.nan


def _ref_band_columns(dense: np.ndarray, band: np.ndarray) -> dict[str, list[float]]:
    whole, in_band, interior = _pool(dense), _pool(band), _pool(dense - band)
    out: dict[str, list[float]] = {
        "boundary_iou": [],
        "interior_iou": [],
        "boundary_error_share": [],
    }
    for c in range(dense.shape[1]):
        for name, cm in (("boundary_iou", in_band), ("interior_iou", interior)):
            tp, fn, fp = _tp_fn_fp(cm, c)
            out[name].append(_div(tp, tp + fn + fp))
        _, fn_b, fp_b = _tp_fn_fp(in_band, c)
        _, fn, fp = _tp_fn_fp(whole, c)
        out["boundary_error_share"].append(_div(fn_b + fp_b, fn + fp))
    return out


def _ref_rank_confident(
    dense: np.ndarray, confident: np.ndarray, true: int | None = None, pred: int | None = None
) -> tuple[list[int], list[float]]:
    rows = []
    c = dense.shape[1]
    for n in range(dense.shape[0]):
        if true is None:  # label suspicion: confident pixels / valid pixels
            count, total = int(confident[n].sum()), int(dense[n].sum())
        elif true != pred:  # confident (t, p) pixels / true-t pixels
            count, total = int(confident[n, true, pred]), int(dense[n, true].sum())
        else:  # confident errors of the class (FN + FP) / the class's union
            cls = true
            count = sum(
                int(confident[n, cls, q] + confident[n, q, cls]) for q in range(c) if q != cls
            )
            total = int(dense[n, cls].sum() + dense[n, :, cls].sum() - dense[n, cls, cls])
        if count > 0:
            rows.append((n, count, count / total))
    rows.sort(key=lambda r: (-r[2], -r[1], r[0]))
    return [r[0] for r in rows], [r[2] for r in rows]


def _assert_ranking(ranked: segwidget.Ranking, expected: tuple[list[int], list[float]]) -> None:
    assert ranked.indices.tolist() == expected[0]
    np.testing.assert_array_equal(ranked.scores, np.array(expected[1], dtype=np.float64))
    assert ranked.indices.dtype == np.int64 and ranked.scores.dtype == np.float64


# -- numbers --------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_confident_confusion_pooled_per_image_and_normalised(seed: int) -> None:
    results, dense, _, confident = _case(seed)
    pooled, whole = _pool(confident), _pool(dense)
    c = len(CLASSES)
    got = results.confident_confusion()
    assert got.dtype == np.int64 and got.tolist() == pooled
    by_true = results.confident_confusion(normalize="true")
    by_pred = results.confident_confusion(normalize="pred")
    for t in range(c):
        for p in range(c):
            row = sum(whole[t])
            col = sum(whole[q][p] for q in range(c))
            np.testing.assert_array_equal(by_true[t, p], _div(pooled[t][p], row))
            np.testing.assert_array_equal(by_pred[t, p], _div(pooled[t][p], col))
    for i in range(dense.shape[0]):
        np.testing.assert_array_equal(results.image_confident_confusion(i), confident[i])
    with pytest.raises(ValueError, match="normalize must be"):
        results.confident_confusion(normalize="mean")


@pytest.mark.parametrize("seed", range(6))
def test_class_table_band_columns_equal_loops(seed: int) -> None:
    results, dense, band, _ = _case(seed)
    table = results.class_table()
    expected = _ref_band_columns(dense, band)
    for name, values in expected.items():
        np.testing.assert_array_equal(table[name].to_numpy(), np.array(values), err_msg=name)
    # "sky" is always right (no error: share NaN), "boat" absent (everything NaN)
    assert table.loc["sky", "support"] > 0 and math.isnan(table.loc["sky", "boundary_error_share"])
    assert table.loc["boat"][["boundary_iou", "interior_iou", "boundary_error_share"]].isna().all()


def test_class_table_without_boundary_counts_has_no_band_columns() -> None:
    results = replace(_case(0)[0], boundary_confusions=None)
    assert list(results.class_table().columns) == [
        "iou",
        "recall",
        "precision",
        "support",
        "images",
    ]


@pytest.mark.parametrize("seed", range(6))
def test_boundary_error_share_equals_loop(seed: int) -> None:
    results, dense, band, _ = _case(seed)
    wrong = sum(int(dense[n, t, p]) for n, t, p in np.ndindex(dense.shape) if t != p)
    wrong_in_band = sum(int(band[n, t, p]) for n, t, p in np.ndindex(band.shape) if t != p)
    assert wrong > 0
    assert results.boundary_error_share() == wrong_in_band / wrong


def test_boundary_error_share_is_nan_without_errors() -> None:
    dense = np.zeros((2, 2, 2), np.int64)
    dense[:, 0, 0], dense[:, 1, 1] = 5, 3
    results = segwidget.Results(
        ["a", "b"], np.zeros(2), SparseConfusion.from_dense(dense), None, [""] * 2,
        boundary_confusions=SparseConfusion.from_dense(dense // 2),
    )  # fmt: skip
    assert math.isnan(results.boundary_error_share())


# -- rankings -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(10))
def test_rank_confident_equals_loops_for_every_cell(seed: int) -> None:
    results, dense, _, confident = _case(seed)
    for t in range(len(CLASSES)):
        for p in range(len(CLASSES)):
            expected = _ref_rank_confident(dense, confident, t, p)
            _assert_ranking(results.rank(t, p, by="confident"), expected)
    _assert_ranking(results.rank(by="confident"), _ref_rank_confident(dense, confident))
    _assert_ranking(
        results.rank("car", by="confident"), _ref_rank_confident(dense, confident, 1, 1)
    )


@pytest.mark.parametrize("seed", range(4))
def test_rank_confident_with_loss_range(seed: int) -> None:
    results, dense, _, confident = _case(seed + 50)
    for t, p in [(0, 1), (1, 1), (None, None)]:
        indices, scores = _ref_rank_confident(dense, confident, t, p)
        keep = [k for k, n in enumerate(indices) if 0.5 <= results.losses[n] <= 1.0]
        ranked = results.rank(t, p, by="confident", loss_range=(0.5, 1.0))
        _assert_ranking(ranked, ([indices[k] for k in keep], [scores[k] for k in keep]))


def test_confident_ties_go_to_more_pixels_then_lower_index() -> None:
    # image: confident (0 -> 1) pixels, true-0 pixels (all predicted 1 or 0)
    cases = {0: (1, 2), 1: (2, 4), 2: (1, 2), 3: (3, 3), 4: (0, 5), 5: (2, 4)}
    dense = np.zeros((6, 2, 2), np.int64)
    confident = np.zeros_like(dense)
    for n, (conf, total) in cases.items():
        dense[n, 0, 1], dense[n, 0, 0] = max(conf, 1), total - max(conf, 1)
        confident[n, 0, 1] = conf
    results = segwidget.Results(
        ["a", "b"], np.zeros(6), SparseConfusion.from_dense(dense), None, [""] * 2,
        confident_confusions=SparseConfusion.from_dense(confident),
    )  # fmt: skip
    ranked = results.rank(0, 1, by="confident")
    assert ranked.indices.tolist() == [3, 1, 5, 0, 2]  # 1.0; then 0.5 with 2, 2, 1, 1 pixels
    assert ranked.scores.tolist() == [1.0, 0.5, 0.5, 0.5, 0.5]
    assert results.suspect_labels().indices.tolist() == [3, 1, 5, 0, 2]
    assert results.suspect_labels(2).indices.tolist() == [3, 1]


@pytest.mark.parametrize("seed", range(6))
def test_suspect_labels_equals_loops(seed: int) -> None:
    results, dense, _, confident = _case(seed)
    expected = _ref_rank_confident(dense, confident)
    _assert_ranking(results.suspect_labels(), expected)
    for k in (0, 1, 3, 100):
        _assert_ranking(results.suspect_labels(k), (expected[0][:k], expected[1][:k]))
    assert 0 not in results.suspect_labels().indices  # no valid pixel, nothing to suspect


def test_save_and_load_keep_the_band_columns_and_the_confident_ranking(tmp_path: Path) -> None:
    results, *_ = _case(3)
    back = segwidget.load(results.save(tmp_path / "r.npz"))
    assert back.class_table().equals(results.class_table())
    assert "boundary_error_share" in back.class_table().columns
    for cell in [(1, 0), (2, 2), (None, None)]:
        a, b = back.rank(*cell, by="confident"), results.rank(*cell, by="confident")
        assert a.indices.tolist() == b.indices.tolist() and a.scores.tolist() == b.scores.tolist()
    assert back.boundary_error_share() == results.boundary_error_share()


# -- errors ---------------------------------------------------------------------------------
def test_missing_counts_say_how_to_analyse() -> None:
    results = replace(_case(1)[0], boundary_confusions=None, confident_confusions=None)
    with pytest.raises(ValueError, match="analyse with boundary_width="):
        results.boundary_error_share()
    for call in (
        results.confident_confusion,
        lambda: results.image_confident_confusion(0),
        results.suspect_labels,
        lambda: results.rank(0, 1, by="confident"),
        lambda: results.rank(by="confident"),
    ):
        with pytest.raises(ValueError, match=r"analyse with confidence=τ"):
            call()


@pytest.mark.parametrize("cell", [(0, 1), (1, 1), (None, None)])
def test_unknown_order_is_refused_for_every_selection(cell: tuple) -> None:
    results, *_ = _case(2)
    with pytest.raises(
        ValueError,
        match=r"by must be one of .*'overconfident', 'missed', 'false'\), got 'labels'",
    ):
        results.rank(*cell, by="labels")


def test_confident_ranking_refuses_a_region() -> None:
    results, *_ = _case(2)
    with pytest.raises(ValueError, match=r"not split by region.*'interior'"):
        results.rank(0, 1, by="confident", region="interior")
    a, b = results.rank(0, 1, by="confident", region="all"), results.rank(0, 1, by="confident")
    assert a.indices.tolist() == b.indices.tolist() and len(a) > 0


def test_suspect_labels_refuses_a_bad_k() -> None:
    results, *_ = _case(2)
    for k in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="k must be None or a non-negative integer"):
            results.suspect_labels(k)  # type: ignore[arg-type]


def test_inconsistent_confident_counts_are_refused() -> None:
    results, dense, _, confident = _case(4)
    on_diagonal = confident.copy()
    on_diagonal[5, 2, 2] = 1
    too_many = confident.copy()
    too_many[6, 0, 1] = dense[6, 0, 1] + 1
    for bad, message in [
        (on_diagonal, r"correctly predicted pixels \(image 5, class 'person'\)"),
        (too_many, "must count a subset of image_confusions"),
    ]:
        broken = segwidget.Results(
            CLASSES, results.losses, results.image_confusions, None, results.colors,
            confident_confusions=SparseConfusion.from_dense(bad),
        )  # fmt: skip
        with pytest.raises(ValueError, match=message):
            broken.suspect_labels()


def test_confident_counts_are_not_a_region() -> None:
    results, *_ = _case(2)
    results.confident_counts()
    with pytest.raises(ValueError, match="region must be"):
        results.counts("confident")
