"""The cheaper encoding of issue 18 against plain references: nearest-neighbour masks by
index, pictures shrunk before 8 bits as Pillow would, the empty confident mask, PNG options."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from segwidget.results.image_store import CONFIDENT, ImageStore, encode_part
from segwidget.results.imaging import (
    decode,
    detail_size,
    encode_png,
    make_denormalize,
    pick_pixels,
    resize_rgb,
    shrink_images,
)


@pytest.mark.parametrize(("shape", "size"), [((40, 300), (13, 100)), ((24, 200), (6, 50)),
                                             ((7, 9), (7, 9)), ((30, 31), (4, 5))])  # fmt: skip
def test_pick_pixels_takes_the_pixel_under_each_centre(shape, size) -> None:
    array = np.random.default_rng(0).integers(0, 300, shape).astype(np.uint16)
    h, w = size
    expected = [
        [array[int((r + 0.5) * shape[0] / h), int((c + 0.5) * shape[1] / w)] for c in range(w)]
        for r in range(h)
    ]
    np.testing.assert_array_equal(pick_pixels(array, size), expected)


def test_detail_size_caps_the_longer_side() -> None:
    assert detail_size(1024, 2048, 1024) == (512, 1024)
    assert detail_size(24, 200, 50) == (6, 50)
    assert detail_size(512, 512, 1024) == (512, 512)
    assert detail_size(3000, 10, None) == (3000, 10)
    assert detail_size(1000, 1, 10) == (10, 1)  # never below one pixel


def _pictures(shape: tuple[int, int], noise: float) -> torch.Tensor:
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    smooth = 0.5 + 0.4 * np.sin(xx / 7 + yy / 11)
    x = np.clip(smooth[None, None] + rng.normal(0, noise, (2, 3, *shape)), 0, 1)
    return torch.from_numpy(x.astype(np.float32))


@pytest.mark.parametrize(("shape", "k"), [((96, 160), 2), ((96, 160), 8), ((93, 153), 3)])
def test_whole_factors_average_boxes_before_8_bits(shape, k) -> None:
    x = _pictures(shape, 0.05)
    h, w = shape[0] // k, shape[1] // k
    shrunk = make_denormalize()(x, (h, w))
    boxes = x.numpy().reshape(2, 3, h, k, w, k).mean(axis=(3, 5))
    expected = np.clip(np.round(boxes * 255), 0, 255).transpose(0, 2, 3, 1)
    assert shrunk.shape == (2, h, w, 3) and shrunk.flags.c_contiguous
    assert np.abs(shrunk.astype(int) - expected).max() <= 1  # float sums in another order


@pytest.mark.parametrize(
    ("shape", "size"), [((90, 150), (17, 29)), ((90, 150), (27, 45)), ((20, 30), (40, 60))]
)
def test_other_sizes_resample_as_pillow_does(shape, size) -> None:
    """As Pillow's box reduction by the whole factor then bilinear (``reducing_gap=1``)."""
    x = _pictures(shape, 0.0)
    to_uint8 = make_denormalize()
    shrunk, full = to_uint8(x, size), to_uint8(x)
    assert shrunk.shape == (2, *size, 3)
    for k in range(2):
        reference = np.asarray(
            Image.fromarray(full[k]).resize(
                (size[1], size[0]), Image.Resampling.BILINEAR, reducing_gap=1.0
            )
        ).astype(int)
        diff = np.abs(shrunk[k].astype(int) - reference)  # Pillow works on 8 bits throughout
        assert diff.mean() < 0.5 and diff.max() <= 2, (diff.mean(), diff.max())
        assert resize_rgb(full[k], size).shape == (*size, 3)
    np.testing.assert_array_equal(to_uint8(x, shape), full)  # no resize, no change


def test_shrinking_grey_pictures_keeps_three_channels() -> None:
    x = torch.rand(2, 1, 64, 64)
    out = make_denormalize()(x, (16, 16))
    assert out.shape == (2, 16, 16, 3)
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    box = torch.nn.functional.avg_pool2d(x, 4)  # a whole factor of 4: one box average
    torch.testing.assert_close(shrink_images(x, (16, 16)), box)


def test_the_store_encodes_at_the_detail_size_with_void_set_after_shrinking() -> None:
    rng = np.random.default_rng(2)
    truth = rng.integers(0, 5, (60, 600)).astype(np.uint8)  # 5 marks invalid pixels
    pred = rng.integers(0, 5, (60, 600)).astype(np.uint8)
    rgb = rng.integers(0, 256, (60, 300, 3)).astype(np.uint8)
    store = ImageStore(5)
    parts = store.encode(rgb, truth, pred, 300, truth == 1, invalid=5)
    view = store.__class__(5)
    view.extend([parts])
    detail = view.view(0)
    assert (detail.height, detail.width) == (30, 300)
    shown = np.where(truth == 5, 255, truth)
    np.testing.assert_array_equal(detail.truth, pick_pixels(shown, (30, 300)))
    np.testing.assert_array_equal(detail.prediction, pick_pixels(pred, (30, 300)))
    thumb = view.view(0, thumbnail=True)
    assert (thumb.height, thumb.width) == (13, 128)  # from the detail
    np.testing.assert_array_equal(thumb.truth, pick_pixels(shown, (thumb.height, thumb.width)))
    assert decode(parts["image"]).shape == (30, 300, 3)
    # the same bytes from a picture already at the detail's size, and from void set before
    small = resize_rgb(rgb, (30, 300))
    assert store.encode(small, shown, pred, 300, truth == 1) == parts
    np.testing.assert_array_equal(decode(parts[CONFIDENT]), pick_pixels(truth == 1, (30, 300)))


def test_an_empty_confident_mask_is_the_encoded_zeros() -> None:
    store = ImageStore(3)
    truth = np.zeros((30, 40), np.uint8)
    rgb = np.zeros((30, 40, 3), np.uint8)
    parts = store.encode(rgb, truth, truth, None, np.zeros((30, 40), bool))
    buf = io.BytesIO()
    Image.fromarray(np.zeros((30, 40), bool)).save(buf, format="PNG")
    assert decode(parts[CONFIDENT]).shape == (30, 40)
    assert not decode(parts[CONFIDENT]).any()
    assert parts[CONFIDENT] == encode_png(np.zeros((30, 40), bool))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_masks_round_trip_through_the_png_options(dtype) -> None:
    top = 255 if dtype == np.uint8 else 65535
    mask = np.random.default_rng(3).integers(0, top + 1, (37, 53)).astype(dtype)
    mask[:10] = 7  # a flat run, as masks have
    for name in ("truth", "thumb_prediction"):
        np.testing.assert_array_equal(decode(encode_part(name, mask), dtype), mask)
    picture = np.zeros((8, 8, 3), np.uint8)
    assert encode_part("image", picture)[:2] == b"\xff\xd8"  # a JPEG
