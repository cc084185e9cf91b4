"""The failure map's protocol fields (PROTOCOL.md, "A map of failures"): binary, little-endian.

``map_xy``: ``Results.map(kind)`` as float32 ``(N, 2)`` row-major; ``map_neighbors``: each
image's ``Results.similar(i, k)`` as int32 ``(N, k)`` (``-1`` past the last image);
``map_distances``: their cosine distances as float32 (NaN there). The browser selects
on the map and ranks "more like this" from these alone (``js/src/data/fmap.ts``), so the
offline report embeds the same bytes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..results.core import Results
from ..results.fmap import NEIGHBOURS


def map_arrays(results: Results, kind: str | None = None, k: int = NEIGHBOURS) -> dict[str, Any]:
    """The map's state: ``map_kind``, ``map_k`` and the three binary arrays."""
    kind = results.embedding_kind(kind)
    neighbors, distances = results.neighbours(kind, k)
    return {
        "map_kind": kind,
        "map_k": int(k),
        "map_xy": results.map(kind).astype("<f4").tobytes(),
        "map_neighbors": neighbors.astype("<i4").tobytes(),
        "map_distances": distances.astype("<f4").tobytes(),
    }


def parse_similar_to(value: Any, n_images: int) -> int | None:
    """``explorer.similar_to`` from the browser: an image index, else ``None`` (no error)."""
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < n_images
    return value if ok else None


def parse_map_selection(value: Any, n_images: int) -> list[int] | None:
    """``explorer.map_selection`` from the browser: unique in-range indices, else ``None``."""
    if not isinstance(value, list) or len(value) > n_images:
        return None
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n_images for i in value):
        return None
    return value if np.unique(np.asarray(value, dtype=np.int64)).size == len(value) else None
