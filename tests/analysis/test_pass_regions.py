"""The pass's boundary band and confident disagreements against plain-loop references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from models import Passthrough

import segwidget
from segwidget.analysis.boundary import boundary_band

IGNORE = 255


def band_reference(truth: np.ndarray, valid: np.ndarray, d: int) -> np.ndarray:
    """Issue 11's definition, pixel by pixel: a valid pixel whose clipped (2d+1)² window
    holds valid truth of more than one class."""
    h, w = truth.shape
    out = np.zeros((h, w), bool)
    for i in range(h):
        for j in range(w):
            if not valid[i, j]:
                continue
            seen = set()
            for a in range(max(0, i - d), min(h, i + d + 1)):
                for b in range(max(0, j - d), min(w, j + d + 1)):
                    if valid[a, b]:
                        seen.add(int(truth[a, b]))
            out[i, j] = len(seen) > 1
    return out


def _band(truth: np.ndarray, d: int, n_classes: int = 4) -> np.ndarray:
    """``boundary_band`` on one mask whose invalid pixels are IGNORE."""
    target = torch.from_numpy(np.where(truth == IGNORE, n_classes, truth)).long()[None]
    return boundary_band(target, n_classes, d)[0].numpy()


def test_a_single_class_has_no_boundary() -> None:
    assert not _band(np.full((9, 11), 2), 3).any()


@pytest.mark.parametrize("d", [1, 2, 3])
def test_a_vertical_edge_gives_a_band_of_width_2d(d: int) -> None:
    truth = np.zeros((10, 16), np.int64)
    truth[:, 7:] = 1
    expected = np.zeros_like(truth, bool)
    expected[:, 7 - d : 7 + d] = True  # d columns on either side of the edge
    np.testing.assert_array_equal(_band(truth, d), expected)
    np.testing.assert_array_equal(expected, band_reference(truth, truth >= 0, d))


def test_ignore_pixels_are_neither_and_create_no_boundary() -> None:
    truth = np.zeros((9, 9), np.int64)
    truth[:, 4] = IGNORE  # a void column between two regions of the same class
    truth[2, 1] = IGNORE
    band = _band(truth, 2)
    assert not band.any()
    truth[:, 5:] = 3  # now the void column separates two classes: still not boundary itself
    band = _band(truth, 2)
    assert not band[:, 4].any()
    np.testing.assert_array_equal(band, band_reference(truth, truth != IGNORE, 2))
    # the void column takes a column of each side's window: d - 1 = 1 column on each side
    assert band[:, [3, 5]].all() and not band[:, [0, 1, 2, 6, 7, 8]].any()


def test_the_window_is_clipped_at_the_image_border() -> None:
    truth = np.zeros((6, 7), np.int64)
    truth[0, 0] = 1  # a corner pixel: its window is 2×2 at d=1
    band = _band(truth, 1)
    expected = np.zeros_like(band)
    expected[:2, :2] = True
    np.testing.assert_array_equal(band, expected)


def test_the_band_matches_the_reference_on_random_masks(rng: np.random.Generator) -> None:
    for d in (1, 2, 3):
        truth = rng.integers(0, 3, (3, 11, 13))
        truth = np.repeat(np.repeat(truth[:, :6, :7], 2, 1), 2, 2)[:, :11, :13]  # blocks
        truth[rng.random(truth.shape) < 0.1] = IGNORE
        target = torch.from_numpy(np.where(truth == IGNORE, 3, truth)).long()
        got = boundary_band(target, 3, d).numpy()
        for n in range(truth.shape[0]):
            np.testing.assert_array_equal(got[n], band_reference(truth[n], truth[n] != IGNORE, d))


def _blocky_batches(rng: np.random.Generator, n_classes: int, sizes: list[int], hw=(12, 14)):
    """Random logits and piecewise-constant masks (with void) so the band is non-trivial."""
    h, w = hw
    batches = []
    for size in sizes:
        coarse = rng.integers(0, n_classes, (size, h // 3 + 1, w // 3 + 1))
        masks = np.repeat(np.repeat(coarse, 3, 1), 3, 2)[:, :h, :w]
        masks[rng.random(masks.shape) < 0.08] = IGNORE
        logits = rng.normal(0, 2.5, (size, n_classes, h, w)).astype(np.float32)
        batches.append((torch.from_numpy(logits), torch.from_numpy(masks.astype(np.int64))))
    return batches


def _softmax_conf(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prediction and the explicit softmax probability of it, in float64."""
    x = logits.astype(np.float64)
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    pred = x.argmax(axis=1)
    return pred, np.take_along_axis(p, pred[:, None], axis=1)[:, 0]


def _dense(truth: np.ndarray, pred: np.ndarray, keep: np.ndarray, c: int) -> np.ndarray:
    out = np.zeros((truth.shape[0], c, c), np.int64)
    for n in range(truth.shape[0]):
        for t, p in zip(truth[n][keep[n]], pred[n][keep[n]], strict=True):
            out[n, t, p] += 1
    return out


