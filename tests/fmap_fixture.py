"""The failure-map fixture the front end replays (``js/tests/fixtures/fmap.json``).

A ``Results`` with small whole-number features (exact dot products, and repeated
directions: ties) and error profiles with perfect images (all-zero vectors); the bytes
``view/fmap.py`` sends for it (base64; the map's coordinates are drawn at random here, as
the t-SNE map's bits are the projection library's, not the protocol's); and what the
kernel says: the points in boxes and lassos (``in_box``, ``in_lasso``), every image's
``Results.similar(i, k)``, and a similar ranking restricted to a selection. Written by
``make_js_fixtures.py``; ``test_js_fixtures.py`` fails when it is stale.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np

from segwidget import Results
from segwidget.results.fmap import in_box, in_lasso, restrict
from segwidget.results.imaging import palette
from segwidget.results.sparse import SparseConfusion
from segwidget.view.fmap import map_arrays

PATH = Path(__file__).parent.parent / "js" / "tests" / "fixtures" / "fmap.json"
N_IMAGES = 36
N_CLASSES = 4
K = 5
BOXES = [(-0.5, -0.5, 0.5, 0.5), (1.0, 0.2, -1.2, -0.9), (5, 5, 6, 6), (-3, -3, 3, 3)]
LASSOS = [
    [(0.0, 0.0), (2.0, 0.0), (0.0, 2.0)],
    [(-1.5, -1.0), (1.5, -1.2), (0.2, 0.1), (1.4, 1.3), (-1.2, 1.1)],  # not convex
]


def build_results(seed: int = 5) -> Results:
    rng = np.random.default_rng(seed)
    n, c = N_IMAGES, N_CLASSES
    dense = rng.choice([0, 0, 1, 3], (n, c, c))
    dense[::7] = np.diag([4, 0, 2, 1])  # perfect images: all-zero profiles
    features = rng.integers(-3, 4, (n, 6)).astype(np.float16)
    features[10] = features[3] * 2  # the same direction: ties at distance 0
    features[11] = features[3]
    features[20] = 0
    results = Results(
        classes=[f"k{j}" for j in range(c)],
        losses=rng.random(n),
        image_confusions=SparseConfusion.from_dense(dense),
        images=None,
        colors=palette(c),
        features=features,
    )
    results.maps["features"] = rng.normal(size=(n, 2)).astype(np.float32)
    results.maps["errors"] = rng.normal(size=(n, 2)).astype(np.float32)
    return results


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def fixture() -> dict[str, Any]:
    results = build_results()
    out: dict[str, Any] = {"N": N_IMAGES, "K": K, "kinds": {}}
    for kind in ("errors", "features"):
        arrays = map_arrays(results, kind, K)
        xy = results.map(kind)
        similar = [results.similar(i, K, kind=kind) for i in range(N_IMAGES)]
        every_other = np.arange(0, N_IMAGES, 2)
        out["kinds"][kind] = {
            "map_kind": arrays["map_kind"],
            "map_k": arrays["map_k"],
            **{name: _b64(arrays[name]) for name in ("map_xy", "map_neighbors", "map_distances")},
            "boxes": [{"box": list(b), "indices": in_box(xy, *b).tolist()} for b in BOXES],
            "lassos": [
                {
                    "polygon": [list(p) for p in ring],
                    "indices": in_lasso(xy, np.array(ring)).tolist(),
                }
                for ring in LASSOS
            ],
            "similar": [
                {"indices": s.indices.tolist(), "scores": s.scores.astype(np.float32).tolist()}
                for s in similar
            ],
            "restricted": {
                "image": 3,
                "selection": every_other.tolist(),
                "indices": restrict(similar[3], every_other).indices.tolist(),
            },
        }
    return out


def render() -> str:
    return json.dumps(fixture(), indent=None, separators=(",", ":")) + "\n"
