"""The calibration fixture the front end replays (``js/tests/fixtures/calibration.json``).

A ``Results`` with calibration counts (numpy only, so the file is the same on every
machine; slot ``n_bins``, confidence exactly 1.0, is used), the ``calib_*`` arrays the
widget sends, and what the kernel says: per slice (``Results.where`` on a metadata column)
and per class, ``calibration()``, ``ece()`` and ``mce()``; ``rank(by="overconfident")``
for all images and each class; ``rank_calibration_bin`` for every bin, with and without a
class. Written by ``make_js_fixtures.py``; ``test_js_fixtures.py`` fails when it is stale.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import calibrations
import numpy as np

from segwidget import Results
from segwidget.results.imaging import palette
from segwidget.results.sparse import SparseConfusion

PATH = Path(__file__).parent.parent / "js" / "tests" / "fixtures" / "calibration.json"
N_IMAGES, N_CLASSES, BINS = 30, 4, 6
CITIES = ("bonn", "ulm", "köln")
SLICES: list[dict[str, Any]] = [{}, {"city": ["bonn"]}, {"city": ["ulm", "köln"]}, {"city": []}]


def build_results(seed: int = 5) -> Results:
    """Per-image confusions (class 3 never predicted, class 2 rarely; image 4 without valid
    pixels) and calibration counts agreeing with them."""
    rng = np.random.default_rng(seed)
    n, c = N_IMAGES, N_CLASSES
    dense = rng.choice([0, 0, 1, 3, 6], (n, c, c))
    dense[:, :, c - 1] = 0
    dense[:, :, 2] = 0  # class 2 predicted at three pixels only: empty bins
    dense[0, 2, 2], dense[1, 0, 2] = 2, 1
    dense[4] = 0
    return Results(
        classes=[f"class {k}" for k in range(c)],
        losses=rng.random(n),
        image_confusions=SparseConfusion.from_dense(dense),
        images=None,
        colors=palette(c),
        metadata={"city": np.array([CITIES[i % 3] for i in range(n)])},
        calibration_counts=calibrations.counts_for(dense, BINS, rng),
    )


def _num(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _table(results: Results, cls: int | None) -> dict[str, list[float | None]]:
    table = results.calibration(by_class=cls is not None)
    if cls is not None:
        table = table[table["class"] == results.classes[cls]]
    return {
        name: [_num(v) for v in table[name]]
        for name in ("lo", "hi", "count", "accuracy", "confidence")
    }


def _ranked(ranking: Any) -> dict[str, list]:
    return {"indices": ranking.indices.tolist(), "scores": [float(s) for s in ranking.scores]}


def fixture() -> dict[str, Any]:
    results = build_results()
    counts = results.calibration_counts
    assert counts is not None
    classes: list[int | None] = [None, *range(N_CLASSES)]
    slices = []
    for spec in SLICES:
        part = results.where(spec)
        slices.append(
            {
                "slice": spec,
                "members": part.dataset_index().tolist(),
                "classes": [
                    {
                        "cls": c,
                        "table": _table(part, c),
                        "ece": _num(part.ece(c)),
                        "mce": _num(part.mce(c)),
                    }
                    for c in classes
                ],
            }
        )
    return {
        "C": N_CLASSES,
        "N": N_IMAGES,
        "bins": BINS,
        "ptr": counts.ptr.tolist(),
        "key": counts.key.tolist(),
        "count": counts.count.tolist(),
        "sum": counts.conf_sum.tolist(),
        "slices": slices,
        "overconfident": [
            {"cls": c, **_ranked(results.rank(c, c, by="overconfident"))} for c in classes
        ],
        "bins_ranked": [
            {"slot": s, "cls": c, **_ranked(results.rank_calibration_bin(s, c))}
            for s in range(BINS + 1)
            for c in classes
        ],
    }


def render() -> str:
    return json.dumps(fixture(), indent=None, separators=(",", ":"), ensure_ascii=False) + "\n"
