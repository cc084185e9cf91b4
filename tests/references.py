"""Independent, deliberately naive references for the numbers segwidget computes.

Everything here is written from DESIGN.md / PROTOCOL.md with plain loops and dense arrays,
sharing no code with ``segwidget`` so that the tests compare two implementations.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F


def valid_mask(truth: np.ndarray, ignore_index: int | None) -> np.ndarray:
    return np.ones(truth.shape, bool) if ignore_index is None else truth != ignore_index


def dense_confusions(
    truth: np.ndarray, pred: np.ndarray, n_classes: int, ignore_index: int | None
) -> np.ndarray:
    """``(N, C, C)`` per-image counts, pixel by pixel with ``np.add.at``."""
    out = np.zeros((truth.shape[0], n_classes, n_classes), np.int64)
    for n in range(truth.shape[0]):
        keep = valid_mask(truth[n], ignore_index)
        np.add.at(out[n], (truth[n][keep], pred[n][keep]), 1)
    return out


def class_scores(
    truth: np.ndarray, pred: np.ndarray, n_classes: int, ignore_index: int | None
) -> dict[str, np.ndarray]:
    """Per-class IoU, recall, precision, support, image count straight from the pixels."""
    keep = valid_mask(truth, ignore_index)
    scores = {k: np.full(n_classes, np.nan) for k in ("iou", "recall", "precision")}
    scores["support"] = np.zeros(n_classes, np.int64)
    scores["images"] = np.zeros(n_classes, np.int64)
    for c in range(n_classes):
        is_t = (truth == c) & keep
        is_p = (pred == c) & keep
        tp, fn, fp = int((is_t & is_p).sum()), int((is_t & ~is_p).sum()), int((~is_t & is_p).sum())
        if tp + fn + fp:
            scores["iou"][c] = tp / (tp + fn + fp)
        if tp + fn:
            scores["recall"][c] = tp / (tp + fn)
        if tp + fp:
            scores["precision"][c] = tp / (tp + fp)
        scores["support"][c] = tp + fn
        scores["images"][c] = sum(bool(is_t[n].any()) for n in range(truth.shape[0]))
    return scores


def pixel_accuracy(truth: np.ndarray, pred: np.ndarray, ignore_index: int | None) -> float:
    keep = valid_mask(truth, ignore_index)
    return float((truth[keep] == pred[keep]).mean()) if keep.any() else math.nan


def per_image_ce(logits: torch.Tensor, masks: torch.Tensor, ignore_index: int | None) -> np.ndarray:
    """Per image: ``F.cross_entropy`` (mean) over that image's valid pixels; NaN if none."""
    out = []
    for n in range(logits.shape[0]):
        keep = torch.ones_like(masks[n], dtype=torch.bool)
        if ignore_index is not None:
            keep = masks[n] != ignore_index
        if not keep.any():
            out.append(math.nan)
            continue
        pixels = logits[n].permute(1, 2, 0)[keep]  # (P, C)
        out.append(float(F.cross_entropy(pixels.double(), masks[n][keep].long())))
    return np.array(out)


def fastai_mean_cm(dense: np.ndarray) -> np.ndarray:
    """fastai's ``mean_cm``: row-normalise each image, average rows over images having them."""
    n_classes = dense.shape[1]
    out = np.full((n_classes, n_classes), np.nan)
    for t in range(n_classes):
        rows = [dense[n, t] / dense[n, t].sum() for n in range(dense.shape[0]) if dense[n, t].sum()]
        if rows:
            out[t] = np.mean(rows, axis=0)
    return out


def rank(
    dense: np.ndarray,
    losses: np.ndarray,
    true: int | None = None,
    pred: int | None = None,
    by: str = "share",
    loss_range: tuple[float, float] | None = None,
) -> tuple[list[int], list[float]]:
    """PROTOCOL.md's ranking rules with Python loops over dense ``(N, C, C)`` matrices."""
    n_images = dense.shape[0]
    if true is None:
        finite = [n for n in range(n_images) if not math.isnan(losses[n])]
        nans = [n for n in range(n_images) if math.isnan(losses[n])]
        order = sorted(finite, key=lambda n: (-losses[n], n)) + nans
        scored = [(n, float(losses[n])) for n in order]
    elif true != pred:
        rows = []
        for n in range(n_images):
            count = int(dense[n, true, pred])
            if count > 0:
                rows.append((n, count, count / int(dense[n, true].sum())))
        if by == "share":
            rows.sort(key=lambda r: (-r[2], -r[1], r[0]))
            scored = [(n, share) for n, _, share in rows]
        else:
            rows.sort(key=lambda r: (-r[1], -r[2], r[0]))
            scored = [(n, float(count)) for n, count, _ in rows]
    else:
        c = true
        rows = []
        for n in range(n_images):
            row, col, diag = int(dense[n, c].sum()), int(dense[n, :, c].sum()), int(dense[n, c, c])
            if row > 0 or col > 0:
                union = row + col - diag
                rows.append((n, diag / union, union))
        rows.sort(key=lambda r: (r[1], -r[2], r[0]))
        scored = [(n, iou) for n, iou, _ in rows]
    if loss_range is not None:
        lo, hi = loss_range
        scored = [(n, s) for n, s in scored if lo <= losses[n] <= hi]
    return [n for n, _ in scored], [s for _, s in scored]


def most_confused(
    pooled: np.ndarray, classes: list[str], k: int, min_pixels: int = 1
) -> list[tuple[str, str, int, float]]:
    """Off-diagonal cells with >= min_pixels, by pixels, then share, then (t, p)."""
    cells = []
    n_classes = pooled.shape[0]
    for t in range(n_classes):
        for p in range(n_classes):
            count = int(pooled[t, p])
            if t != p and count >= max(min_pixels, 1):
                cells.append((t, p, count, count / int(pooled[t].sum())))
    cells.sort(key=lambda r: (-r[2], -r[3], r[0], r[1]))
    return [(classes[t], classes[p], count, share) for t, p, count, share in cells[:k]]
