"""The regions fixture the front end replays (``js/tests/fixtures/regions.json``).

A ``Results`` with boundary-band and confident-disagreement counts (small counts from a
few values, so that shares and pixels tie), the ``band_*`` / ``conf_*`` arrays the widget
sends for it, and what the kernel says: each region's pooled and fastai mean matrices,
``Results.rank(t, p, by=..., region=...)`` for every cell, the diagonal and no selection,
``rank(..., by="confident")``, and the share of errors in the band of all images and of
a few subsets (a slice's). Written by ``make_js_fixtures.py``; ``test_js_fixtures.py``
fails when it is stale.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from segwidget import Results
from segwidget.results import metrics, regions
from segwidget.results.core import REGIONS
from segwidget.results.imaging import palette
from segwidget.results.sparse import SparseConfusion

PATH = Path(__file__).parent.parent / "js" / "tests" / "fixtures" / "regions.json"
N_IMAGES = 40
N_CLASSES = 5  # class 4 never appears in truth nor prediction
SUBSETS = [[0, 3, 5, 8, 13, 21, 34], list(range(0, N_IMAGES, 2)), [6]]


def build_results(seed: int = 11) -> Results:
    """Per-image counts ``cm_n``, a band ``bm_n <= cm_n`` and confident ``conf_n <= cm_n``
    off the diagonal; image 6 has no valid pixel, image 9 no error at all."""
    rng = np.random.default_rng(seed)
    n, c = N_IMAGES, N_CLASSES
    present = rng.random((n, c)) < 0.6
    present[:, c - 1] = False
    dense = rng.choice([0, 0, 2, 4, 8], (n, c, c)) * present[:, :, None]
    dense[:, np.arange(c), np.arange(c)] += rng.choice([0, 8, 16, 32], (n, c)) * present
    dense[:, :, c - 1] = 0
    dense[6] = 0
    dense[9] *= np.eye(c, dtype=dense.dtype)
    band = rng.binomial(dense, rng.choice([0.0, 0.5, 1.0], (n, c, c)))
    confident = rng.binomial(dense, rng.choice([0.0, 0.25, 1.0], (n, c, c)))
    confident[:, np.arange(c), np.arange(c)] = 0
    losses = rng.gamma(2.0, 0.4, n)
    losses[6] = np.nan
    return Results(
        classes=[f"class {k}" for k in range(c)],
        losses=losses,
        image_confusions=SparseConfusion.from_dense(dense),
        images=None,
        colors=palette(c),
        boundary_confusions=SparseConfusion.from_dense(band),
        confident_confusions=SparseConfusion.from_dense(confident),
        boundary_width=3,
        confidence=0.9,
    )


def _num(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _index(results: Results, which: str) -> dict[str, list[int]]:
    counts = results.confident_counts() if which == "conf" else results.counts(which)
    index = counts.cell_index
    return {"ptr": index.ptr.tolist(), "image": index.image.tolist(), "count": index.count.tolist()}


def mean_matrix(results: Results, region: str | None) -> np.ndarray:
    """``Results.mean_confusion``'s definition on a region's counts."""
    sparse = results.counts(region).sparse
    return metrics.mean_row_normalized(
        sparse.entry_image, sparse.cell, sparse.count, sparse.entry_row_totals(), results.n_classes
    )


def fixture() -> dict[str, Any]:
    results = build_results()
    losses = results.losses
    loss_range = (float(np.nanmin(losses)), float(np.nanmedian(losses)))
    cells: list[tuple[int, int] | None] = [None]
    cells += [(t, p) for t in range(N_CLASSES) for p in range(N_CLASSES)]
    cases = []
    for cell in cells:
        for by, region in [(o, r) for o in ("share", "pixels") for r in (None, *REGIONS)] + [
            ("confident", None)
        ]:
            for lr in (None, loss_range):
                ranked = results.rank(*(cell or (None, None)), by=by, loss_range=lr, region=region)
                cases.append(
                    {
                        "cell": list(cell) if cell else None,
                        "order": by,
                        "region": region or "all",
                        "loss_range": list(lr) if lr else None,
                        "indices": ranked.indices.tolist(),
                        "scores": [_num(s) for s in ranked.scores],
                    }
                )
    return {
        "C": results.n_classes,
        "N": results.n_images,
        "losses": [_num(v) for v in losses],
        "cell": _index(results, "all"),
        "band": _index(results, "boundary"),
        "conf": _index(results, "conf"),
        "regions": {
            region: {
                "pooled": results.confusion(region=region).reshape(-1).tolist(),
                "mean_cm": [_num(v) for v in mean_matrix(results, region).reshape(-1)],
                "index": _index(results, region),
            }
            for region in REGIONS
        },
        "boundary_error_share": regions.boundary_error_share(results),
        "subsets": [
            {"members": s, "boundary_error_share": _num(share_of(results, s))} for s in SUBSETS
        ],
        "cases": cases,
    }


def share_of(results: Results, members: list[int]) -> float:
    return regions.boundary_error_share(results.subset(members))


def render() -> str:
    return json.dumps(fixture(), indent=None, separators=(",", ":")) + "\n"
