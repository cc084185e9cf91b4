"""The slices fixture the front end replays (``js/tests/fixtures/slices.json``).

A ``Results`` with metadata (text with hostile and non-ASCII values, booleans, numbers
with NaN and inf, image sizes) and tags, the ``columns``/``column_data`` the widget sends
for it, and for each slice (as the ``slice`` trait holds it) what the kernel says:
``Results.where(...)``'s members, pooled matrix, fastai mean matrix, header summary, most
confused pairs and rankings, mapped to the full results' image indices. Written by
``make_js_fixtures.py``; ``test_js_fixtures.py`` fails when it is stale.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from segwidget import Results
from segwidget.results import slices
from segwidget.results.imaging import palette
from segwidget.results.sparse import SparseConfusion
from segwidget.view import protocol
from segwidget.view.slices import column_state, trait_condition

PATH = Path(__file__).parent.parent / "js" / "tests" / "fixtures" / "slices.json"
N_IMAGES = 150  # > 128: numpy's pairwise sum splits the losses in halves
N_CLASSES = 10  # >= 8: the mean IoU sums with eight accumulators
XSS = "<img src=x onerror=window.__xss=1>"
CITIES = ["bonn", "ulm", "köln", XSS, ""]
SLICES: list[dict[str, Any]] = [
    {"city": ["bonn"]},
    {"city": ["bonn", "köln"], "night": [True]},
    {"night": False},
    {"exposure": [0.8, 1.1]},
    {"exposure": [None, 1.0], "cars": [1, 3]},
    {"exposure": [None, None]},  # every image with a value (NaN meets no range)
    {"exposure": [1.2, math.inf]},  # inf as hi is no bound: the +inf images are in
    {"tag:relabel": True},
    {"tag:relabel": [False], "city": ["ulm", XSS]},
    {"image:height": [96, None]},
    {"pixels:class 2": [40, None]},
    {"cars": [2, 2], "night": [True, False]},
    {"city": ["nowhere"]},  # a value no image has
    {"city": []},  # no value at all: no image
]
CELLS: list[tuple[int, int] | None] = [None, (0, 1), (2, 3), (4, 2), (1, 0), (0, 0), (3, 3), (9, 9)]


def build_results(seed: int = 5) -> Results:
    rng = np.random.default_rng(seed)
    n, c = N_IMAGES, N_CLASSES
    present = rng.random((n, c)) < 0.5
    present[:, 9] = False  # class 9 is never in truth...
    dense = rng.integers(1, 60, (n, c, c)) * (rng.random((n, c, c)) < 0.3)
    dense *= present[:, :, None]
    dense[:, np.arange(c), np.arange(c)] += rng.integers(0, 400, (n, c)) * present
    dense[:, :, 9] = 0  # ...nor predicted: its IoU is undefined
    dense[7] = 0  # an image without a valid pixel
    losses = rng.gamma(2.0, 0.4, n)
    losses[[7, 40]] = np.nan
    losses[90] = np.inf
    exposure = rng.uniform(0.6, 1.4, n)
    exposure[[3, 50, 51]] = np.nan
    exposure[[60, 61]] = [np.inf, -np.inf]
    return Results(
        classes=[f"class {k}" for k in range(c)],
        losses=losses,
        image_confusions=SparseConfusion.from_dense(dense),
        images=None,
        colors=palette(c),
        image_sizes=np.stack([rng.choice([64, 96, 128], n), np.full(n, 128)], axis=1),
        metadata={
            "city": np.array(CITIES)[rng.integers(0, len(CITIES), n)],
            "night": rng.random(n) < 0.3,
            "exposure": exposure,
            "cars": rng.integers(0, 6, n),
        },
        tags={"relabel": sorted(rng.choice(n, 30, replace=False).tolist()), XSS: [1, 2, 3]},
    )


def _num(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _value(value: Any) -> Any:
    """JSON has no NaN or infinity: null and "inf" / "-inf"."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _case(results: Results, spec: dict[str, Any]) -> dict[str, Any]:
    cols = slices.image_columns(results)
    conditions = slices.validate_slice(spec, cols)
    idx = slices.slice_indices(results, spec)
    part = results.where(spec)
    rankings = []
    for cell in CELLS:
        for order in ("share", "pixels"):
            ranked = part.rank(*(cell or (None, None)), by=order)
            rankings.append(
                {
                    "cell": list(cell) if cell else None,
                    "order": order,
                    "indices": idx[ranked.indices].tolist(),  # the full results' image indices
                    "scores": [_value(s) for s in ranked.scores.tolist()],
                }
            )
    return {
        "slice": {name: trait_condition(name, c) for name, c in conditions.items()},
        "members": idx.tolist(),
        "pooled": part.confusion().reshape(-1).tolist(),
        "mean_cm": [_num(v) for v in part.mean_confusion().reshape(-1)],
        "summary": protocol.summary(part),
        "most_confused": [
            [part.class_index(m.true), part.class_index(m.pred)]
            for m in part.most_confused(k=N_CLASSES**2)
        ],
        "rankings": rankings,
    }


def fixture() -> dict[str, Any]:
    results = build_results()
    index = results.cell_index
    descriptor, data = column_state(results)
    return {
        "C": results.n_classes,
        "N": results.n_images,
        "classes": results.classes,
        "cell_ptr": index.ptr.tolist(),
        "cell_image": index.image.tolist(),
        "cell_count": index.count.tolist(),
        "losses": [_value(v) for v in results.losses.tolist()],
        "metadata": {  # the columns as values, to check the browser's decoding
            name: [_value(v) for v in column.tolist()] for name, column in results.metadata.items()
        },
        "columns": descriptor,
        "column_data": base64.b64encode(data).decode(),
        "tags": results.tags,
        "cases": [_case(results, spec) for spec in SLICES],
    }


def render() -> str:
    return json.dumps(fixture(), indent=None, separators=(",", ":"), ensure_ascii=False) + "\n"
