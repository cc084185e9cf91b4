"""Brute-force references for ``Comparison`` (issue 10's rules, PROTOCOL.md's "Comparison ranking").

Plain loops over dense ``(N, C, C)`` matrices with Python floats, sharing no code with
``segwidget.results.comparison*`` so that the tests compare two implementations.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

import segwidget


def fingerprinted(
    results: segwidget.Results, masks: np.ndarray, ignore_index: int | None = 255
) -> segwidget.Results:
    """``results``, after checking the pass's truth fingerprints against ``masks`` ``(N, H, W)``
    fingerprinted by the definition written out here."""
    prints = np.array([_fingerprint(m, ignore_index) for m in masks], dtype=np.uint64)
    assert results.fingerprints is not None, "the pass records truth fingerprints"
    np.testing.assert_array_equal(results.fingerprints, prints)
    return results


def _fingerprint(mask: np.ndarray, ignore_index: int | None) -> int:
    """segwidget/analysis/fingerprint.py's documented definition, pixel by pixel."""
    data = bytearray(b"segwidget-truth-v1")
    for side in mask.shape:
        data += int(side).to_bytes(4, "little")
    for value in mask.ravel().tolist():
        data += (65535 if value == ignore_index else int(value)).to_bytes(2, "little")
    return int.from_bytes(hashlib.blake2b(bytes(data), digest_size=8).digest(), "little")


def image_scores(
    dense_a: np.ndarray,
    dense_b: np.ndarray,
    losses_a: np.ndarray,
    losses_b: np.ndarray,
    true: int | None,
    pred: int | None,
) -> tuple[list[float], list[float], list[float]]:
    """Per image: score of A, score of B, B − A (loss, share of true-t, or IoU of c)."""
    out: tuple[list[float], list[float], list[float]] = ([], [], [])
    for n in range(dense_a.shape[0]):
        if true is None:
            a, b = float(losses_a[n]), float(losses_b[n])
        elif true != pred:
            a, b = _share(dense_a[n], true, pred), _share(dense_b[n], true, pred)
        else:
            a, b = _iou(dense_a[n], true), _iou(dense_b[n], true)
        out[0].append(a)
        out[1].append(b)
        out[2].append(b - a)
    return out


def _share(cm: np.ndarray, t: int, p: int) -> float:
    row = int(cm[t].sum())
    return int(cm[t, p]) / row if row else math.nan


def _iou(cm: np.ndarray, c: int) -> float:
    union = int(cm[c].sum()) + int(cm[:, c].sum()) - int(cm[c, c])
    return int(cm[c, c]) / union if union else math.nan


def rank(
    dense_a: np.ndarray,
    dense_b: np.ndarray,
    losses_a: np.ndarray,
    losses_b: np.ndarray,
    true: int | None,
    pred: int | None,
    direction: str,
) -> tuple[list[int], list[float]]:
    """Issue 10's ranking table, image by image."""
    worse = direction == "worse"
    n_images = dense_a.shape[0]
    rows: list[tuple[int, float]] = []
    if true is None:
        deltas = [float(losses_b[n]) - float(losses_a[n]) for n in range(n_images)]
        known = [n for n in range(n_images) if not math.isnan(deltas[n])]
        known.sort(key=lambda n: (-deltas[n] if worse else deltas[n], n))
        unknown = [n for n in range(n_images) if math.isnan(deltas[n])]
        return known + unknown, [deltas[n] for n in known + unknown]
    if true != pred:
        for n in range(n_images):
            row = int(dense_a[n, true].sum())
            assert row == int(dense_b[n, true].sum()), "the same truth in A and B"
            if row == 0:
                continue
            delta = int(dense_b[n, true, pred]) / row - int(dense_a[n, true, pred]) / row
            if (delta > 0) if worse else (delta < 0):
                rows.append((n, delta))
        rows.sort(key=lambda r: (-r[1] if worse else r[1], r[0]))
    else:
        c = true
        for n in range(n_images):
            holds = [dense_a[n, c].sum(), dense_a[n, :, c].sum(), dense_b[n, :, c].sum()]
            if not any(holds):
                continue
            delta = _iou(dense_b[n], c) - _iou(dense_a[n], c)
            if math.isnan(delta):
                continue
            if (delta < 0) if worse else (delta > 0):
                rows.append((n, delta))
        rows.sort(key=lambda r: (r[1] if worse else -r[1], r[0]))
    return [n for n, _ in rows], [d for _, d in rows]


def most_changed(
    pooled_a: np.ndarray, pooled_b: np.ndarray, classes: list[str], k: int
) -> tuple[list[tuple], list[tuple]]:
    """Off-diagonal pooled cells by change of share: grew (largest first), shrank (most first)."""
    cells = []
    n_classes = len(classes)
    for t in range(n_classes):
        row_a, row_b = int(pooled_a[t].sum()), int(pooled_b[t].sum())
        if row_a == 0 or row_b == 0:
            continue
        for p in range(n_classes):
            if p == t:
                continue
            share_a, share_b = int(pooled_a[t, p]) / row_a, int(pooled_b[t, p]) / row_b
            cells.append((t, p, share_a, share_b, share_b - share_a))
    grew = sorted((c for c in cells if c[4] > 0), key=lambda c: (-c[4], c[0], c[1]))[:k]
    shrank = sorted((c for c in cells if c[4] < 0), key=lambda c: (c[4], c[0], c[1]))[:k]

    def named(rows: list[tuple]) -> list[tuple]:
        return [
            (classes[t], classes[p], a, b, d, int(pooled_a[t, p]), int(pooled_b[t, p]))
            for t, p, a, b, d in rows
        ]

    return named(grew), named(shrank)
