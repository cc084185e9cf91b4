"""Issue 11 end to end: the pass over scenes with a known kind of error tells them apart.

- a block of one image's truth relabelled to another class, under a model that predicts
  the scene well and confidently: that image leads ``suspect_labels()`` and the cell's
  ``by="confident"`` order, although other images have more (unconfident) errors there;
- a model wrong only along object edges: its errors lie in the boundary band, while a
  model wrong over a whole region has most of its errors inside.

The "models" are ``Passthrough``: the test writes their logits, so it knows every pixel.
"""

from __future__ import annotations

import numpy as np
import torch
from models import Passthrough

import segwidget

C = 4
CLASSES = ["left", "right", "square", "bar"]
SIDE = 32
SURE, UNSURE = 8.0, 0.3  # logit margins: softmax 0.999 and about 0.35 with four classes


def scene(n: int) -> np.ndarray:
    """Left half class 0, right half 1, a square of 2 whose place depends on ``n``."""
    truth = np.zeros((SIDE, SIDE), np.int64)
    truth[:, SIDE // 2 :] = 1
    top = 4 + n % 5
    truth[top : top + 8, 10:18] = 2
    return truth


def logits_of(prediction: np.ndarray, margin: np.ndarray | float) -> torch.Tensor:
    """(C, H, W) logits predicting ``prediction`` with softmax margin ``margin`` per pixel."""
    out = np.zeros((C, *prediction.shape), np.float32)
    np.put_along_axis(out, prediction[None], np.broadcast_to(margin, prediction.shape)[None], 0)
    return torch.from_numpy(out)


def analyze(pairs: list[tuple[torch.Tensor, np.ndarray]]) -> segwidget.Results:
    batches = [
        (torch.stack([x for x, _ in pairs[i : i + 4]]),
         torch.from_numpy(np.stack([y for _, y in pairs[i : i + 4]])))
        for i in range(0, len(pairs), 4)
    ]  # fmt: skip
    return segwidget.analyze(
        Passthrough(), batches, CLASSES, keep_images=False, progress=False,
        boundary_width=3, confidence=0.9,
    )  # fmt: skip


def test_a_relabelled_block_leads_the_suspects_and_the_confident_order() -> None:
    mislabelled = 7
    pairs = []
    for n in range(12):
        truth = scene(n)
        prediction = truth.copy()
        margin = np.full(truth.shape, SURE, np.float32)
        if n != mislabelled:  # an honest error: a large block of left called right, unsure
            prediction[20:30, 2:12] = 1
            margin[20:30, 2:12] = UNSURE
        label = truth.copy()
        if n == mislabelled:  # the annotator painted part of the right half as left
            label[22:28, 20:26] = 0
        pairs.append((logits_of(prediction, margin), label))
    results = analyze(pairs)

    # the ordinary rankings of left → right put the honest 100-pixel errors first
    for by in ("share", "pixels"):
        ranked = results.rank("left", "right", by=by)
        assert len(ranked.indices) == 12 and ranked.indices[-1] == mislabelled
    suspects = results.suspect_labels()
    assert suspects.indices[0] == mislabelled
    assert suspects.scores[0] == 36 / SIDE**2  # the 6×6 block of the image's valid pixels
    confident = results.rank("left", "right", by="confident")
    assert list(confident.indices) == [mislabelled]
    # of its true-left pixels: the left half less the square's part there, plus the block
    assert confident.scores[0] == 36 / (SIDE * SIDE // 2 - 6 * 8 + 36)


def edge_shift(truth: np.ndarray) -> np.ndarray:
    """The truth moved one pixel right (the first column repeated): wrong only at edges."""
    return np.concatenate([truth[:, :1], truth[:, :-1]], axis=1)


def test_a_model_wrong_only_along_edges_has_its_errors_in_the_band() -> None:
    edges = analyze([(logits_of(edge_shift(scene(n)), SURE), scene(n)) for n in range(8)])
    share = edges.boundary_error_share()
    assert share >= 0.9
    # every wrong pixel sits within a pixel of a vertical edge, so here all of them
    assert share == 1.0
    shares = edges.class_table()["boundary_error_share"]
    assert (shares[["left", "right", "square"]] == 1.0).all() and np.isnan(shares["bar"])
    interior = edges.confusion(region="interior")
    assert np.trace(interior) == interior.sum()

    def block_error(n: int) -> np.ndarray:
        prediction = scene(n)
        prediction[20:30, 2:12] = 3  # a whole region called "bar"
        return prediction

    regions = analyze([(logits_of(block_error(n), SURE), scene(n)) for n in range(8)])
    # a model wrong over a region fails it: the band follows the truth's edges, and this
    # block lies inside class 0, more than 3 px from every edge (the border is not one)
    assert regions.boundary_error_share() == 0.0
    table = regions.class_table()
    assert table.loc["bar", "boundary_error_share"] == 0.0
