"""The two embeddings of a failure map and exact cosine neighbours in them (issue 20).

*errors*: per image, its row-normalised confusion with the diagonal set to zero, flattened
(entry ``t·C + p`` = the share of the image's valid true-``t`` pixels predicted ``p``,
``p ≠ t``), a sparse vector of length C². It is derived from ``image_confusions`` on
demand, not stored: the counts already hold it exactly, and deriving it costs one pass
over the nonzero entries (bench/bench_fmap.py's ``profile`` row).

*features*: what ``analyze(..., embed=...)`` captured, ``(N, D)`` float16.

Distances are cosine distances ``1 − a·b / (|a| |b|)`` in float64; an all-zero vector is
at distance 1 from every image (itself included). A ranking sorts by distance, and a run
of distances each within ``TIE`` of the one before is a tie, ordered by lower index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .ranking import Ranking
from .sparse import SparseConfusion

KINDS = ("errors", "features")
MAX_WIDTH = 2048  # widest feature vector kept: 10,000 images x 2048 x float16 = 41 MB
TIE = 1e-9  # distances closer than this are ties (float64 rounding of one dot product)
_CHUNK = 1024  # rows of distances held at once by ``neighbours``


@dataclass(frozen=True)
class ErrorProfile:
    """The *errors* embedding in CSR form: image ``n``'s nonzero entries are
    ``col[ptr[n]:ptr[n+1]]`` (cell ids ``t·C + p``, ascending) with ``value[same]``."""

    n_cols: int
    ptr: NDArray[np.int64]
    col: NDArray[np.int64]
    value: NDArray[np.float64]

    @property
    def n_images(self) -> int:
        return self.ptr.size - 1

    def dense(self) -> NDArray[np.float64]:
        """``(N, C²)`` dense rows (only for small ``N·C²``)."""
        out = np.zeros((self.n_images, self.n_cols))
        rows = np.repeat(np.arange(self.n_images), np.diff(self.ptr))
        out[rows, self.col] = self.value
        return out


def error_profile(sparse: SparseConfusion) -> ErrorProfile:
    """The *errors* embedding of every image, from its sparse confusion counts."""
    c = sparse.n_classes
    off = sparse.cell // c != sparse.cell % c
    share = sparse.count / np.maximum(sparse.entry_row_totals(), 1)
    image = sparse.entry_image[off]
    ptr = np.zeros(sparse.n_images + 1, dtype=np.int64)
    np.cumsum(np.bincount(image, minlength=sparse.n_images), out=ptr[1:])
    return ErrorProfile(c * c, ptr, sparse.cell[off], share[off])


Embedding = ErrorProfile | NDArray[np.float16] | NDArray[np.float32]


class Cosine:
    """Exact cosine distances between the rows of one embedding (float64 throughout)."""

    def __init__(self, embedding: Embedding) -> None:
        if isinstance(embedding, ErrorProfile):
            self._profile: ErrorProfile | None = embedding
            self._rows = np.repeat(np.arange(embedding.n_images), np.diff(embedding.ptr))
            sq = np.bincount(self._rows, embedding.value**2, minlength=embedding.n_images)
            self.n_images = embedding.n_images
        else:
            self._profile = None
            self._dense = np.asarray(embedding, dtype=np.float64)
            sq = (self._dense**2).sum(axis=1)
            self.n_images = self._dense.shape[0]
        self.norm = np.sqrt(sq)

    def _dots(self, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        """``(len(rows), N)`` dot products of ``rows`` with every image."""
        if self._profile is None:
            return self._dense[rows] @ self._dense.T
        p = self._profile
        out = np.zeros((rows.size, self.n_images))
        lookup = np.zeros(p.n_cols)
        for r, i in enumerate(rows):
            lo, hi = p.ptr[i], p.ptr[i + 1]
            if lo == hi:
                continue
            lookup[p.col[lo:hi]] = p.value[lo:hi]
            out[r] = np.bincount(self._rows, p.value * lookup[p.col], minlength=self.n_images)
            lookup[p.col[lo:hi]] = 0.0
        return out

    def distances(self, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        """``(len(rows), N)`` cosine distances; 1 wherever either vector is all zero."""
        denom = self.norm[rows, None] * self.norm[None, :]
        dots = self._dots(rows)
        out = np.ones_like(dots)
        np.divide(dots, denom, out=out, where=denom > 0)
        return np.where(denom > 0, 1.0 - out, 1.0)


def tie_order(indices: NDArray[np.int64], dist: NDArray[np.float64]) -> NDArray[np.int64]:
    """Positions of ``indices`` in ranking order: distance ascending, runs of distances each
    within ``TIE`` of the previous one (a tie) by lower index."""
    by_dist = np.lexsort((indices, dist))
    gaps = np.diff(dist[by_dist]) > TIE
    run = np.concatenate([[0], np.cumsum(gaps)])
    return by_dist[np.lexsort((indices[by_dist], run))]


def nearest(dist: NDArray[np.float64], i: int, k: int) -> Ranking:
    """The ``k`` images nearest to image ``i`` given its distances to all, ``i`` excluded."""
    others = np.flatnonzero(np.arange(dist.size) != i)
    d = dist[others]
    if k < others.size:  # the k smallest, widened to whole runs of ties at the cut
        cut = np.partition(d, k - 1)[k - 1]
        while True:
            keep = d <= cut + TIE
            wider = d[keep].max()
            if wider <= cut:
                break
            cut = wider
        others, d = others[keep], d[keep]
    order = tie_order(others, d)[:k]
    return Ranking(others[order].astype(np.int64), d[order])


def neighbours(embedding: Embedding, k: int) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
    """Every image's ``k`` nearest images (``(N, k)`` int32, ``-1`` past the last image)
    and their distances (float32, NaN there): the lists the browser's "more like this" uses."""
    cosine = Cosine(embedding)
    n = cosine.n_images
    k_eff = min(k, max(n - 1, 0))
    idx = np.full((n, k), -1, dtype=np.int32)
    dist = np.full((n, k), np.nan, dtype=np.float32)
    for lo in range(0, n, _CHUNK):
        rows = np.arange(lo, min(lo + _CHUNK, n))
        block = cosine.distances(rows)
        for r, i in enumerate(rows):
            ranked = nearest(block[r], int(i), k_eff)
            idx[i, :k_eff] = ranked.indices
            dist[i, :k_eff] = ranked.scores
    return idx, dist
