"""The failure map's 2D projection of an embedding: openTSNE, fixed seed, one thread.

Chosen by measurement (bench/bench_projection.py, docs/guide/failure-map.md): at 2,000
and 10,000 points openTSNE kept neighbourhoods best (trustworthiness at k = 10), and it adds
a few MB to scikit-learn and SciPy where umap-learn adds numba and llvmlite (~210 MB) and a
JIT compile on first use. PCA is fast but tears neighbourhoods apart.

The steps, each measured against openTSNE's defaults on the same data (the bench's
``configs`` rows):

1. rows scaled to unit length (for unit vectors euclidean distance is a monotone function of
   cosine distance; an all-zero row stays at the origin), kept sparse for an error profile
   (only the cells some image has);
2. more than ``PCA_DIMS`` columns reduced to that many by PCA (the usual t-SNE
   preprocessing): exact (the covariance's eigenvectors) up to ``EXACT_PCA_COLS`` columns,
   beyond that a randomized one with a fixed seed that never densifies a sparse error profile
   (C² = 22,500 columns at 150 classes);
3. the ``3 × perplexity`` nearest neighbours found exactly (chunked distances) rather than by
   openTSNE's approximate Annoy index: faster at these sizes, and exact;
4. openTSNE's FFT gradient with two integer units per interpolation interval
   (``INTS_IN_INTERVAL``; openTSNE's default is one): its grid grows with the map's extent,
   so the late iterations cost a fraction as much;
5. 125 iterations of early exaggeration and 300 after (openTSNE's defaults: 250 and 500).

Together, at 10,000 images on a 2-core machine: a quarter to a third of the defaults' CPU
time, trustworthiness at k = 10 within 0.002 of theirs (higher on ADE20K-like error profiles).

Fewer than ``MIN_TSNE`` images, fewer than 3 distinct rows, or a t-SNE that did not stay
finite: the first two principal components.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .embedding import Embedding, ErrorProfile

SEED = 0
PCA_DIMS = 50
EXACT_PCA_COLS = 512  # wider inputs: randomized PCA (the covariance costs N·cols²)
MIN_TSNE = 16  # t-SNE's neighbourhoods need a few images beyond its perplexity's 3x
PERPLEXITY = 30.0
INTS_IN_INTERVAL = 2  # openTSNE's FFT grid: integer units of the map per interval (default 1)
EARLY_ITERATIONS = 125  # early exaggeration (openTSNE's default: 250)
ITERATIONS = 300  # after it (default: 500)
_KNN_CHUNK = 1000  # rows of distances held at once by ``nearest_neighbours``
_POWER_ITERATIONS = 6
_OVERSAMPLE = 20

Matrix = Any  # a dense array or a scipy.sparse CSR matrix


def unit_rows(vectors: Embedding) -> Matrix:
    """Rows scaled to unit length: a dense float64 array, or for an error profile a sparse
    CSR matrix over the cells some image has."""
    if isinstance(vectors, ErrorProfile):
        from scipy.sparse import csr_matrix

        used, col = np.unique(vectors.col, return_inverse=True)
        rows = np.repeat(np.arange(vectors.n_images), np.diff(vectors.ptr))
        norm = np.sqrt(np.bincount(rows, vectors.value**2, minlength=vectors.n_images))
        value = vectors.value / norm[rows]  # a stored entry is nonzero: its row's norm is too
        shape = (vectors.n_images, used.size)
        return csr_matrix((value, col.reshape(-1), vectors.ptr), shape=shape)
    dense = np.asarray(vectors, dtype=np.float64)
    norm = np.linalg.norm(dense, axis=1, keepdims=True)
    return np.divide(dense, norm, out=np.zeros_like(dense), where=norm > 0)


def _signed(out: NDArray[np.float64], dims: int) -> NDArray[np.float64]:
    """Components' signs fixed (largest entry > 0), padded with zeros to ``dims`` columns."""
    if out.size:
        sign = np.sign(out[np.abs(out).argmax(axis=0), np.arange(out.shape[1])])
        out = out * np.where(sign == 0, 1.0, sign)
    return np.pad(out, ((0, 0), (0, dims - out.shape[1])))


def principal(x: Matrix, dims: int) -> NDArray[np.float64]:
    """The first ``dims`` principal components of ``x`` (signs fixed: largest entry > 0).

    Exact (the eigenvectors of the covariance) up to ``EXACT_PCA_COLS`` columns; wider, randomized
    (``_randomized``, seed ``SEED``), so that a sparse ``x`` is never made dense.
    """
    n, cols = x.shape
    if cols == 0 or n == 0:
        return np.zeros((n, dims))
    if cols > EXACT_PCA_COLS and min(n, cols) > dims + _OVERSAMPLE:
        return _signed(_randomized(x, dims), dims)
    dense = x.toarray() if hasattr(x, "toarray") else np.asarray(x, dtype=np.float64)
    centred = dense - dense.mean(axis=0)
    # the covariance's eigenvectors: cols²·N work where an SVD of the rows costs several times it
    variance, axes = np.linalg.eigh(centred.T @ centred)
    top = np.argsort(variance, kind="stable")[::-1][:dims]
    return _signed(centred @ axes[:, top], dims)


