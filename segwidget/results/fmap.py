"""A map of failures (issue 20): ``Results`` questions on the two embeddings of each image.

``FailureMap`` is a mixin that ``Results`` inherits: ``embedding``, ``similar``, ``map``,
``neighbours``. The definitions (embeddings, cosine distances, ties) are in ``embedding``;
the 2D projection is in ``projection``. Selections on the map (a box, a lasso) are here
too, as the browser makes them (``js/src/data/fmap.ts``; a fixture holds the two equal).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import embedding as emb
from .ranking import Ranking
from .sparse import SparseConfusion

NEIGHBOURS = 20  # "more like this": the nearest images the browser gets per image
# held while a map (or the error profile) is computed and cached: a map asked for on two
# threads at once (the explorer's background thread, the user's cell) is computed once and
# never seen half-made; one projection at a time also keeps a 2-core machine usable
_CACHE_LOCK = threading.RLock()


class FailureMap:
    """``Results``' failure-map questions (see the module)."""

    # the Results fields these questions read (declared here for the type checker)
    losses: NDArray[np.float64]
    image_confusions: SparseConfusion
    features: NDArray[np.float16] | NDArray[np.float32] | None
    maps: dict[str, NDArray[np.float32]]
    _profiles: dict[str, Any]

    def embedding_kind(self, kind: str | None = None) -> str:
        """``kind`` checked; ``None`` → ``"features"`` when captured, else ``"errors"``."""
        if kind is None:
            return "errors" if self.features is None else "features"
        if kind not in emb.KINDS:
            raise ValueError(f"kind must be None, 'errors' or 'features'; got {kind!r}")
        if kind == "features" and self.features is None:
            raise ValueError(
                "kind='features' needs model features: analyse with "
                "analyze(..., embed='a.submodule') or embed=fn"
            )
        return kind

    def embedding(self, kind: str | None = None) -> Any:
        """The ``(N, D)`` embedding vectors of every image.

        Parameters
        ----------
        kind
            ``"errors"``: the error profile, a ``scipy.sparse.csr_array`` of shape
            ``(N, C²)`` (entry ``t·C + p``: the share of the image's true-``t`` pixels
            predicted ``p``, ``p ≠ t``); ``"features"``: the captured model features,
            ``(N, D)`` float16; ``None``: features when captured, else errors.
        """
        kind = self.embedding_kind(kind)
        if kind == "features":
            return self.features
        from scipy.sparse import csr_array

        p = self.error_profile()
        return csr_array((p.value, p.col, p.ptr), shape=(self.losses.size, p.n_cols))

    def error_profile(self) -> emb.ErrorProfile:
        """The error-profile embedding in CSR form (derived from the counts, cached)."""
        with _CACHE_LOCK:
            if "errors" not in self._profiles:
                self._profiles["errors"] = emb.error_profile(self.image_confusions)
        profile: emb.ErrorProfile = self._profiles["errors"]
        return profile

    def _vectors(self, kind: str) -> emb.Embedding:
        return self.error_profile() if kind == "errors" else self.features  # type: ignore[return-value]

    def similar(self, i: int, k: int = NEIGHBOURS, kind: str | None = None) -> Ranking:
        """ "More like this": the ``k`` images nearest to image ``i`` (``i`` excluded).

        Exact, in the full embedding (not the 2D map). Scores are cosine distances in
        float64, ascending; an all-zero vector is at distance 1 from every image; distances
        within ``1e-9`` of the previous one are ties, ordered by lower index.
        """
        if isinstance(i, bool) or not isinstance(i, int | np.integer):
            raise TypeError(f"i is an image index, not {type(i).__name__}")
        if not 0 <= int(i) < self.losses.size:
            raise IndexError(f"image index {i} out of range for {self.losses.size} images")
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 0:
            raise ValueError(f"k must be a whole number >= 0, got {k!r}")
        cosine = emb.Cosine(self._vectors(self.embedding_kind(kind)))
        dist = cosine.distances(np.array([int(i)]))[0]
        return emb.nearest(dist, int(i), min(int(k), self.losses.size - 1))

    def neighbours(
        self, kind: str | None = None, k: int = NEIGHBOURS
    ) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
        """Every image's ``similar(i, k)`` as ``(N, k)`` int32 indices (``-1`` past the
        last image) and float32 distances: what the browser and the report embed."""
        return emb.neighbours(self._vectors(self.embedding_kind(kind)), k)

    def map(self, kind: str | None = None) -> NDArray[np.float32]:
        """The 2D map of an embedding, ``(N, 2)`` float32: computed once (fixed seed),
        cached here and saved with the results (``projection`` says how). Thread-safe: a
        second thread asking while the first computes it waits and gets the same array."""
        from .projection import project

        kind = self.embedding_kind(kind)
        with _CACHE_LOCK:  # computed once, whichever thread asks first; the others wait
            if kind not in self.maps:
                self.maps[kind] = project(self._vectors(kind))
            return self.maps[kind]


def in_box(
    xy: NDArray[np.float32], x0: float, y0: float, x1: float, y1: float
) -> NDArray[np.int64]:
    """Indices of the points inside the box (edges included; corners in any order)."""
    u, v = xy[:, 0].astype(np.float64), xy[:, 1].astype(np.float64)
    lo_x, hi_x = min(x0, x1), max(x0, x1)
    lo_y, hi_y = min(y0, y1), max(y0, y1)
    return np.flatnonzero((u >= lo_x) & (u <= hi_x) & (v >= lo_y) & (v <= hi_y)).astype(np.int64)


def in_lasso(xy: NDArray[np.float32], polygon: NDArray[np.float64]) -> NDArray[np.int64]:
    """Indices of the points inside ``polygon`` (``(M, 2)`` vertices, closed implicitly) by
    the even-odd rule: a horizontal ray from the point crosses its edges an odd number of times."""
    u, v = xy[:, 0].astype(np.float64), xy[:, 1].astype(np.float64)
    inside = np.zeros(u.size, dtype=bool)
    m = len(polygon)
    for a in range(m):
        ax, ay = polygon[a]
        bx, by = polygon[(a + 1) % m]
        straddles = (ay > v) != (by > v)
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = ax + (v - ay) * (bx - ax) / (by - ay)
        inside ^= straddles & (u < cross)
    return np.flatnonzero(inside).astype(np.int64)


def restrict(ranking: Ranking, indices: NDArray[np.int64]) -> Ranking:
    """``ranking`` keeping only ``indices`` (a map selection), order unchanged."""
    keep = np.isin(ranking.indices, indices)
    return Ranking(ranking.indices[keep], ranking.scores[keep])
