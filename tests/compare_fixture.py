"""The comparison fixture the front end replays (``js/tests/fixtures/comparison.json``).

Two models (predictions planned block by block, so that shares, IoUs and losses tie often)
over the same blocky truth with void pixels and all-void images; for every cell, nothing
selected, both directions and with and without a loss-change filter, what Python's
gallery ranking of a comparison says (``widget_compare.gallery_ranking``: indices, deltas
and both models' scores), and ``Comparison.most_changed``. ``tests/make_js_fixtures.py``
writes it; ``tests/results/test_js_fixtures.py`` fails when it is stale. ``charts`` adds what the
notebook's charts draw, which the offline report's charts compute in the browser.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from compare_references import fingerprinted

import segwidget
from segwidget.results import metrics
from segwidget.view.charts import loss_bins
from segwidget.view.compare import gallery_ranking, loss_change

N_CLASSES = 5  # class 4 is never true, but B predicts it: a class only in a prediction
N_IMAGES = 40


class _Planned(torch.nn.Module):
    """A "model" whose predictions are given: one-hot logits of the planned mask."""

    def __init__(self, predictions: torch.Tensor) -> None:
        super().__init__()
        self.predictions = predictions

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pred = self.predictions[x[:, 0, 0, 0].long()]
        return torch.nn.functional.one_hot(pred, N_CLASSES).permute(0, 3, 1, 2).float() * 4


def _plans(seed: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Truth and two predictions made of 4×4 blocks of 4×4 pixels; B changes some of A's blocks."""
    rng = np.random.default_rng(seed)
    blocks = (N_IMAGES, 4, 4)

    def up(a: np.ndarray) -> np.ndarray:
        return a.repeat(4, 1).repeat(4, 2)

    truth = rng.integers(0, N_CLASSES - 1, blocks)
    pred_a = np.where(rng.random(blocks) < 0.3, rng.integers(0, N_CLASSES - 1, blocks), truth)
    changed = rng.random(blocks) < 0.25
    pred_b = np.where(changed, rng.integers(0, N_CLASSES, blocks), pred_a)
    fixed = (rng.random(blocks) < 0.6) & (pred_a != truth) & (pred_a != 1)  # A's 1s stay
    pred_b = np.where(fixed, truth, pred_b)  # confusions that shrink, others that grow
    pred_b[::7] = pred_a[::7]  # some images the same in both: every delta 0, the loss too
    truth, pred_a, pred_b = up(truth), up(pred_a), up(pred_b)
    truth[::13] = 255  # no valid pixel: NaN losses, ranked last
    truth[4, :3] = 255
    return truth, pred_a, pred_b


def build() -> segwidget.Comparison:
    truth, pred_a, pred_b = _plans()
    x = torch.arange(N_IMAGES, dtype=torch.float32).view(-1, 1, 1, 1).expand(-1, 3, 16, 16)
    batches = [(x[i : i + 8], torch.as_tensor(truth[i : i + 8])) for i in range(0, N_IMAGES, 8)]
    classes = [f"class {c}" for c in range(N_CLASSES)]
    models = [_Planned(torch.as_tensor(p)) for p in (pred_a, pred_b)]
    a, b = segwidget.analyze_models(models, batches, classes, progress=False, keep_images=False)
    return segwidget.compare(fingerprinted(a, truth), fingerprinted(b, truth), ("old", "new"))


def _num(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _nums(values: np.ndarray) -> list[float | None]:
    return [_num(v) for v in values.tolist()]


def charts(comparison: segwidget.Comparison) -> dict:
    """What the notebook's charts (``segwidget/view/charts.py``) draw for the comparison, over all
    images and two slices: each class's IoU change over the slice's images, the histogram of
    the loss change at ``loss_bins`` (what the report embeds) and, per selection and direction,
    the slice's images of the gallery (before the loss filter) and their histogram."""
    change = loss_change(comparison)
    edges = loss_bins(change)
    slices = [None, [n for n in range(N_IMAGES) if n % 3 != 1], list(range(6))]
    cells = [None, (0, 1), (2, 3), (1, 4), (1, 1)]  # B alone predicts class 4
    cases = []
    for members in slices:
        a, b = (comparison.a, comparison.b) if members is None else (
            comparison.a.subset(members), comparison.b.subset(members))  # fmt: skip
        keep = np.ones(N_IMAGES, bool) if members is None else np.isin(np.arange(N_IMAGES), members)
        matching = []
        for cell in cells:
            for direction in ("worse", "better"):
                ranked = gallery_ranking(comparison, *(cell or (None, None)), direction, None)
                indices = ranked.indices[keep[ranked.indices]]
                counts, _ = np.histogram(change[indices], bins=edges)
                matching.append(
                    {
                        "cell": cell and list(cell),
                        "direction": direction,
                        "indices": indices.tolist(),
                        "counts": counts.tolist(),
                    }
                )
        cases.append(
            {
                "members": members,
                "iou_change": _nums(metrics.iou(b.confusion()) - metrics.iou(a.confusion())),
                "matching": matching,
            }
        )
    counts, _ = np.histogram(change, bins=edges)
    return {"edges": edges.tolist(), "counts": counts.tolist(), "cases": cases}


def fixture() -> dict:
    comparison = build()
    change = comparison.image_scores().delta
    finite = np.sort(change[np.isfinite(change)])
    filters = [None, (float(finite[len(finite) // 4]), float(finite[3 * len(finite) // 4]))]
    cells = [None] + [(t, p) for t in range(N_CLASSES) for p in range(N_CLASSES)]
    cases = []
    for cell in cells:
        scores = comparison.image_scores(*(cell or (None, None)))
        for direction in ("worse", "better"):
            for loss_range in filters:
                ranked = gallery_ranking(comparison, *(cell or (None, None)), direction, loss_range)
                cases.append(
                    {
                        "cell": list(cell) if cell else None,
                        "direction": direction,
                        "loss_range": list(loss_range) if loss_range else None,
                        "indices": ranked.indices.tolist(),
                        "scores": _nums(ranked.scores),
                        "a": _nums(scores.a[ranked.indices]),
                        "b": _nums(scores.b[ranked.indices]),
                    }
                )
    grew, shrank = comparison.most_changed(k=N_CLASSES**2)
    models = {}
    for name, results in (("a", comparison.a), ("b", comparison.b)):
        index = results.cell_index
        models[name] = {
            "cell_ptr": index.ptr.tolist(),
            "cell_image": index.image.tolist(),
            "cell_count": index.count.tolist(),
            "losses": _nums(results.losses),
        }
    return {
        "C": N_CLASSES,
        "N": N_IMAGES,
        **models,
        "cases": cases,
        "charts": charts(comparison),
        "most_changed": {
            "grew": [
                [comparison.a.class_index(c.true), comparison.a.class_index(c.pred)] for c in grew
            ],
            "shrank": [
                [comparison.a.class_index(c.true), comparison.a.class_index(c.pred)] for c in shrank
            ],
        },
    }