def _randomized(x: Matrix, dims: int) -> NDArray[np.float64]:
    """Randomized PCA (Halko, Martinsson & Tropp 2011, with power iterations) of ``x``'s
    centred rows, the centring applied implicitly: ``(x − 1·μᵀ)·q = x·q − 1·(μᵀq)``."""
    rng = np.random.default_rng(SEED)
    mu = np.asarray(x.mean(axis=0)).reshape(-1)

    def times(q: NDArray[np.float64]) -> NDArray[np.float64]:  # (x − 1μᵀ) q
        return np.asarray(x @ q) - mu @ q

    def times_t(p: NDArray[np.float64]) -> NDArray[np.float64]:  # (x − 1μᵀ)ᵀ p
        return np.asarray(x.T @ p) - np.outer(mu, p.sum(axis=0))

    q, _ = np.linalg.qr(times(rng.standard_normal((x.shape[1], dims + _OVERSAMPLE))))
    for _ in range(_POWER_ITERATIONS):
        z, _ = np.linalg.qr(times_t(q))
        q, _ = np.linalg.qr(times(z))
    u, s, _ = np.linalg.svd(times_t(q).T, full_matrices=False)
    return np.asarray((q @ u[:, :dims]) * s[:dims])


def nearest_neighbours(
    x: NDArray[np.float64], k: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Each row's ``k`` nearest other rows by euclidean distance, exactly: ``(N, k)`` indices
    and distances, nearest first (equal distances by position in ``argpartition``'s output,
    which is deterministic)."""
    n = x.shape[0]
    sq = (x**2).sum(axis=1)
    idx = np.empty((n, k), dtype=np.int64)
    dist = np.empty((n, k))
    for lo in range(0, n, _KNN_CHUNK):
        rows = np.arange(lo, min(lo + _KNN_CHUNK, n))
        d2 = sq[rows, None] + sq[None, :] - 2.0 * (x[rows] @ x.T)
        d2[np.arange(rows.size), rows] = np.inf  # not its own neighbour
        near = np.argpartition(d2, k - 1, axis=1)[:, :k]
        near_d2 = np.take_along_axis(d2, near, axis=1)
        order = np.argsort(near_d2, axis=1, kind="stable")
        idx[rows] = np.take_along_axis(near, order, axis=1)
        dist[rows] = np.sqrt(np.maximum(np.take_along_axis(near_d2, order, axis=1), 0.0))
    return idx, dist


def tsne(x: NDArray[np.float64], perplexity: float = PERPLEXITY) -> NDArray[np.float32]:
    """openTSNE's embedding of ``x`` as configured above (one thread, seed ``SEED``)."""
    from openTSNE import TSNE, affinity, initialization
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    n = x.shape[0]
    perplexity = min(perplexity, (n - 1) / 3.0)
    k = min(n - 1, int(3 * perplexity))
    idx, dist = nearest_neighbours(x, k)
    affinities = affinity.PerplexityBasedNN(
        knn_index=PrecomputedNeighbors(idx, dist), perplexity=perplexity, n_jobs=1
    )
    init = initialization.pca(x, random_state=SEED)
    model = TSNE(
        perplexity=perplexity,
        ints_in_interval=INTS_IN_INTERVAL,
        early_exaggeration_iter=EARLY_ITERATIONS,
        n_iter=ITERATIONS,
        random_state=SEED,
        n_jobs=1,
        verbose=False,
    )
    return np.asarray(model.fit(affinities=affinities, initialization=init), dtype=np.float32)


def project(vectors: Embedding) -> NDArray[np.float32]:
    """The ``(N, 2)`` float32 map of ``vectors`` (deterministic: fixed seed, one thread)."""
    x = unit_rows(vectors)
    n = x.shape[0]
    # t-SNE needs some spread: too few images, or (nearly) all of them the same vector
    if n < MIN_TSNE or _distinct_rows(x) < 3:
        return principal(x, 2).astype(np.float32)
    x = principal(x, PCA_DIMS) if x.shape[1] > PCA_DIMS else _dense(x)
    xy = tsne(x)
    return xy if np.isfinite(xy).all() else principal(x, 2).astype(np.float32)


def _dense(x: Matrix) -> NDArray[np.float64]:
    return x.toarray() if hasattr(x, "toarray") else np.asarray(x, dtype=np.float64)


def _distinct_rows(x: Matrix, enough: int = 3) -> int:
    """How many distinct rows ``x`` has (rounded to 12 decimals), counting up to ``enough``."""
    seen: set[bytes] = set()
    sparse = hasattr(x, "indptr")
    for i in range(x.shape[0]):
        if sparse:
            lo, hi = x.indptr[i], x.indptr[i + 1]
            key = x.indices[lo:hi].tobytes() + (x.data[lo:hi].round(12) + 0.0).tobytes()
        else:
            key = (x[i].round(12) + 0.0).tobytes()  # + 0.0: -0.0 is 0.0
        seen.add(key)
        if len(seen) >= enough:
            break
    return len(seen)
