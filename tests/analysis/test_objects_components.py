"""Objects of one image (``analysis.objects.image_objects``) against loops over
``scipy.ndimage.label`` (8-connectivity) run class by class, and instance maps given."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from segwidget.analysis import objects
from segwidget.analysis.adapters import InputError
from segwidget.analysis.objects import check_instances, image_objects

EIGHT = np.ones((3, 3), dtype=bool)


def reference(
    labels_of: np.ndarray, other: np.ndarray, valid: np.ndarray, n_classes: int, false_only: bool
) -> list[tuple[int, ...]]:
    """Per 8-connected component of each class of ``labels_of`` over valid pixels, by loops:
    (class, pixels, hit, other class (-1: none), its pixels, x0, y0, x1, y1)."""
    out = []
    for c in range(n_classes):
        comp, n = ndimage.label((labels_of == c) & valid, structure=EIGHT)
        for k in range(1, n + 1):
            ys, xs = np.nonzero(comp == k)
            counts = [0] * n_classes
            for y, x in zip(ys, xs, strict=True):
                counts[int(other[y, x])] += 1
            hit = counts[c]
            best, best_pixels = -1, 0
            for q in range(n_classes):  # the first (lower) class wins ties
                if q != c and counts[q] > best_pixels:
                    best, best_pixels = q, counts[q]
            if false_only and not 2 * hit < ys.size:
                continue
            box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
            out.append((c, int(ys.size), hit, best, best_pixels, *box))
    return sorted(out)


def records(part: dict[str, np.ndarray]) -> list[tuple[int, ...]]:
    rows = zip(part["cls"], part["pixels"], part["hit"], part["other"], part["other_pixels"],
               part["bbox"].tolist(), strict=True)  # fmt: skip
    return sorted(
        (int(a), int(b), int(c), int(d), int(e), *map(int, box)) for a, b, c, d, e, box in rows
    )


def check(truth: np.ndarray, pred: np.ndarray, n_classes: int) -> None:
    """``truth`` with ``n_classes`` at void pixels."""
    valid = truth != n_classes
    found = image_objects(truth, pred, n_classes)
    assert records(found.truth) == reference(truth, pred, valid, n_classes, false_only=False)
    assert records(found.false) == reference(pred, truth, valid, n_classes, false_only=True)


@pytest.mark.parametrize("dense", [0, 10**9], ids=["sorted-counts", "dense-counts"])
@pytest.mark.parametrize("seed", range(12))
def test_random_masks_equal_scipy_label_class_by_class(
    seed: int, dense: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(objects, "DENSE_FACTOR", dense)  # both ways of counting disagreements
    rng = np.random.default_rng(seed)
    c = int(rng.integers(2, 7))
    h, w = int(rng.integers(1, 30)), int(rng.integers(1, 30))
    coarse = rng.integers(0, c + 1, (h // 3 + 1, w // 3 + 1))  # blobs, c: void
    truth = coarse.repeat(3, 0).repeat(3, 1)[:h, :w]
    truth = np.where(rng.random((h, w)) < 0.1, rng.integers(0, c + 1, (h, w)), truth)
    pred = np.where(rng.random((h, w)) < 0.3, rng.integers(0, c, (h, w)), truth % c)
    check(truth.astype(np.uint8), pred.astype(np.uint8), c)


def test_hand_made_masks() -> None:
    v = 3  # void, with 3 classes
    truth = np.array(
        [
            [0, 0, 1, 1, 2, v, 2],  # 0 and 1 touch: two objects; 2 cut by void: two
            [0, 0, 1, 1, v, v, 2],
            [v, v, v, v, v, 1, v],  # a one-pixel object
            [2, v, 0, v, v, v, v],  # border, one-pixel
            [v, 2, v, 0, v, 1, 1],  # diagonal neighbours join under 8-connectivity
        ],
        dtype=np.uint8,
    )
    pred = np.array(
        [
            [0, 1, 1, 1, 2, 2, 2],
            [0, 1, 1, 1, 0, 0, 1],
            [2, 2, 2, 2, 2, 0, 0],
            [2, 0, 0, 0, 0, 0, 0],
            [0, 2, 0, 0, 0, 1, 1],
        ],
        dtype=np.uint8,
    )
    check(truth, pred, 3)
    found = image_objects(truth, pred, 3)
    by_class = np.bincount(found.truth["cls"], minlength=3).tolist()
    assert by_class == [2, 3, 3]  # 0: top-left and the diagonal pair; 2: cut in two, and a pair
    # the top-left 0 object: 4 pixels, 2 predicted 0, 2 predicted 1 -> recall 0.5 exactly
    first = int(np.flatnonzero((found.truth["cls"] == 0) & (found.truth["pixels"] == 4))[0])
    assert (found.truth["hit"][first], found.truth["other"][first]) == (2, 1)


def test_one_class_everywhere_and_all_void() -> None:
    check(np.zeros((5, 6), np.uint8), np.zeros((5, 6), np.uint8), 2)
    void = np.full((4, 4), 2, np.uint8)
    found = image_objects(void, np.zeros((4, 4), np.uint8), 2)
    assert found.truth["cls"].size == 0 and found.false["cls"].size == 0


def test_two_touching_cars_stay_two_objects_with_instance_maps() -> None:
    car, road, n_classes = 2, 0, 3
    truth = np.full((6, 8), road, np.uint8)
    truth[1:5, 1:7] = car
    instances = np.zeros((6, 8), np.int64)
    instances[1:5, 1:4] = car * 1000 + 0
    instances[1:5, 4:7] = car * 1000 + 1  # touches the first car
    pred = truth.copy()
    pred[1:5, 4:7] = road  # the second car is missed entirely
    found = image_objects(truth, pred, n_classes, instances)
    assert found.truth["cls"].tolist() == [car, car]
    assert found.truth["pixels"].tolist() == [12, 12]
    assert found.truth["hit"].tolist() == [12, 0]
    assert found.truth["other"].tolist() == [-1, road]
    assert found.truth["bbox"].tolist() == [[1, 1, 4, 5], [4, 1, 7, 5]]
    # without instance maps the two cars are one component
    assert image_objects(truth, pred, n_classes).truth["cls"].tolist().count(car) == 1


def test_instance_ids_below_1000_are_stuff_and_void_pixels_belong_to_no_object() -> None:
    truth = np.array([[1, 1, 1], [1, 2, 0]], np.uint8)  # 2: void with 2 classes
    instances = np.array([[1001, 1001, 7], [1002, 1001, 0]])
    found = image_objects(truth, truth % 2, 2, instances)
    assert found.truth["pixels"].tolist() == [2, 1]  # 1001 keeps its valid pixels only


def test_instance_class_that_disagrees_with_the_mask_names_the_image() -> None:
    import torch

    target = torch.zeros((2, 3, 3), dtype=torch.long)
    target[1, 0, 0] = 1
    instances = torch.zeros((2, 3, 3), dtype=torch.long)
    instances[1, 0, 0] = 2005  # class 2, but the mask says 1
    with pytest.raises(
        InputError, match=r"batch 4, image 1: instance ids \[2005\].*class is \[1\]"
    ):
        check_instances(4, instances, target, 3)
    with pytest.raises(InputError, match=r"batch 4: instance maps have shape \(2, 3\)"):
        check_instances(4, instances[:, 0], target, 3)
    target[1, 0, 0] = 3  # void there (C = 3): no error
    check_instances(4, instances, target, 3)


def test_the_pass_takes_instance_maps_from_a_dict_a_key_or_batch_to_xy() -> None:
    import torch
    from models import Passthrough

    import segwidget

    truth = torch.zeros((2, 4, 6), dtype=torch.long)
    truth[:, 1:3, 1:5] = 1
    logits = torch.zeros((2, 2, 4, 6))
    logits[:, 0] = 1.0  # everything predicted 0: every object of class 1 missed
    inst = torch.where(truth == 1, 1000 + (torch.arange(6) >= 3).long(), 0)
    options = {"progress": False, "keep_images": False}
    ways = [
        segwidget.analyze(
            Passthrough(), [{"image": logits, "mask": truth, "instances": inst}], **options
        ),
        segwidget.analyze(
            Passthrough(),
            [{"image": logits, "mask": truth, "ids": inst}],
            instances_key="ids",
            **options,
        ),
        segwidget.analyze(
            Passthrough(), [(logits, truth, inst)], batch_to_xy=lambda b: b, **options
        ),
    ]
    for results in ways:
        assert results.objects()["missed"].tolist() == [True] * 4  # two per image
    plain = segwidget.analyze(Passthrough(), [(logits, truth)], **options)
    assert len(plain.objects()) == 2 * 2  # one of class 0 and one of class 1 per image
    bad = inst.clone()
    bad[1, 0, 0] = 1000  # on a class-0 pixel
    with pytest.raises(segwidget.InputError, match=r"batch 0, image 1: instance ids \[1000\]"):
        segwidget.analyze(
            Passthrough(), [{"image": logits, "mask": truth, "instances": bad}], **options
        )
    with pytest.raises(segwidget.InputError, match="no instances_key='ids'"):
        segwidget.analyze(Passthrough(), [(logits, truth)], instances_key="ids", **options)