@pytest.mark.parametrize(("d", "tau"), [(1, 0.5), (2, 0.9), (3, 0.75)])
def test_region_counts_match_pixel_references(rng: np.random.Generator, d: int, tau: float):
    c = 4
    batches = _blocky_batches(rng, c, [2, 3, 1])
    logits = np.concatenate([x.numpy() for x, _ in batches])
    truth = np.concatenate([y.numpy() for _, y in batches])
    pred, conf = _softmax_conf(logits)
    assert np.abs(conf - tau).min() > 1e-5  # no pixel on the threshold within float error
    valid = truth != IGNORE
    band = np.stack([band_reference(truth[n], valid[n], d) for n in range(truth.shape[0])])
    confident = valid & (pred != truth) & (conf >= tau)
    assert band.any() and (valid & ~band).any() and confident.any()
    results = segwidget.analyze(
        Passthrough(), batches, list("abcd"), progress=False, boundary_width=d, confidence=tau
    )
    assert results.boundary_width == d and results.confidence == tau
    for n in range(truth.shape[0]):
        np.testing.assert_array_equal(
            results.image_confusion(n, region="boundary"), _dense(truth, pred, band, c)[n]
        )
        np.testing.assert_array_equal(
            results.image_confusion(n, region="interior"),
            _dense(truth, pred, valid & ~band, c)[n],
        )
        np.testing.assert_array_equal(
            results.confident_confusions.image(n), _dense(truth, pred, confident, c)[n]
        )
    # boundary + interior = total, exactly, cell by cell
    np.testing.assert_array_equal(
        results.confusion(region="boundary") + results.confusion(region="interior"),
        results.confusion(),
    )


def test_confident_disagreements_of_a_binary_model(rng: np.random.Generator) -> None:
    """One channel z: the confidence is the sigmoid probability of the predicted side."""
    z = rng.normal(0, 3, (4, 1, 9, 10)).astype(np.float32)
    truth = rng.integers(0, 2, (4, 9, 10))
    truth[:, 0, :3] = IGNORE
    sigmoid = 1 / (1 + np.exp(-z[:, 0].astype(np.float64)))
    pred = (sigmoid > 0.5).astype(np.int64)
    conf = np.where(pred == 1, sigmoid, 1 - sigmoid)
    tau = 0.8
    assert np.abs(conf - tau).min() > 1e-5
    confident = (truth != IGNORE) & (pred != truth) & (conf >= tau)
    assert confident.any() and ((truth != IGNORE) & (pred != truth) & ~confident).any()
    batches = [
        (torch.from_numpy(z[a:b]), torch.from_numpy(truth[a:b])) for a, b in [(0, 2), (2, 4)]
    ]
    results = segwidget.analyze(Passthrough(), batches, progress=False, confidence=tau)
    assert results.classes == ["background", "foreground"]
    for n in range(4):
        np.testing.assert_array_equal(
            results.confident_confusions.image(n), _dense(truth, pred, confident, 2)[n]
        )


def test_analyses_off_leave_the_parts_empty(rng: np.random.Generator) -> None:
    batches = _blocky_batches(rng, 3, [2])
    results = segwidget.analyze(
        Passthrough(), batches, progress=False, boundary_width=None, confidence=None
    )
    assert results.boundary_confusions is None and results.confident_confusions is None
    assert results.boundary_width is None and results.confidence is None
    with pytest.raises(ValueError, match="boundary_width=None"):
        results.confusion(region="interior")
    on = segwidget.analyze(Passthrough(), batches, progress=False)
    assert (on.boundary_width, on.confidence) == (3, 0.9)
    np.testing.assert_array_equal(on.confusion(), results.confusion())
    np.testing.assert_array_equal(on.losses, results.losses)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("boundary_width", 0, r"boundary_width must be a whole number of pixels >= 1"),
        ("boundary_width", 2.5, r"boundary_width must be .*got 2\.5"),
        ("boundary_width", True, r"boundary_width must be .*got True"),
        ("confidence", 0.0, r"confidence must be a probability in \(0, 1\]"),
        ("confidence", 1.5, r"confidence must be .*got 1\.5"),
        ("confidence", math.nan, r"confidence must be .*got nan"),
        ("confidence", "0.9", r"confidence must be .*got '0\.9'"),
        ("detail_max_side", -4, r"detail_max_side must be a whole number of pixels >= 1"),
    ],
)
def test_bad_options_are_refused(rng: np.random.Generator, option: str, value, message: str):
    batches = _blocky_batches(rng, 3, [2])
    with pytest.raises(segwidget.InputError, match=message):
        segwidget.analyze(Passthrough(), batches, progress=False, **{option: value})
