"""The objects fixture the front end replays (``js/tests/fixtures/objects.json``).

A real pass over blocky scenes with touching objects and noisy predictions, the two traits
``view/objects.py`` sends for it, and what the kernel says: ``Results.rank(t, p, by=...)``
for "missed" and "false" over many selections, ``rank_objects`` per size bin (COCO's and
each class's terciles), and ``object_table``, for all images and for slices (a slice is
``Results.subset``: its own terciles). Written by ``make_js_fixtures.py``;
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
    }


def render() -> str:
    return json.dumps(fixture(), indent=None, separators=(",", ":")) + "\n"
