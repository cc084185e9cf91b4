"""``Results`` as a user meets it: the stored images, ``show``, ``repr``, save/load of a pass."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from models import Passthrough, logit_batches
from PIL import Image
from references import class_scores

import segwidget
from segwidget.results.imaging import rgb_table

H, W = 20, 24


def _one_hot(pred: np.ndarray, n_classes: int) -> torch.Tensor:
    logits = np.zeros((pred.shape[0], n_classes, *pred.shape[1:]), np.float32)
    np.put_along_axis(logits, pred[:, None], 5.0, axis=1)
    return torch.from_numpy(logits)


@pytest.fixture(scope="module")
def halves() -> segwidget.Results:
    """Truth: left half class 0, right half class 1, a void stripe; prediction: all class 2."""
    truth = np.zeros((2, H, W), np.int64)
    truth[:, :, W // 2 :] = 1
    truth[:, :3] = 255
    pred = np.full((2, H, W), 2)
    pred[1, :, :4] = 0
    return segwidget.analyze(
        Passthrough(),
        [(_one_hot(pred, 4), torch.from_numpy(truth))],
        ["left", "right", "everything", "unused"],
        progress=False,
    )


def _colour_count(pixels: np.ndarray, rgb: np.ndarray) -> int:
    return int((pixels == rgb).all(axis=-1).sum())


def test_show_draws_image_truth_prediction_and_errors(halves: segwidget.Results) -> None:
    picture = halves.show(0)
    assert isinstance(picture, Image.Image) and picture.mode == "RGB"
    width, height = picture.size
    assert width >= 4 * W and height >= H
    assert width < 4 * 400 and height < 4 * 400  # sensible, not enormous
    pixels = np.asarray(picture)
    table = rgb_table(halves.colors)
    quarter = width // 4
    truth_band = pixels[:, quarter : 2 * quarter]
    pred_band = pixels[:, 2 * quarter : 3 * quarter]
    error_band = pixels[:, 3 * quarter :]
    valid_per_class = (H - 3) * (W // 2)
    # truth panel: both truth classes' colours over at least their pixels; void is black
    assert _colour_count(truth_band, table[0]) >= valid_per_class
    assert _colour_count(truth_band, table[1]) >= valid_per_class
    assert _colour_count(truth_band, np.zeros(3, np.uint8)) >= 3 * W
    # prediction panel: "everything" everywhere, not the truth classes beyond a legend swatch
    assert _colour_count(pred_band, table[2]) >= H * W
    assert _colour_count(pred_band, table[0]) < valid_per_class
    # errors panel: every valid pixel is wrong (red), void pixels grey
    assert _colour_count(error_band, np.array([230, 30, 30])) >= 2 * valid_per_class
    assert _colour_count(error_band, np.array([96, 96, 96])) >= 3 * W
    # the class never present gets no colour anywhere
    assert _colour_count(pixels, table[3]) == 0


def test_show_is_per_image_and_checks_its_arguments(halves: segwidget.Results) -> None:
    first, second = np.asarray(halves.show(0)), np.asarray(halves.show(1))
    assert first.shape == second.shape and not np.array_equal(first, second)
    with pytest.raises(IndexError, match="image index 2 out of range for 2 stored images"):
        halves.show(2)
    batch = (_one_hot(np.zeros((1, 3, 3), int), 2), torch.zeros(1, 3, 3).long())
    bare = segwidget.analyze(Passthrough(), [batch], ["a", "b"], keep_images=False, progress=False)
    with pytest.raises(ValueError, match="kept no images"):
        bare.show(0)


def test_stored_masks_equal_truth_with_void_and_prediction(halves: segwidget.Results) -> None:
    assert halves.images is not None and len(halves.images) == 2
    for i in range(2):
        view = halves.images.view(i)
        assert view.truth.dtype == np.uint8 and (view.height, view.width) == (H, W)
        assert (view.truth[:3] == 255).all()
        assert (view.truth[3:, : W // 2] == 0).all() and (view.truth[3:, W // 2 :] == 1).all()
        expected_pred = np.full((H, W), 2)
        if i == 1:
            expected_pred[:, :4] = 0
        np.testing.assert_array_equal(view.prediction, expected_pred)
        thumb = halves.images.view(i, thumbnail=True)
        assert set(np.unique(thumb.truth)) <= {0, 1, 255}


def test_many_classes_store_uint16_masks(rng: np.random.Generator) -> None:
    batches = logit_batches(rng, [2], 300, hw=(5, 6))
    results = segwidget.analyze(Passthrough(), batches, None, ignore_index=255, progress=False)
    assert results.classes == [str(c) for c in range(300)]
    logits, masks = batches[0]
    for i in range(2):
        view = results.images.view(i)
        assert view.truth.dtype == np.uint16
        truth = masks[i].numpy()
        np.testing.assert_array_equal(view.truth, np.where(truth == 255, 65535, truth))
        np.testing.assert_array_equal(view.prediction, logits[i].numpy().argmax(0))


def test_repr_names_the_headline_numbers(rng: np.random.Generator) -> None:
    batches = logit_batches(rng, [3], 3)
    results = segwidget.analyze(Passthrough(), batches, list("abc"), progress=False)
    truth, pred = batches[0][1].numpy(), batches[0][0].numpy().argmax(1)
    iou = class_scores(truth, pred, 3, 255)["iou"]
    acc = (truth == pred)[truth != 255].mean()
    assert repr(results) == (
        f"<Results: 3 images, 3 classes, mean IoU {np.nanmean(iou):.3f}, pixel accuracy {acc:.3f}>"
    )
    results.partial = True
    assert repr(results).startswith("<partial Results: 3 images")


def test_a_saved_pass_loads_with_the_same_answers(rng: np.random.Generator, tmp_path) -> None:
    batches = logit_batches(rng, [3, 3], 4, hw=(9, 11))
    results = segwidget.analyze(Passthrough(), batches, list("wxyz"), progress=False)
    loaded = segwidget.load(results.save(tmp_path / "pass.npz"))
    assert (tmp_path / "pass.npz").exists()
    np.testing.assert_array_equal(loaded.confusion(), results.confusion())
    assert loaded.class_table().equals(results.class_table())
    for selection in [(), ("w", "x"), ("y", "y")]:
        a, b = results.rank(*selection), loaded.rank(*selection)
        assert a.indices.tolist() == b.indices.tolist()
    np.testing.assert_array_equal(np.asarray(loaded.show(4)), np.asarray(results.show(4)))


def test_load_rejects_other_files(tmp_path) -> None:
    np.savez(tmp_path / "other.npz", data=np.arange(3))
    with pytest.raises(ValueError, match="not a segwidget results file"):
        segwidget.load(tmp_path / "other.npz")
    meta = np.frombuffer(b'{"format": "segwidget-results", "version": 99}', dtype=np.uint8)
    np.savez(tmp_path / "future.npz", meta=meta)
    with pytest.raises(ValueError, match=r"expected segwidget-results version 2, found .* 99"):
        segwidget.load(tmp_path / "future.npz")


def test_mean_loss_and_accuracy_are_nan_without_valid_pixels() -> None:
    masks = torch.full((2, 4, 4), 255)
    results = segwidget.analyze(
        Passthrough(), [(torch.randn(2, 3, 4, 4), masks)], list("abc"), progress=False
    )
    assert np.isnan(results.losses).all()
    assert math.isnan(results.mean_loss()) and math.isnan(results.pixel_accuracy())
    assert math.isnan(results.mean_iou())
    assert results.confusion().sum() == 0
    assert results.rank().indices.tolist() == [0, 1]
    assert len(results.rank("a", "b")) == 0 and len(results.rank("a")) == 0
