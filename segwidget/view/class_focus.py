"""Which classes the heatmap focuses on when there are too many to show: the most confused ones.

``js/src/data/classview.ts`` (``focusClasses``) implements the same rule; tests hold the two equal.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def focus_classes(pooled: NDArray[np.integer], k: int) -> list[int]:
    """The ``k`` classes most involved in confusion, in index order.

    The classes of the most confused pairs, taken in the order of ``Results.most_confused``
    (pixels, then share of the true class, then class order), each pair adding its true
    then its predicted class; when fewer than ``k`` classes are confused at all, the rest
    by their pixels in truth plus prediction, then index.

    Parameters
    ----------
    pooled
        The pooled ``(C, C)`` confusion counts.
    k
        How many classes (clipped to ``0..C``).
    """
    cm = np.asarray(pooled, dtype=np.int64)
    n = cm.shape[0]
    want = max(0, min(n, int(k)))
    rows = cm.sum(axis=1)
    off = cm.copy()
    np.fill_diagonal(off, 0)
    t, p = np.nonzero(off)
    share = off[t, p] / rows[t]
    chosen: list[int] = []
    for a, b in zip(*(v[np.lexsort((p, t, -share, -off[t, p]))] for v in (t, p)), strict=True):
        for c in (int(a), int(b)):
            if len(chosen) < want and c not in chosen:
                chosen.append(c)
        if len(chosen) >= want:
            break
    if len(chosen) < want:
        involvement = rows + cm.sum(axis=0)
        rest = [c for c in np.lexsort((np.arange(n), -involvement)).tolist() if c not in chosen]
        chosen += rest[: want - len(chosen)]
    return sorted(chosen)
