"""The objects fixture the front end replays (``js/tests/fixtures/objects.json``).

A real pass over blocky scenes with touching objects and noisy predictions, the two traits
``view/objects.py`` sends for it, and what the kernel says: ``Results.rank(t, p, by=...)``
for "missed" and "false" over many selections, ``rank_objects`` per size bin (COCO's and
each class's terciles), and ``object_table``, for all images and for slices (a slice is
``Results.subset``: its own terciles); the terciles' edges themselves per slice and class, and
``np.quantile`` of sizes whose terciles are interpolated. Written by ``make_js_fixtures.py``;
``test_js_fixtures.py`` fails when it is stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

import segwidget
from segwidget.view import objects as object_state

PATH = Path(__file__).parent.parent / "js" / "tests" / "fixtures" / "objects.json"
N_IMAGES, N_CLASSES = 30, 4
SLICES: list[list[int] | None] = [None, [0, 2, 3, 5, 8, 13, 21, 29], list(range(1, N_IMAGES, 2))]
SELECTIONS = [(None, None), (0, 0), (1, 1), (2, 2), (3, 3), (1, 2), (2, 0), (0, 3)]


def build_results() -> segwidget.Results:
    """Blocks of 24 × 20 px (sizes repeat: ties), two images mostly one class (large objects),
    a third of the blocks predicted as class 0, specks of class 3 (small false objects)."""
    rng = np.random.default_rng(21)
    truth = rng.integers(0, N_CLASSES, (N_IMAGES, 5, 6)).repeat(24, 1).repeat(20, 2)
    truth[[0, 7], :96] = 2
    pred = np.where(rng.random((N_IMAGES, 5, 6)).repeat(24, 1).repeat(20, 2) < 0.3, 0, truth)
    pred = np.where(rng.random(truth.shape) < 0.002, 3, pred)
    truth[4, :10] = 255
    logits = torch.nn.functional.one_hot(torch.as_tensor(pred), N_CLASSES).permute(0, 3, 1, 2)
    batches = [
        (logits[i : i + 8].float(), torch.as_tensor(truth[i : i + 8]))
        for i in range(0, N_IMAGES, 8)
    ]
    classes = [f"class {c}" for c in range(N_CLASSES)]
    return segwidget.analyze(
        torch.nn.Identity(), batches, classes, progress=False, keep_images=False
    )


def fixture() -> dict[str, Any]:
    results = build_results()
    state = object_state.state(results)
    cases, tables = [], []
    for members in SLICES:
        part = results if members is None else results.subset(members)
        back = np.arange(results.n_images) if members is None else np.asarray(members)
        for binning in ("coco", "terciles"):
            table = part.object_table(binning)
            counts = {k: table[k].tolist() for k in ("objects", "missed")}
            tables.append({"slice": members, "binning": binning, **counts})
        for order in ("missed", "false"):
            for t, p in SELECTIONS:
                sizes: list[int | None] = (
                    [None] if order == "false" or t is None else [None, 0, 1, 2]
                )
                for size in sizes:
                    for binning in ("coco", "terciles") if size is not None else ("coco",):
                        ranked = part.rank_objects(t, p, by=order, size=size, bins=binning)
                        case = {"t": t, "p": p, "size": size, "binning": binning}
                        cases.append({"slice": members, "order": order, **case,
                                      "indices": back[ranked.indices].tolist(),
                                      "scores": ranked.scores.tolist()})  # fmt: skip
    return {
        "N": results.n_images,
        "C": results.n_classes,
        "truth": np.frombuffer(state["objects_truth"], "<i4").tolist(),
        "false": np.frombuffer(state["objects_false"], "<i4").tolist(),
        "cases": cases,
        "tables": tables,
        "edges": tercile_edges(results),
        "quantiles": quantile_cases(),
    }


def tercile_edges(results: segwidget.Results) -> list[dict[str, Any]]:
    """Per slice and class: ``np.quantile`` (default method) of its truth objects' sizes at 1/3
    and 2/3, the edges ``Results.object_table(bins="terciles")`` bins by (null: no objects)."""
    frame = results.objects()
    out = []
    for members in SLICES:
        inside = frame if members is None else frame[frame["image"].isin(members)]
        for c, name in enumerate(results.classes):
            sizes = inside[inside["class"] == name]["pixels"].to_numpy(np.float64)
            edges = np.quantile(sizes, [1 / 3, 2 / 3]).tolist() if sizes.size else None
            out.append({"slice": members, "class": c, "edges": edges})
    return out


def quantile_cases() -> list[dict[str, Any]]:
    """Sizes whose terciles fall between two values (interpolated), of every length 1..9 and
    of large, tied and one-pixel sizes, with ``np.quantile(sizes, [1/3, 2/3])``."""
    rng = np.random.default_rng(5)
    cases = [rng.integers(1, 5_000_000, n).tolist() for n in range(1, 10)]
    cases += [[1, 1, 1, 2], [7, 7], [1, 3, 3, 3, 1_048_576], rng.integers(1, 40, 31).tolist()]
    return [{"sizes": c, "edges": np.quantile(c, [1 / 3, 2 / 3]).tolist()} for c in cases]


def render() -> str:
    return json.dumps(fixture(), indent=None, separators=(",", ":")) + "\n"
