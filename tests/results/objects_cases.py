"""Passes with chosen truths, predictions and instance maps, for the objects' tests."""

from __future__ import annotations

import numpy as np
import torch
from models import Passthrough

import segwidget

VOID = 255


def one_hot(pred: np.ndarray, n_classes: int) -> torch.Tensor:
    """Logits whose argmax is ``pred`` ``(B, H, W)``."""
    logits = np.zeros((pred.shape[0], n_classes, *pred.shape[1:]), np.float32)
    np.put_along_axis(logits, pred[:, None], 5.0, axis=1)
    return torch.from_numpy(logits)


def run(
    truth: np.ndarray,
    pred: np.ndarray,
    n_classes: int,
    instances: np.ndarray | None = None,
    batch: int = 3,
    **options: object,
) -> segwidget.Results:
    """``analyze`` over ``(N, H, W)`` truth (``VOID`` ignored) and predictions."""
    batches: list[object] = []
    for s in range(0, truth.shape[0], batch):
        x = one_hot(pred[s : s + batch], n_classes)
        y = torch.from_numpy(truth[s : s + batch].astype(np.int64))
        if instances is None:
            batches.append((x, y))
        else:
            batches.append(
                {"image": x, "mask": y, "instances": torch.from_numpy(instances[s : s + batch])}
            )
    classes = [f"c{k}" for k in range(n_classes)]
    return segwidget.analyze(
        Passthrough(), batches, classes, progress=False, keep_images=False, **options
    )


def blob_scene(
    rng: np.random.Generator, n: int, n_classes: int, hw: tuple[int, int] = (24, 30)
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Truth of blocky blobs with some void, predictions with errors, and instance maps
    splitting each thing class's pixels into a few instances (ids class × 1000 + k)."""
    h, w = hw
    coarse = rng.integers(0, n_classes, (n, h // 4 + 1, w // 4 + 1))
    truth = coarse.repeat(4, 1).repeat(4, 2)[:, :h, :w]
    truth = np.where(rng.random(truth.shape) < 0.05, VOID, truth)
    noise = rng.integers(0, n_classes, truth.shape)
    pred = np.where(rng.random(truth.shape) < 0.25, noise, np.where(truth == VOID, 0, truth))
    column = np.arange(w)[None, None, :] // 7  # vertical strips: instances that touch
    instances = np.where(truth >= 1, truth * 1000 + column, 0)  # class 0 is stuff
    instances = np.where(truth == VOID, 0, instances)
    return truth, pred, instances.astype(np.int64)
