"""The failure map's questions (issue 20): the error profile, ``similar`` against a brute-force
cosine loop with the tie and all-zero rules, the neighbour lists, map selections, the map's
cache, and subset and save/load of features and maps."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import segwidget
from segwidget.results.fmap import in_box, in_lasso, restrict
from segwidget.results.imaging import palette
from segwidget.results.ranking import Ranking
from segwidget.results.sparse import SparseConfusion


def _results(dense: np.ndarray, features: np.ndarray | None = None) -> segwidget.Results:
    n, c = dense.shape[:2]
    return segwidget.Results(
        classes=[f"k{j}" for j in range(c)],
        losses=np.linspace(0, 1, n),
        image_confusions=SparseConfusion.from_dense(dense),
        images=None,
        colors=palette(c),
        features=features,
    )


def _dense(rng: np.random.Generator, n: int = 30, c: int = 4) -> np.ndarray:
    counts = rng.integers(1, 30, (n, c, c))
    dense = np.where(rng.random((n, c, c)) < 0.4, counts, 0)
    if n < 7:
        return dense
    dense[3] = np.diag(rng.integers(1, 9, c))  # a perfect image: an all-zero profile
    dense[5] = dense[4] * 3  # the same shares: distance 0 from image 4, a tie with it
    dense[6] = 0  # no valid pixel
    return dense


def _profile_loop(dense: np.ndarray) -> np.ndarray:
    n, c = dense.shape[:2]
    out = np.zeros((n, c * c))
    for i in range(n):
        for t in range(c):
            row = dense[i, t].sum()
            for p in range(c):
                if p != t and row > 0:
                    out[i, t * c + p] = dense[i, t, p] / row
    return out


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    dot = sum(float(x) * float(y) for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(float(x) ** 2 for x in a))
    nb = math.sqrt(sum(float(y) ** 2 for y in b))
    return 1.0 if na == 0 or nb == 0 else 1.0 - dot / (na * nb)


def _similar_loop(vectors: np.ndarray, i: int, k: int) -> tuple[list[int], list[float]]:
    """Sort by distance; a run of distances each within 1e-9 of the previous is a tie,
    ordered by index."""
    pairs = sorted((_cosine(vectors[i], vectors[j]), j) for j in range(len(vectors)) if j != i)
    runs: list[list[tuple[float, int]]] = []
    for d, j in pairs:
        if runs and d - runs[-1][-1][0] <= 1e-9:
            runs[-1].append((d, j))
        else:
            runs.append([(d, j)])
    ordered = [pair for run in runs for pair in sorted(run, key=lambda p: p[1])][:k]
    return [j for _, j in ordered], [d for d, _ in ordered]


def test_error_profile_is_the_row_normalised_off_diagonal_confusion(
    rng: np.random.Generator,
) -> None:
    dense = _dense(rng)
    r = _results(dense)
    np.testing.assert_allclose(r.embedding("errors").toarray(), _profile_loop(dense), rtol=1e-15)
    assert r.embedding().shape == (30, 16)  # kind=None without features: errors


@pytest.mark.parametrize("kind", ["errors", "features"])
def test_similar_equals_a_brute_force_cosine_loop(rng: np.random.Generator, kind: str) -> None:
    dense = _dense(rng)
    features = rng.normal(size=(30, 5)).astype(np.float16)
    features[7] = features[2] * 2  # same direction: a tie at distance 0 with image 2
    features[8] = features[2]
    features[9] = 0
    r = _results(dense, features)
    vectors = _profile_loop(dense) if kind == "errors" else features.astype(np.float64)
    for i in range(30):
        for k in (1, 5, 29, 40):
            got = r.similar(i, k, kind=kind)
            want_idx, want_d = _similar_loop(vectors, i, k)
            assert got.indices.tolist() == want_idx, (i, k)
            np.testing.assert_allclose(got.scores, want_d, rtol=0, atol=1e-12)
    assert r.similar(3, 29, kind="errors").scores.tolist() == [1.0] * 29  # all-zero vector
    assert r.similar(4, 1, kind="errors").indices.tolist() == [5]
    assert r.similar(2, 2, kind="features").indices.tolist() == [7, 8]


def test_kind_none_means_features_when_captured(rng: np.random.Generator) -> None:
    dense = _dense(rng)
    features = rng.normal(size=(30, 3)).astype(np.float16)
    with_f, without = _results(dense, features), _results(dense)
    assert with_f.similar(0).indices.tolist() == with_f.similar(0, kind="features").indices.tolist()
    assert without.similar(0).indices.tolist() == without.similar(0, kind="errors").indices.tolist()
    with pytest.raises(ValueError, match="embed="):
        without.similar(0, kind="features")
    with pytest.raises(ValueError, match="kind must be"):
        with_f.embedding("pixels")
    with pytest.raises(IndexError, match="out of range"):
        with_f.similar(30)


def test_neighbour_lists_are_similar_of_every_image(rng: np.random.Generator) -> None:
    r = _results(_dense(rng), rng.normal(size=(30, 4)).astype(np.float16))
    for kind in ("errors", "features"):
        idx, dist = r.neighbours(kind, k=6)
        assert idx.dtype == np.int32 and dist.dtype == np.float32
        for i in range(30):
            want = r.similar(i, 6, kind=kind)
            assert idx[i].tolist() == want.indices.tolist()
            np.testing.assert_array_equal(dist[i], want.scores.astype(np.float32))
    small = _results(_dense(rng, n=3))
    idx, dist = small.neighbours("errors", k=4)
    assert (idx[:, 2:] == -1).all() and np.isnan(dist[:, 2:]).all()


def test_box_and_lasso_select_the_points_inside(rng: np.random.Generator) -> None:
    xy = rng.normal(size=(400, 2)).astype(np.float32)
    box = in_box(xy, 0.5, -1.0, -0.25, 0.75)  # corners in any order
    want = [i for i, (u, v) in enumerate(xy) if -0.25 <= u <= 0.5 and -1.0 <= v <= 0.75]
    assert box.tolist() == want
    triangle = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    want = [i for i, (u, v) in enumerate(xy.astype(float)) if u > 0 and v > 0 and u + v < 2]
    assert in_lasso(xy, triangle).tolist() == want
    ranked = Ranking(np.array([9, 3, 7, 1]), np.array([4.0, 3.0, 2.0, 1.0]))
    kept = restrict(ranked, np.array([1, 9]))
    assert kept.indices.tolist() == [9, 1] and kept.scores.tolist() == [4.0, 1.0]


def test_map_is_cached_saved_bit_for_bit_and_follows_subset(
    rng: np.random.Generator, tmp_path: Path
) -> None:
    features = rng.normal(size=(40, 6)).astype(np.float16)
    dense = _dense(rng, n=40)
    r = _results(dense, features)
    xy = r.map()
    assert xy.shape == (40, 2) and xy.dtype == np.float32 and np.isfinite(xy).all()
    assert r.map() is xy and r.map("features") is xy  # computed once
    errors = r.map("errors")
    again = _results(dense, features)  # the same seed: the same map, bit for bit
    np.testing.assert_array_equal(again.map("errors").view(np.uint32), errors.view(np.uint32))
    loaded = segwidget.load(r.save(tmp_path / "r.npz"))
    assert isinstance(loaded, segwidget.Results)
    for kind in ("errors", "features"):
        assert loaded.maps[kind].dtype == np.float32
        np.testing.assert_array_equal(
            loaded.maps[kind].view(np.uint32), r.map(kind).view(np.uint32)
        )
    np.testing.assert_array_equal(loaded.features.view(np.uint16), features.view(np.uint16))
    part = r.subset([7, 2, 30])
    np.testing.assert_array_equal(part.map(), xy[[7, 2, 30]])
    np.testing.assert_array_equal(part.features, features[[7, 2, 30]])


def test_a_tiny_map_is_the_principal_components(rng: np.random.Generator) -> None:
    r = _results(_dense(rng, n=5))
    xy = r.map("errors")
    assert xy.shape == (5, 2) and np.isfinite(xy).all()
    one = _results(_dense(rng, n=1))
    assert one.map().tolist() == [[0.0, 0.0]]


def test_a_map_of_identical_vectors_stays_finite() -> None:
    perfect = np.zeros((20, 3, 3), dtype=np.int64)
    perfect[:, 0, 0] = 5  # every image perfect: every error profile all zero
    xy = _results(perfect).map("errors")
    assert xy.shape == (20, 2) and np.isfinite(xy).all()
