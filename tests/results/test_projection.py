"""The failure map's projection steps against independent references: unit rows of a sparse
error profile against a dense loop, the exact nearest neighbours against a brute-force sort,
the randomized PCA of a wide sparse input against numpy's dense SVD, and the map's
neighbourhoods against openTSNE's defaults (sklearn's trustworthiness) on clustered data."""

from __future__ import annotations

import numpy as np
from scipy.sparse import random as sparse_random

from segwidget.results import projection
from segwidget.results.embedding import ErrorProfile


def _profile(rng: np.random.Generator, n: int, cols: int, density: float) -> ErrorProfile:
    m = sparse_random(n, cols, density=density, format="csr", random_state=rng)
    m.data = rng.uniform(0.01, 1.0, m.data.size)
    m.sort_indices()
    m.data[m.indptr[3] : m.indptr[4]] = 0.0  # a perfect image: an all-zero row
    m.eliminate_zeros()
    return ErrorProfile(cols, m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data)


def test_unit_rows_of_a_profile_are_its_dense_rows_scaled_over_the_used_cells() -> None:
    rng = np.random.default_rng(0)
    p = _profile(rng, 40, 900, 0.02)
    got = projection.unit_rows(p).toarray()
    dense = p.dense()
    used = np.flatnonzero(np.abs(dense).sum(axis=0) > 0)
    for i in range(40):
        row = dense[i, used]
        norm = np.sqrt(sum(v * v for v in row))
        np.testing.assert_allclose(got[i], row / norm if norm > 0 else row, rtol=1e-12)
    assert not got[3].any()


def test_nearest_neighbours_are_exact() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 7))
    idx, dist = projection.nearest_neighbours(x, 12)
    for i in range(300):
        d = np.sqrt(((x - x[i]) ** 2).sum(axis=1))
        d[i] = np.inf
        want = np.argsort(d, kind="stable")[:12]
        assert idx[i].tolist() == want.tolist()
        np.testing.assert_allclose(dist[i], d[want], rtol=1e-9, atol=1e-9)


def test_a_wide_sparse_input_gets_the_principal_subspace_without_densifying() -> None:
    rng = np.random.default_rng(2)
    n, cols, rank = 400, 3000, 8  # wider than EXACT_PCA_COLS: the randomized path
    assert cols > projection.EXACT_PCA_COLS
    basis = np.zeros((rank, cols))
    for r in range(rank):  # sparse directions of decreasing weight, plus sparse noise
        basis[r, rng.choice(cols, 40, replace=False)] = rng.uniform(0.5, 1.0, 40) * (rank - r)
    mixed = np.abs(rng.normal(size=(n, rank))) @ basis
    noise = sparse_random(n, cols, density=0.002, random_state=rng).toarray() * 0.05
    from scipy.sparse import csr_matrix

    x = csr_matrix(mixed + noise)
    got = projection.principal(x, rank)
    centred = x.toarray() - x.toarray().mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    want = u[:, :rank] * s[:rank]
    # the same components up to sign: the cosine of each pair of columns is ±1
    for c in range(rank):
        cos = got[:, c] @ want[:, c] / (np.linalg.norm(got[:, c]) * np.linalg.norm(want[:, c]))
        assert abs(cos) > 0.999, f"component {c}: cosine {cos:.4f}"
        assert got[np.abs(got[:, c]).argmax(), c] > 0  # signs fixed
    again = projection.principal(x, rank)  # fixed seed: the same numbers
    np.testing.assert_array_equal(again, got)


def test_the_map_keeps_neighbourhoods_as_well_as_opentsne_defaults() -> None:
    from openTSNE import TSNE
    from sklearn.manifold import trustworthiness

    rng = np.random.default_rng(3)
    centres = rng.normal(size=(12, 40))
    x = centres[rng.integers(0, 12, 800)] + 0.7 * rng.normal(size=(800, 40))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    ours = projection.project(x.astype(np.float32))
    theirs = TSNE(random_state=projection.SEED, n_jobs=1).fit(x)
    t_ours = trustworthiness(x, ours, n_neighbors=10)
    t_theirs = trustworthiness(x, np.asarray(theirs), n_neighbors=10)
    assert t_ours >= t_theirs - 0.01, f"trustworthiness {t_ours:.4f} vs defaults {t_theirs:.4f}"
    np.testing.assert_array_equal(projection.project(x.astype(np.float32)), ours)
