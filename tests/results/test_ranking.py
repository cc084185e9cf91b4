"""``Results.rank`` and ``most_confused`` against brute-force versions of PROTOCOL.md's rules."""

from __future__ import annotations

import numpy as np
import pytest
from models import Passthrough, logit_batches
from references import dense_confusions, most_confused, rank

import segwidget
from segwidget.results.sparse import SparseConfusion

CLASSES = ["road", "car", "person", "sky"]


def _tied_results(seed: int, n: int = 14) -> tuple[segwidget.Results, np.ndarray]:
    """Small counts and few distinct losses, so every tie-break rule gets exercised."""
    gen = np.random.default_rng(seed)
    c = len(CLASSES)
    dense = gen.choice([0, 0, 0, 1, 2, 2, 4], size=(n, c, c)).astype(np.int64)
    dense[:, 3, :] = 0  # "sky" never in truth
    dense[0] = 0  # an image with no valid pixel
    losses = gen.choice([0.25, 0.5, 0.5, 1.0, 2.0], size=n)
    losses[0] = np.nan
    losses[gen.random(n) < 0.15] = np.nan
    results = segwidget.Results(
        CLASSES, losses, SparseConfusion.from_dense(dense), None, ["#000000"] * c
    )
    return results, dense


def _assert_rank(results: segwidget.Results, dense: np.ndarray, *args, **kwargs) -> None:
    ranked = results.rank(*args, **kwargs)
    ref_args = list(args) + [None] * (2 - len(args))
    if ref_args[0] is not None and ref_args[1] is None:
        ref_args[1] = ref_args[0]
    indices, scores = rank(dense, results.losses, *ref_args, **kwargs)
    assert ranked.indices.tolist() == indices, (args, kwargs)
    np.testing.assert_array_equal(ranked.scores, np.array(scores, dtype=float))
    assert ranked.indices.dtype == np.int64 and ranked.scores.dtype == np.float64
    assert len(ranked) == len(indices)


@pytest.mark.parametrize("seed", range(12))
def test_rank_equals_brute_force_for_every_selection(seed: int) -> None:
    results, dense = _tied_results(seed)
    c = len(CLASSES)
    _assert_rank(results, dense)
    for t in range(c):
        _assert_rank(results, dense, t, t)
        for p in range(c):
            if p != t:
                _assert_rank(results, dense, t, p, by="share")
                _assert_rank(results, dense, t, p, by="pixels")


@pytest.mark.parametrize("seed", range(6))
def test_rank_with_loss_range(seed: int) -> None:
    results, dense = _tied_results(seed + 100)
    finite = np.unique(results.losses[~np.isnan(results.losses)])
    ranges = [(finite[0], finite[-1]), (finite[0], finite[0]), (0.3, 0.9), (5.0, 6.0)]
    if finite.size > 2:
        ranges.append((finite[1], finite[-2]))
    for lo, hi in ranges:
        _assert_rank(results, dense, loss_range=(lo, hi))
        _assert_rank(results, dense, 1, 1, loss_range=(lo, hi))
        _assert_rank(results, dense, 0, 1, by="share", loss_range=(lo, hi))
        _assert_rank(results, dense, 1, 0, by="pixels", loss_range=(lo, hi))


def test_loss_range_bounds_are_inclusive() -> None:
    losses = np.array([0.1, 0.2, 0.30000000000000004, 0.4, np.nan])
    dense = np.zeros((5, 2, 2), np.int64)
    dense[:, 0, 0] = 1
    results = segwidget.Results(
        ["a", "b"], losses, SparseConfusion.from_dense(dense), None, [""] * 2
    )
    assert results.rank(loss_range=(losses[1], losses[2])).indices.tolist() == [2, 1]
    assert results.rank(loss_range=(0.2, 0.3)).indices.tolist() == [1]
    assert results.rank(loss_range=(losses[3], losses[3])).indices.tolist() == [3]
    assert results.rank(loss_range=(-np.inf, np.inf)).indices.tolist() == [3, 2, 1, 0]
    assert results.rank("a", loss_range=(losses[0], losses[1])).indices.tolist() == [0, 1]


def test_rank_on_a_real_pass(rng: np.random.Generator) -> None:
    batches = logit_batches(rng, [5, 5, 2], 4, pred_classes=[0, 1, 1, 2, 3], hw=(5, 5))
    results = segwidget.analyze(Passthrough(), batches, CLASSES, keep_images=False, progress=False)
    truth = np.concatenate([y.numpy() for _, y in batches])
    pred = np.concatenate([x.numpy().argmax(1) for x, _ in batches])
    dense = dense_confusions(truth, pred, 4, 255)
    _assert_rank(results, dense)
    for t in range(4):
        for p in range(4):
            _assert_rank(results, dense, t, p, by="share")
            _assert_rank(results, dense, t, p, by="pixels")
    mid = float(np.median(results.losses))
    _assert_rank(results, dense, 0, 1, loss_range=(mid, np.inf))


def test_names_and_indices_select_the_same_images() -> None:
    results, _ = _tied_results(3)
    for by in ("share", "pixels"):
        a = results.rank("car", "road", by=by)
        b = results.rank(1, np.int64(0), by=by)
        assert a.indices.tolist() == b.indices.tolist()
        np.testing.assert_array_equal(a.scores, b.scores)
    diagonal = results.rank("person", "person").indices.tolist()
    assert results.rank("person").indices.tolist() == diagonal
    assert results.rank(pred=2).indices.tolist() == diagonal
    assert results.rank(true=2).indices.tolist() == diagonal


def test_bad_class_references_give_clear_errors() -> None:
    results, _ = _tied_results(0)
    with pytest.raises(KeyError, match=r"no class named 'zebra'.*'road', 'car'"):
        results.rank("zebra", "car")
    with pytest.raises(KeyError, match="no class named 'Car'"):
        results.rank("road", "Car")
    with pytest.raises(IndexError, match="class index 4 out of range for 4 classes"):
        results.rank(4, 0)
    with pytest.raises(IndexError, match="class index -1 out of range"):
        results.rank(0, -1)
    with pytest.raises(TypeError, match="a class is a name or an index, not float"):
        results.rank(1.0, 2)
    with pytest.raises(TypeError, match="not bool"):
        results.rank(True)
    with pytest.raises(
        ValueError,
        match=r"by must be one of \('share', 'pixels', 'confident', 'overconfident', 'missed', "
        r"'false'\)",
    ):
        results.rank("road", "car", by="area")


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("k", "min_pixels"), [(10, 1), (3, 1), (100, 4), (5, 0)])
def test_most_confused_equals_brute_force(seed: int, k: int, min_pixels: int) -> None:
    results, dense = _tied_results(seed)
    expected = most_confused(dense.sum(axis=0), CLASSES, k, min_pixels)
    got = results.most_confused(k, min_pixels=min_pixels)
    assert [tuple(conf) for conf in got] == expected
    assert all(isinstance(conf, segwidget.Confusion) for conf in got)
    assert [(c.true, c.pred, c.pixels, c.share) for c in got] == expected
