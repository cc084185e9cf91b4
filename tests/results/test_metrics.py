"""The numbers of DESIGN.md, through the full pass, against torchmetrics and brute force."""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from models import Passthrough, logit_batches
from references import (
    class_scores,
    dense_confusions,
    fastai_mean_cm,
    per_image_ce,
    pixel_accuracy,
)
from torchmetrics.classification import MulticlassConfusionMatrix, MulticlassJaccardIndex

import segwidget
from segwidget.results import metrics


@dataclass
class Case:
    batches: list[tuple[torch.Tensor, torch.Tensor]]
    n_classes: int
    ignore_index: int | None
    results: segwidget.Results

    @property
    def logits(self) -> torch.Tensor:
        return torch.cat([x for x, _ in self.batches])

    @property
    def masks(self) -> torch.Tensor:
        return torch.cat([y for _, y in self.batches])

    @property
    def truth(self) -> np.ndarray:
        return self.masks.numpy()

    @property
    def pred(self) -> np.ndarray:
        return np.argmax(self.logits.numpy(), axis=1)

    @property
    def dense(self) -> np.ndarray:
        return dense_confusions(self.truth, self.pred, self.n_classes, self.ignore_index)


def _build(name: str) -> Case:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    ignore_index: int | None = 255
    if name == "random":
        n_classes, batches = 5, logit_batches(rng, [3, 2, 4], 5)
    elif name == "absent":
        # class 3 only in truth, class 4 only predicted, class 5 nowhere
        n_classes = 6
        batches = logit_batches(
            rng, [4, 3], 6, truth_classes=[0, 1, 2, 3], pred_classes=[0, 1, 2, 4]
        )
    elif name == "all_ignored":
        n_classes = 4
        batches = logit_batches(rng, [3, 3], 4)
        batches[0][1][1] = 255
        batches[1][1][2] = 255
    elif name == "everything_ignored":
        n_classes = 3
        batches = logit_batches(rng, [2], 3, ignore_frac=1.0)
    elif name == "single_class":
        n_classes = 4
        batches = logit_batches(rng, [2, 2], 4, truth_classes=[2], pred_classes=[2])
    elif name == "classes_150":
        n_classes = 150
        batches = logit_batches(rng, [3, 3], 150, hw=(16, 16), ignore_frac=0.1)
    elif name == "no_ignore_index":
        ignore_index, n_classes = None, 4
        batches = logit_batches(rng, [2, 3], 4, ignore_index=None)
    else:  # pragma: no cover
        raise ValueError(name)
    results = segwidget.analyze(
        Passthrough(),
        batches,
        [f"class {c}" for c in range(n_classes)],
        ignore_index=ignore_index,
        keep_images=False,
        progress=False,
    )
    return Case(batches, n_classes, ignore_index, results)


NAMES = [
    "random",
    "absent",
    "all_ignored",
    "everything_ignored",
    "single_class",
    "classes_150",
    "no_ignore_index",
]


@pytest.fixture(scope="module", params=NAMES)
def case(request: pytest.FixtureRequest) -> Case:
    return _build(request.param)


def _torchmetrics_args(case: Case) -> dict:
    return {"num_classes": case.n_classes, "ignore_index": case.ignore_index}


def test_pooled_confusion_equals_torchmetrics_and_brute_force(case: Case) -> None:
    expected = MulticlassConfusionMatrix(**_torchmetrics_args(case))(
        torch.from_numpy(case.pred), case.masks
    ).numpy()
    got = case.results.confusion()
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got, case.dense.sum(axis=0))


def test_per_image_confusion_equals_brute_force(case: Case) -> None:
    dense = case.dense
    assert case.results.n_images == dense.shape[0]
    for i in range(dense.shape[0]):
        np.testing.assert_array_equal(case.results.image_confusion(i), dense[i])


def test_iou_equals_torchmetrics_where_defined_and_nan_where_absent(case: Case) -> None:
    jaccard = MulticlassJaccardIndex(average=None, **_torchmetrics_args(case))
    expected = jaccard(torch.from_numpy(case.pred), case.masks).double().numpy()
    table = case.results.class_table()
    got = table["iou"].to_numpy()
    keep = (case.truth != case.ignore_index) if case.ignore_index is not None else True
    present = [
        bool(((case.truth == c) & keep).any() or ((case.pred == c) & keep).any())
        for c in range(case.n_classes)
    ]
    absent = ~np.array(present)
    assert np.isnan(got[absent]).all()
    assert not np.isnan(got[~absent]).any()
    np.testing.assert_allclose(got[~absent], expected[~absent], rtol=1e-6)


