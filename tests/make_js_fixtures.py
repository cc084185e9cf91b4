"""Write ``js/tests/fixtures/ranking.json``: a real ``Results`` and its ``Results.rank`` answers.

The front end's ranking tests replay these cases, so Python and TypeScript rank alike.
``tests/test_js_fixtures.py`` fails when the committed file drifts from this script.

Run: ``python tests/make_js_fixtures.py``
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch

import segwidget

FIXTURE = Path(__file__).parent.parent / "js" / "tests" / "fixtures" / "ranking.json"
N_CLASSES = 6  # class 5 never appears: absent rows and columns
N_IMAGES = 48


class _Lookup(torch.nn.Module):
    """A "model" whose predictions are given: one-hot logits of the planned mask."""

    def __init__(self, predictions: torch.Tensor) -> None:
        super().__init__()
        self.predictions = predictions

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pred = self.predictions[x[:, 0, 0, 0].long()]
        return torch.nn.functional.one_hot(pred, N_CLASSES).permute(0, 3, 1, 2).float() * 4


def _data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Blocky masks (equal-sized blocks make ties in share and pixels), some all-ignored."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, N_CLASSES - 1, (N_IMAGES, 4, 4)).repeat(4, 1).repeat(4, 2)
    pred = truth.copy()
    flip = rng.random((N_IMAGES, 4, 4)).repeat(4, 1).repeat(4, 2) < 0.3
    pred[flip] = rng.integers(0, N_CLASSES - 1, flip.sum())
    truth[::11] = 255  # images without a valid pixel: NaN loss, ranked last
    truth[3, :2] = 255
    return torch.as_tensor(truth), torch.as_tensor(pred)


def build_results() -> segwidget.Results:
    truth, pred = _data()
    x = torch.arange(N_IMAGES, dtype=torch.float32).view(-1, 1, 1, 1).expand(-1, 3, 16, 16)
    batches = [(x[i : i + 8], truth[i : i + 8]) for i in range(0, N_IMAGES, 8)]
    classes = [f"class {c}" for c in range(N_CLASSES)]
    return segwidget.analyze(_Lookup(pred), batches, classes, progress=False, keep_images=False)


def _num(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def fixture() -> dict:
    results = build_results()
    index = results.cell_index
    losses = results.losses
    mid = float(np.nanmedian(losses))
    cells: list[tuple[int, int] | None] = [None, (0, 1), (1, 0), (2, 3), (4, 2), (0, 0), (3, 3)]
    cells += [(5, 5), (1, 5)]  # an absent class and an empty cell: nothing shown
    cases = []
    for cell in cells:
        for order in ("share", "pixels"):
            for loss_range in (None, (float(losses[~np.isnan(losses)].min()), mid)):
                ranked = results.rank(*(cell or (None, None)), by=order, loss_range=loss_range)
                cases.append(
                    {
                        "cell": list(cell) if cell else None,
                        "order": order,
                        "loss_range": list(loss_range) if loss_range else None,
                        "indices": ranked.indices.tolist(),
                        "scores": [_num(s) for s in ranked.scores],
                    }
                )
    return {
        "C": results.n_classes,
        "N": results.n_images,
        "cell_ptr": index.ptr.tolist(),
        "cell_image": index.image.tolist(),
        "cell_count": index.count.tolist(),
        "losses": [_num(v) for v in losses],
        "cases": cases,
        "most_confused": [
            [results.class_index(c.true), results.class_index(c.pred)]
            for c in results.most_confused(k=results.n_classes**2)
        ],
    }


def render() -> str:
    return json.dumps(fixture(), indent=None, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(render())
    print(f"wrote {FIXTURE}")
