"""The detail view's overlays, kernel side: the stored confident-disagreement masks, the detail
reply's overlay part and fields, and their life through subset, save and load."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from savefiles import members, png, refused, set_blob, write

import segwidget
from segwidget import SegExplorer
from segwidget.results.image_store import CONFIDENT
from segwidget.results.imaging import decode
from segwidget.view.detail_overlays import band_width

C, TAU, IGNORE = 4, 0.6, 255


def _data(seed: int = 0, n: int = 5, hw: tuple[int, int] = (10, 12)):
    """Random images and blocky masks with void pixels, in two batches."""
    rng = np.random.default_rng(seed)
    h, w = hw
    images = torch.from_numpy(rng.normal(0, 1, (n, 3, h, w)).astype(np.float32))
    coarse = rng.integers(0, C, (n, h // 2 + 1, w // 2 + 1))
    masks = np.repeat(np.repeat(coarse, 2, 1), 2, 2)[:, :h, :w]
    masks[rng.random(masks.shape) < 0.1] = IGNORE
    masks = torch.from_numpy(masks.astype(np.int64))
    k = (n + 1) // 2
    return [(images[:k], masks[:k]), (images[k:], masks[k:])]


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    model = torch.nn.Conv2d(3, C, 3, padding=1)
    with torch.no_grad():
        model.weight.mul_(4.0)  # confidences spread over (1/C, 1]
    return model.eval()


def _confident_reference(model: torch.nn.Module, batches) -> list[np.ndarray]:
    """Per image, pixel by pixel: valid, argmax ≠ truth, explicit softmax of the argmax ≥ τ."""
    out = []
    for images, masks in batches:
        with torch.no_grad():
            logits = model(images).double().numpy()
        for n in range(images.shape[0]):
            truth = masks[n].numpy()
            h, w = truth.shape
            mask = np.zeros((h, w), bool)
            for i in range(h):
                for j in range(w):
                    x = [float(v) for v in logits[n, :, i, j]]
                    top = max(x)
                    pred = x.index(top)
                    conf = 1.0 / sum(math.exp(v - top) for v in x)
                    assert abs(conf - TAU) > 1e-5  # no pixel on the threshold within float error
                    t = int(truth[i, j])
                    mask[i, j] = t != IGNORE and pred != t and conf >= TAU
            out.append(mask)
    return out


@pytest.fixture(scope="module")
def analysed():
    model, batches = _model(), _data()
    results = segwidget.analyze(model, batches, progress=False, confidence=TAU)
    return results, _confident_reference(model, batches)


def test_the_stored_mask_is_the_explicit_softmax_reference(analysed) -> None:
    results, reference = analysed
    assert results.images is not None and results.images.has_confident
    assert sum(m.sum() for m in reference) > 5  # the case is not trivial
    for n, expected in enumerate(reference):
        stored = decode(results.images.confident(n))
        assert stored.dtype == bool  # a 1-bit PNG
        np.testing.assert_array_equal(stored, expected)
        assert int(stored.sum()) == int(results.confident_confusions.image(n).sum())


def test_a_downscaled_detail_shrinks_the_mask_as_the_truth(tmp_path: Path) -> None:
    """Nearest neighbour at the detail's size: a stored pixel is confident when the source
    pixel the stored truth took its class from is."""
    model, batches = _model(), _data(n=3, hw=(20, 30))
    reference = _confident_reference(model, batches)
    results = segwidget.analyze(model, batches, progress=False, confidence=TAU, detail_max_side=12)
    # which source pixel each stored pixel samples: the source positions as a "mask" of 30
    # classes (any model of 30 channels: only the stored truth is read)
    wide = torch.nn.Conv2d(3, 30, 1)
    rows = segwidget.analyze(
        wide,
        [(x, torch.arange(20).view(1, 20, 1).expand_as(y)) for x, y in batches],
        [str(k) for k in range(30)],
        progress=False,
        detail_max_side=12,
    )
    cols = segwidget.analyze(
        wide,
        [(x, torch.arange(30).view(1, 1, 30).expand_as(y)) for x, y in batches],
        [str(k) for k in range(30)],
        progress=False,
        detail_max_side=12,
    )
    assert sum(m.sum() for m in reference) > 5
    for n, expected in enumerate(reference):
        stored = decode(results.images.confident(n))
        i, j = rows.images.view(n).truth, cols.images.view(n).truth
        assert stored.shape == i.shape == (8, 12)
        np.testing.assert_array_equal(stored, expected[i, j])


def test_no_mask_without_confidence_or_images() -> None:
    model, batches = _model(), _data(n=3)
    off = segwidget.analyze(model, batches, progress=False, confidence=None)
    assert off.images is not None and not off.images.has_confident
    assert off.images.confident(0) is None
    bare = segwidget.analyze(model, batches, progress=False, keep_images=False)
    assert bare.images is None


def test_subset_keeps_the_masks_of_its_images(analysed) -> None:
    results, _ = analysed
    part = results.subset([3, 1])
    assert [part.images.confident(k) for k in range(2)] == [
        results.images.confident(3),
        results.images.confident(1),
    ]


@pytest.mark.parametrize(
    ("width", "original", "stored", "expected"),
    [
        (3, (96, 128), (96, 128), 3),  # not downscaled: the pass's own width
        (3, (2048, 1024), (1024, 512), 2),  # 1.5 rounds to 2
        (3, (4096, 2000), (1024, 500), 1),  # 0.75 rounds to 1
        (1, (4000, 4000), (100, 100), 1),  # never below one pixel
        (5, (300, 200), (150, 100), 2),  # 2.5 rounds to the even 2
    ],
)
def test_band_width_scales_with_the_longer_side(width, original, stored, expected) -> None:
    assert band_width(width, original, stored) == expected


def _detail(explorer: SegExplorer, index: int):
    reply = explorer._reply({"kind": "detail", "request": 7, "index": index})
    assert reply is not None
    return reply


def test_the_detail_reply_carries_the_mask_and_the_band_width(analysed) -> None:
    results, _ = analysed
    explorer = SegExplorer(results=results)
    content, buffers = _detail(explorer, 2)
    assert content["parts"] == 4 and content["confident_part"] == 3
    assert buffers[3] == results.images.confident(2)
    assert (content["boundary_width"], content["band_width"]) == (3, 3)
    assert content["confidence"] == TAU
    # the image's cells and counts still follow the parts
    cells = np.frombuffer(buffers[4], "<i4")
    counts = np.frombuffer(buffers[5], "<i4")
    dense = np.zeros(C * C, np.int64)
    dense[cells] = counts
    np.testing.assert_array_equal(dense.reshape(C, C), results.image_confusion(2))
    # thumbnails stay three parts: the mask is for the detail view only
    thumbs, _ = explorer._reply({"kind": "thumbs", "request": 8, "indices": [0, 1]})
    assert thumbs["parts"] == 3


def test_the_reply_of_results_without_the_parts(analysed) -> None:
    model, batches = _model(), _data(n=3)
    results = segwidget.analyze(
        model, batches, progress=False, boundary_width=None, confidence=None, objects=False
    )
    content, buffers = _detail(SegExplorer(results=results), 1)
    assert content["parts"] == 3 and "confident_part" not in content
    assert content["boundary_width"] is None and content["confidence"] is None
    assert len(buffers) == 5


def test_a_downscaled_detail_says_the_scaled_band_width() -> None:
    model, batches = _model(), _data(n=2, hw=(24, 36))
    results = segwidget.analyze(
        model, batches, progress=False, boundary_width=3, detail_max_side=12
    )
    content, _ = _detail(SegExplorer(results=results), 0)
    assert (content["width"], content["height"]) == (12, 8)
    assert (content["boundary_width"], content["band_width"]) == (3, 1)


def test_a_comparison_detail_keeps_its_own_parts(analysed) -> None:
    results, _ = analysed
    other = segwidget.analyze(_model(), _data(), progress=False, confidence=TAU)
    explorer = SegExplorer(results=segwidget.compare(results, other))
    content, buffers = _detail(explorer, 0)
    assert content["parts"] == 4 and "confident_part" not in content
    assert "boundary_width" not in content
    assert buffers[3] == other.images.encoded(0)[2]  # B's prediction, where it always was


def test_save_and_load_keep_the_masks(analysed, tmp_path: Path) -> None:
    results, _ = analysed
    loaded = segwidget.load(results.save(tmp_path / "r"))
    assert loaded.images.has_confident
    assert loaded.images.parts[CONFIDENT] == results.images.parts[CONFIDENT]


def test_files_from_before_the_masks_load_without_them(analysed, tmp_path: Path) -> None:
    results, _ = analysed
    arrays = members(results.save(tmp_path / "r"))
    del arrays["images_confident_data"], arrays["images_confident_ptr"]
    loaded = segwidget.load(write(tmp_path / "old.npz", arrays))
    assert loaded.images is not None and not loaded.images.has_confident
    content, _ = _detail(SegExplorer(results=loaded), 0)
    assert content["parts"] == 3 and "confident_part" not in content


@pytest.fixture
def saved(analysed, tmp_path: Path) -> dict:
    return members(analysed[0].save(tmp_path / "r"))


def test_a_mask_of_the_wrong_size_is_refused(saved: dict, tmp_path: Path) -> None:
    set_blob(saved, CONFIDENT, 2, png(np.zeros((10, 11), np.uint8)))
    refused(
        write(tmp_path / "bad.npz", saved),
        r"image 2's confident-disagreement mask \(images_confident_data\) is 11×10 pixels",
        r"size of the image's masks \(12×10\)",
    )


def test_a_mask_that_is_not_a_png_is_refused(saved: dict, tmp_path: Path) -> None:
    set_blob(saved, CONFIDENT, 1, b"GIF89a not a mask at all, padded to look long enough")
    refused(
        write(tmp_path / "bad.npz", saved),
        r"image 1's confident-disagreement mask \(images_confident_data\) is not a PNG",
    )


def test_a_mask_with_values_other_than_0_and_1_is_refused(saved: dict, tmp_path: Path) -> None:
    values = np.zeros((10, 12), np.uint8)
    values[4, 5] = 2
    set_blob(saved, CONFIDENT, 3, png(values))
    refused(
        write(tmp_path / "bad.npz", saved),
        r"image 3's confident-disagreement mask \(images_confident_data\) holds the value 2",
    )


def test_an_8_bit_mask_of_0_and_1_loads(saved: dict, tmp_path: Path, analysed) -> None:
    expected = decode(analysed[0].images.confident(3))
    set_blob(saved, CONFIDENT, 3, png(expected.astype(np.uint8)))
    loaded = segwidget.load(write(tmp_path / "ok.npz", saved))
    np.testing.assert_array_equal(decode(loaded.images.confident(3)).astype(bool), expected)


def test_a_mask_that_does_not_decode_is_refused(saved: dict, tmp_path: Path) -> None:
    good = png(np.zeros((10, 12), np.uint8))
    set_blob(saved, CONFIDENT, 0, good[:40] + bytes(len(good) - 40))  # header kept, data zeroed
    refused(
        write(tmp_path / "bad.npz", saved),
        r"image 0's confident-disagreement mask \(images_confident_data\) cannot be decoded",
    )


def test_half_of_the_mask_members_is_refused(saved: dict, tmp_path: Path) -> None:
    del saved["images_confident_ptr"]
    refused(write(tmp_path / "bad.npz", saved), r"images_confident_ptr.* is missing")