def test_class_table_equals_brute_force(case: Case) -> None:
    ref = class_scores(case.truth, case.pred, case.n_classes, case.ignore_index)
    table = case.results.class_table()
    assert list(table.index) == [f"class {c}" for c in range(case.n_classes)]
    # the pass keeps a boundary band and calibration counts by default: their columns follow
    # (tests/results/test_regions.py, tests/results/test_calibration.py)
    assert list(table.columns) == [
        *("iou", "recall", "precision", "support", "images"),
        *("boundary_iou", "interior_iou", "boundary_error_share", "ece"),
        # and objects by default: tests/results/test_objects.py checks them
        *("objects", "object_recall", "false_objects", "iiou"),
    ]
    for column in ("iou", "recall", "precision"):
        np.testing.assert_allclose(table[column].to_numpy(), ref[column], rtol=1e-12)
    np.testing.assert_array_equal(table["support"].to_numpy(), ref["support"])
    np.testing.assert_array_equal(table["images"].to_numpy(), ref["images"])
    defined = ref["iou"][~np.isnan(ref["iou"])]
    expected_miou = defined.mean() if defined.size else math.nan
    np.testing.assert_allclose(table.attrs["mean_iou"], expected_miou, rtol=1e-12)
    np.testing.assert_allclose(case.results.mean_iou(), expected_miou, rtol=1e-12)
    expected_acc = pixel_accuracy(case.truth, case.pred, case.ignore_index)
    np.testing.assert_allclose(case.results.pixel_accuracy(), expected_acc, rtol=1e-12)
    np.testing.assert_allclose(table.attrs["pixel_accuracy"], expected_acc, rtol=1e-12)


def test_losses_equal_per_image_cross_entropy(case: Case) -> None:
    expected = per_image_ce(case.logits, case.masks, case.ignore_index)
    got = case.results.losses
    assert got.dtype == np.float64
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, equal_nan=True)
    finite = expected[~np.isnan(expected)]
    np.testing.assert_allclose(
        case.results.mean_loss(), finite.mean() if finite.size else math.nan, rtol=1e-5, atol=1e-6
    )


def test_mean_confusion_equals_fastai_definition(case: Case) -> None:
    expected = fastai_mean_cm(case.dense)
    got = case.results.mean_confusion()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15, equal_nan=True)


def test_normalised_confusions(case: Case) -> None:
    cm = case.dense.sum(axis=0).astype(float)
    rows, cols = cm.sum(axis=1), cm.sum(axis=0)
    by_true = np.full_like(cm, np.nan)
    by_pred = np.full_like(cm, np.nan)
    for t in range(case.n_classes):
        for p in range(case.n_classes):
            if rows[t]:
                by_true[t, p] = cm[t, p] / rows[t]
            if cols[p]:
                by_pred[t, p] = cm[t, p] / cols[p]
    np.testing.assert_allclose(case.results.confusion("true"), by_true, equal_nan=True)
    np.testing.assert_allclose(case.results.confusion("pred"), by_pred, equal_nan=True)


def _top_order(losses: np.ndarray, largest: bool) -> list[int]:
    finite = [i for i in range(losses.size) if not math.isnan(losses[i])]
    nans = [i for i in range(losses.size) if math.isnan(losses[i])]
    sign = -1 if largest else 1
    return sorted(finite, key=lambda i: (sign * losses[i], i)) + nans


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k", [None, 1, 3, 100])
def test_top_losses(case: Case, k: int | None, largest: bool) -> None:
    expected_losses = per_image_ce(case.logits, case.masks, case.ignore_index)
    order = _top_order(case.results.losses, largest)[:k]
    values, indices = case.results.top_losses(k, largest=largest)
    assert indices.tolist() == order
    np.testing.assert_allclose(values, expected_losses[order], rtol=1e-5, atol=1e-6, equal_nan=True)
    if k is None and case.results.n_images > 1:
        # NaN losses (all-ignored images) come last, whichever direction
        assert np.isnan(values).tolist() == sorted(np.isnan(values).tolist())


def test_statistics_do_not_depend_on_batching(rng: np.random.Generator) -> None:
    (logits, masks), *_ = logit_batches(rng, [7], 4)
    one = segwidget.analyze(Passthrough(), [(logits, masks)], list("abcd"), progress=False)
    split = [(logits[a:b], masks[a:b]) for a, b in ((0, 2), (2, 3), (3, 7))]
    many = segwidget.analyze(Passthrough(), split, list("abcd"), progress=False)
    np.testing.assert_array_equal(one.losses, many.losses)
    for name in ("ptr", "cell", "count"):
        np.testing.assert_array_equal(
            getattr(one.image_confusions, name), getattr(many.image_confusions, name)
        )


def test_metric_functions_on_a_hand_made_matrix() -> None:
    cm = np.array([[3, 1, 0], [2, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(metrics.iou(cm), [3 / 6, 0.0, np.nan])
    np.testing.assert_allclose(metrics.recall(cm), [3 / 4, 0.0, np.nan])
    np.testing.assert_allclose(metrics.precision(cm), [3 / 5, 0.0, np.nan])
    np.testing.assert_array_equal(metrics.support(cm), [4, 2, 0])
    assert metrics.pixel_accuracy(cm) == 0.5
    assert metrics.mean_iou(cm) == 0.25
    assert math.isnan(metrics.pixel_accuracy(np.zeros((2, 2))))
    assert math.isnan(metrics.mean_iou(np.zeros((2, 2))))
    with pytest.raises(ValueError, match="normalize must be"):
        metrics.normalize(cm, "rows")
