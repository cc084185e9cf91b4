"""The failure map's 2D projection of an embedding: openTSNE, fixed seed, one thread.

Chosen by measurement (bench/bench_projection.py, docs/guide/failure-map.md): at 2,000
and 10,000 points openTSNE kept neighbourhoods best (trustworthiness at k = 10) within the
time target, and it adds a few MB to scikit-learn and SciPy where umap-learn adds numba
and llvmlite (~210 MB) and a JIT compile on first use. PCA is fast but tears
neighbourhoods apart.

Input: rows scaled to unit length (for unit vectors euclidean distance is a monotone
function of cosine distance), an all-zero row left at the origin; more than ``PCA_DIMS``
columns are first reduced to that many by PCA (the usual t-SNE preprocessing). Fewer
than ``MIN_TSNE`` images, fewer than 3 distinct rows, or a t-SNE that did not stay finite:
the first two principal components.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .embedding import Embedding, ErrorProfile

SEED = 0
PCA_DIMS = 50
MIN_TSNE = 16  # t-SNE's neighbourhoods need a few images beyond its perplexity's 3x
PERPLEXITY = 30.0


def unit_rows(vectors: Embedding) -> NDArray[np.float64]:
    """Dense rows scaled to unit length; an error profile keeps only the cells some image has."""
    if isinstance(vectors, ErrorProfile):
        used, col = np.unique(vectors.col, return_inverse=True)
        dense = np.zeros((vectors.n_images, used.size))
        rows = np.repeat(np.arange(vectors.n_images), np.diff(vectors.ptr))
        dense[rows, col] = vectors.value
    else:
        dense = np.asarray(vectors, dtype=np.float64)
    norm = np.linalg.norm(dense, axis=1, keepdims=True)
    return np.divide(dense, norm, out=np.zeros_like(dense), where=norm > 0)


def principal(x: NDArray[np.float64], dims: int) -> NDArray[np.float64]:
    """The first ``dims`` principal components of ``x`` (signs fixed: largest entry > 0)."""
    centred = x - x.mean(axis=0)
    if centred.shape[1] == 0 or centred.shape[0] == 0:
        return np.zeros((x.shape[0], dims))
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    out = u[:, :dims] * s[:dims]
    sign = np.sign(out[np.abs(out).argmax(axis=0), np.arange(out.shape[1])])
    out = out * np.where(sign == 0, 1.0, sign)
    return np.pad(out, ((0, 0), (0, dims - out.shape[1])))


def project(vectors: Embedding) -> NDArray[np.float32]:
    """The ``(N, 2)`` float32 map of ``vectors`` (deterministic: fixed seed, one thread)."""
    x = unit_rows(vectors)
    n = x.shape[0]
    # t-SNE needs some spread: too few images, or (nearly) all of them the same vector
    if n < MIN_TSNE or np.unique(x.round(12), axis=0).shape[0] < 3:
        return principal(x, 2).astype(np.float32)
    if x.shape[1] > PCA_DIMS:
        x = principal(x, PCA_DIMS)
    from openTSNE import TSNE

    tsne = TSNE(
        perplexity=min(PERPLEXITY, (n - 1) / 3.0),
        random_state=SEED,
        n_jobs=1,
        verbose=False,
    )
    xy = np.asarray(tsne.fit(x), dtype=np.float32)
    return xy if np.isfinite(xy).all() else principal(x, 2).astype(np.float32)
