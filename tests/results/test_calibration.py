"""Calibration: the pass's reliability counts against torchmetrics and loops written here.

ECE and MCE against ``MulticlassCalibrationError`` on the same logits and masks (pixels of
confidence exactly 1.0 included); a one-channel model, per class, per slice, the rankings
and a comparison against loops over the pixels.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from calibrations import ece, mce, reference
from models import Passthrough, logit_batches
from torchmetrics.classification import MulticlassCalibrationError

import segwidget
from segwidget.analysis.adapters import InputError

C, BINS, IGNORE = 5, 15, 255


def _saturated(batches: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
    """Some pixels with a logit far above the rest: softmax gives exactly 1.0 there."""
    for logits, _ in batches:
        logits[:, 2, :2, :] = 200.0


@pytest.fixture(scope="module")
def case() -> tuple[segwidget.Results, list[tuple[torch.Tensor, torch.Tensor]]]:
    rng = np.random.default_rng(7)
    batches = logit_batches(rng, [4, 3, 5], C, hw=(9, 11), ignore_index=IGNORE)
    for logits, _ in batches:  # spread the confidences over the bins: boosts of 0 to 6
        logits *= torch.from_numpy(rng.uniform(0.0, 0.6, (logits.shape[0], 1, 1, 1))).float()
    _saturated(batches)
    classes = [f"c{k}" for k in range(C)]
    results = segwidget.analyze(Passthrough(), batches, classes, progress=False, keep_images=False)
    return results, batches


def _pixels(batches: list[tuple[torch.Tensor, torch.Tensor]]) -> list[dict[str, np.ndarray]]:
    """Per image: valid pixels' float32 confidence (softmax of the prediction), prediction
    and correctness, with torch's softmax and argmax (not the pass's sweep)."""
    out = []
    for logits, masks in batches:
        prob = torch.softmax(logits, dim=1)
        conf, pred = prob.max(dim=1)
        for i in range(logits.shape[0]):
            valid = masks[i] != IGNORE
            out.append({
                "conf": conf[i][valid].numpy(),
                "pred": pred[i][valid].numpy(),
                "correct": (pred[i] == masks[i])[valid].numpy(),
            })  # fmt: skip
    return out


def _pooled(images: list[dict[str, np.ndarray]], cls: int | None = None) -> tuple:
    conf = np.concatenate([im["conf"] for im in images])
    correct = np.concatenate([im["correct"] for im in images])
    if cls is not None:
        keep = np.concatenate([im["pred"] for im in images]) == cls
        conf, correct = conf[keep], correct[keep]
    return reference(conf, correct, BINS)


@pytest.mark.parametrize("norm", ["l1", "max"])
def test_ece_and_mce_equal_torchmetrics_with_saturated_pixels(case, norm: str) -> None:
    results, batches = case
    metric = MulticlassCalibrationError(num_classes=C, n_bins=BINS, norm=norm, ignore_index=IGNORE)
    for logits, masks in batches:
        metric.update(logits, masks)
    expected = float(metric.compute())
    got = results.ece() if norm == "l1" else results.mce()
    assert got == pytest.approx(expected, abs=1e-5)
    table = results.calibration()
    assert table["count"].iloc[-1] > 0  # confidence exactly 1.0, in its own last bin
    assert (table["lo"].iloc[-1], table["hi"].iloc[-1]) == (1.0, 1.0)


def test_many_bins_equal_torchmetrics_too(case) -> None:
    """300 bins: the slot no longer fits a byte, and most bins are empty."""
    _, batches = case
    classes = [f"c{k}" for k in range(C)]
    results = segwidget.analyze(
        Passthrough(), batches, classes, calibration_bins=300, progress=False, keep_images=False
    )
    metric = MulticlassCalibrationError(num_classes=C, n_bins=300, ignore_index=IGNORE)
    for logits, masks in batches:
        metric.update(logits, masks)
    assert results.ece() == pytest.approx(float(metric.compute()), abs=1e-5)
    assert len(results.calibration()) == 301


def test_reliability_rows_equal_a_loop_including_empty_bins(case) -> None:
    results, batches = case
    n, acc, conf = _pooled(_pixels(batches))
    table = results.calibration()
    assert list(table.columns) == ["lo", "hi", "count", "accuracy", "confidence"]
    assert len(table) == BINS + 1
    np.testing.assert_array_equal(table["count"], n)
    np.testing.assert_allclose(table["accuracy"], acc, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(table["confidence"], conf, rtol=1e-6, equal_nan=True)
    assert (n == 0).any() and table["accuracy"][n == 0].isna().all()
    np.testing.assert_allclose(table["lo"][:BINS], np.arange(BINS) / BINS, atol=1e-12)
    assert results.ece() == pytest.approx(ece(n, acc, conf), abs=1e-6)
    assert results.mce() == pytest.approx(mce(n, acc, conf), abs=1e-6)


def test_per_class_reliability_and_ece_equal_loops_by_predicted_class(case) -> None:
    results, batches = case
    images = _pixels(batches)
    table = results.calibration(by_class=True)
    assert list(table.columns) == ["class", "lo", "hi", "count", "accuracy", "confidence"]
    column = results.class_table()["ece"]
    for c in range(C):
        n, acc, conf = _pooled(images, c)
        rows = table[table["class"] == f"c{c}"]
        np.testing.assert_array_equal(rows["count"], n)
        np.testing.assert_allclose(rows["confidence"], conf, rtol=1e-6, equal_nan=True)
        expected = ece(n, acc, conf) if n.sum() else math.nan
        assert column[f"c{c}"] == pytest.approx(expected, abs=1e-6, nan_ok=True)
        assert results.ece(f"c{c}") == pytest.approx(expected, abs=1e-6, nan_ok=True)
        if n.sum():
            assert results.mce(c) == pytest.approx(mce(n, acc, conf), abs=1e-6)


def test_a_slice_follows_its_images_pixels(case) -> None:
    results, batches = case
    images = _pixels(batches)
    chosen = [0, 3, 4, 8, 11]
    city = np.where(np.isin(np.arange(results.n_images), chosen), "bonn", "ulm")
    part = dataclasses.replace(results, metadata={"city": city}).where(city=["bonn"])
    n, acc, conf = _pooled([images[i] for i in chosen])
    assert part.ece() == pytest.approx(ece(n, acc, conf), abs=1e-6)
    assert part.mce() == pytest.approx(mce(n, acc, conf), abs=1e-6)
    np.testing.assert_array_equal(part.calibration()["count"], n)


def test_overconfident_ranking_equals_a_loop(case) -> None:
    results, batches = case
    images = _pixels(batches)
    for cls in (None, 1, 2):
        scores = []
        for i, im in enumerate(images):
            keep = np.ones(im["conf"].size, bool) if cls is None else im["pred"] == cls
            if keep.any():
                over = im["conf"][keep].astype(np.float64).mean() - im["correct"][keep].mean()
                scores.append((-over, i))
        expected = [i for _, i in sorted(scores)]
        ranked = (
            results.rank(by="overconfident")
            if cls is None
            else results.rank(cls, cls, by="overconfident")
        )
        assert ranked.indices.tolist() == expected
        np.testing.assert_allclose(ranked.scores, [-s for s, _ in sorted(scores)], atol=1e-6)
    with pytest.raises(ValueError, match="not a confusion cell"):
        results.rank(0, 1, by="overconfident")


def test_a_bin_ranks_images_by_its_wrong_pixels(case) -> None:
    results, batches = case
    images = _pixels(batches)
    edges = np.linspace(0, 1, BINS + 1, dtype=np.float32)
    for slot, cls in [(BINS, None), (7, None), (6, 0), (BINS, 2)]:
        wrong = []
        for i, im in enumerate(images):
            slots = np.searchsorted(edges, im["conf"], side="right") - 1
            keep = (slots == slot) & ~im["correct"]
            if cls is not None:
                keep &= im["pred"] == cls
            if keep.sum():
                wrong.append((-int(keep.sum()), i))
        ranked = results.rank_calibration_bin(slot, cls)
        assert ranked.indices.tolist() == [i for _, i in sorted(wrong)]
        assert ranked.scores.tolist() == [-w for w, _ in sorted(wrong)]


def test_a_one_channel_model_bins_its_predicted_side_as_a_loop_does() -> None:
    rng = np.random.default_rng(3)
    logits = torch.from_numpy(rng.normal(0, 3, (6, 1, 8, 9)).astype(np.float32))
    logits[0, 0, 0, :4] = 300.0  # sigmoid exactly 1.0: its own bin
    logits[1, 0, 0, :4] = -300.0  # the other side, confidence 1 − σ = 1.0 too
    masks = torch.from_numpy(rng.integers(0, 2, (6, 8, 9)))
    masks[2, :3] = IGNORE
    batches = [(logits[:3], masks[:3]), (logits[3:], masks[3:])]
    results = segwidget.analyze(Passthrough(), batches, progress=False, keep_images=False)
    z = logits[:, 0].double().numpy()
    valid = masks.numpy() != IGNORE
    pred = (z > 0).astype(int)
    p = 1.0 / (1.0 + np.exp(-z))
    conf = np.where(pred == 1, p, 1.0 - p)  # the predicted side's probability
    n, acc, mean = reference(conf[valid], (pred == masks.numpy())[valid], BINS)
    assert n[-1] >= 8
    assert results.ece() == pytest.approx(ece(n, acc, mean), abs=1e-6)
    np.testing.assert_array_equal(results.calibration()["count"], n)


def test_a_comparison_gives_both_eces_and_the_change(case) -> None:
    results, batches = case
    worse = [(logits * 3, masks) for logits, masks in batches]
    other = segwidget.analyze(
        Passthrough(), worse, results.classes, progress=False, keep_images=False
    )
    a, b, change = segwidget.compare(results, other).ece()
    assert (a, b) == (results.ece(), other.ece())
    assert change == pytest.approx(b - a)


def test_bins_are_an_option_and_questions_say_when_they_are_off() -> None:
    batches = logit_batches(np.random.default_rng(0), [2], 3)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(InputError, match="calibration_bins must be a whole number"):
            segwidget.analyze(Passthrough(), batches, calibration_bins=bad, progress=False)
    five = segwidget.analyze(Passthrough(), batches, calibration_bins=5, progress=False)
    assert len(five.calibration()) == 6
    off = segwidget.analyze(Passthrough(), batches, calibration_bins=None, progress=False)
    assert off.calibration_counts is None and "ece" not in off.class_table().columns
    with pytest.raises(ValueError, match="calibration_bins=15"):
        off.ece()
    with pytest.raises(ValueError, match="calibration_bins=15"):
        off.rank(by="overconfident")
