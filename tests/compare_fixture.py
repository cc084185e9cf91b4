"""The comparison fixture the front end replays (``js/tests/fixtures/comparison.json``).

Two models (predictions planned block by block, so that shares, IoUs and losses tie often)
over the same blocky truth with void pixels and all-void images; for every cell, nothing
selected, both directions and with and without a loss-change filter, what Python's
gallery ranking of a comparison says (``widget_compare.gallery_ranking``: indices, deltas
and both models' scores), and ``Comparison.most_changed``. ``tests/make_js_fixtures.py``
writes it; ``tests/test_js_fixtures.py`` fails when it is stale.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from compare_references import fingerprinted

import segwidget
from segwidget.widget_compare import gallery_ranking

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
        "most_changed": {
            "grew": [
                [comparison.a.class_index(c.true), comparison.a.class_index(c.pred)] for c in grew
            ],
            "shrank": [
                [comparison.a.class_index(c.true), comparison.a.class_index(c.pred)] for c in shrank
            ],
        },
    }
