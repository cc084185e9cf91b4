"""Model families, batch shapes and input scalings, with locally built random-weight models."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from models import (
    BinaryNet,
    ConstantLogits,
    DictOutputNet,
    QuarterResNet,
    SmallConvNet,
    TupleOutputNet,
    smooth_images,
)
from references import dense_confusions, per_image_ce
from torch.utils.data import DataLoader, Dataset, TensorDataset

import segwidget
from segwidget.results.imaging import IMAGENET_MEAN, IMAGENET_STD

H, W = 16, 20
C = 4


@pytest.fixture
def data(rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    x = smooth_images(5, H, W, seed=1)
    y = torch.from_numpy(rng.integers(0, C, size=(5, H, W)))
    y[torch.from_numpy(rng.random((5, H, W)) < 0.2)] = 255
    return x, y


def _reference(model: torch.nn.Module, x: torch.Tensor, pick=lambda out: out) -> torch.Tensor:
    was = model.training
    model.eval()
    with torch.no_grad():
        logits = pick(model(x))
    model.train(was)
    return logits


def _assert_matches(
    results: segwidget.Results, logits: torch.Tensor, masks: torch.Tensor, losses=None
) -> None:
    """Confusion, losses and stored predictions equal those of ``logits`` computed directly."""
    pred = logits.argmax(dim=1).numpy()
    truth = masks.numpy()
    dense = dense_confusions(truth, pred, logits.shape[1], 255)
    assert results.n_images == truth.shape[0] and not results.partial
    np.testing.assert_array_equal(results.confusion(), dense.sum(axis=0))
    for i in range(truth.shape[0]):
        np.testing.assert_array_equal(results.image_confusion(i), dense[i])
        if results.images is not None:
            np.testing.assert_array_equal(results.images.view(i).prediction, pred[i])
    expected = per_image_ce(logits, masks, 255) if losses is None else losses
    np.testing.assert_allclose(results.losses, expected, rtol=1e-5, atol=1e-6)


def test_plain_tensor_model_runs_in_eval_mode_and_is_restored(data) -> None:
    x, y = data
    model = SmallConvNet(C).train()
    dl = DataLoader(TensorDataset(x, y), batch_size=2)
    results = segwidget.analyze(model, dl, list("abcd"), progress=False)
    assert model.modes == [False, False, False]
    assert model.training and all(m.training for m in model.modules())
    _assert_matches(results, _reference(model, x), y)
    assert results.classes == list("abcd")
    model.eval()
    segwidget.analyze(model, dl, list("abcd"), progress=False)
    assert not model.training


def test_dict_output_uses_out_and_ignores_aux(data) -> None:
    x, y = data
    model = DictOutputNet(C)
    results = segwidget.analyze(
        model, [(x[:3], y[:3]), (x[3:], y[3:])], list("abcd"), progress=False
    )
    _assert_matches(results, _reference(model, x, lambda out: out["out"]), y)


def test_logits_attribute_at_quarter_resolution_is_upsampled_bilinearly(data) -> None:
    x, y = data
    model = QuarterResNet(C)
    low = _reference(model, x, lambda out: out.logits)
    assert low.shape[-2:] == (H // 4, W // 4)
    up = F.interpolate(low, size=(H, W), mode="bilinear", align_corners=False)
    batches = [{"pixel_values": x[:2], "labels": y[:2]}, {"pixel_values": x[2:], "labels": y[2:]}]
    results = segwidget.analyze(model, batches, list("abcd"), progress=False)
    _assert_matches(results, up, y)


def test_tuple_output_uses_its_first_element(data) -> None:
    x, y = data
    model = TupleOutputNet(C)
    results = segwidget.analyze(model, [(x, y)], list("abcd"), progress=False)
    _assert_matches(results, _reference(model, x, lambda out: out[0]), y)


def test_one_channel_model_is_binary(data, rng: np.random.Generator) -> None:
    x, _ = data
    y = torch.from_numpy(rng.integers(0, 2, size=(5, H, W)))
    y[:, 0] = 255
    model = BinaryNet()
    z = _reference(model, x)[:, 0]
    results = segwidget.analyze(model, [(x, y)], progress=False)
    assert results.classes == ["background", "foreground"]
    positive = (torch.sigmoid(z) > 0.5).numpy()
    for i in range(5):
        np.testing.assert_array_equal(results.images.view(i).prediction, positive[i])
        valid = y[i] != 255
        bce = F.binary_cross_entropy_with_logits(z[i][valid].double(), y[i][valid].double())
        np.testing.assert_allclose(results.losses[i], float(bce), rtol=1e-5)
    truth = y.numpy()
    expected = dense_confusions(truth, positive.astype(int), 2, 255).sum(axis=0)
    np.testing.assert_array_equal(results.confusion(), expected)


class _DictDataset(Dataset):
    def __init__(self, x: torch.Tensor, y: torch.Tensor, keys: tuple[str, str]) -> None:
        self.x, self.y, self.keys = x, y, keys

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict:
        return {self.keys[0]: self.x[i], self.keys[1]: self.y[i], "name": f"img{i}"}


@pytest.mark.parametrize(
    ("keys", "kwargs"),
    [
        (("image", "mask"), {}),
        (("pixel_values", "labels"), {}),
        (("rgb", "seg"), {"image_key": "rgb", "mask_key": "seg"}),
    ],
)
def test_dict_batches(data, keys, kwargs) -> None:
    x, y = data
    model = SmallConvNet(C)
    dl = DataLoader(_DictDataset(x, y, keys), batch_size=3)
    results = segwidget.analyze(model, dl, list("abcd"), progress=False, **kwargs)
    _assert_matches(results, _reference(model, x), y)


@pytest.mark.parametrize("form", ["B1HW", "uint8", "uint8_B1HW", "int32", "bool"])
def test_mask_layouts_and_dtypes(data, form: str) -> None:
    x, y = data
    if form == "bool":
        y = torch.where(y == 255, 0, y) % 2
    model = SmallConvNet(C)
    baseline = segwidget.analyze(model, [(x, y)], list("abcd"), progress=False)
    _assert_matches(baseline, _reference(model, x), y)
    other = {
        "B1HW": y[:, None],
        "uint8": y.to(torch.uint8),
        "uint8_B1HW": y.to(torch.uint8)[:, None],
        "int32": y.int(),
        "bool": y.bool(),
    }[form]
    results = segwidget.analyze(model, [(x, other)], list("abcd"), progress=False)
    np.testing.assert_array_equal(results.losses, baseline.losses)
    np.testing.assert_array_equal(results.confusion(), baseline.confusion())


def test_custom_batch_and_output_adapters(data) -> None:
    x, y = data

    class NamedOutput(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = SmallConvNet(C)

        def forward(self, x: torch.Tensor) -> dict:
            return {"segmentation": self.net(x), "depth": x[:, :1]}

    model = NamedOutput()
    batches = [{"inputs": {"img": x[s]}, "targets": [y[s]]} for s in (slice(0, 2), slice(2, 5))]
    results = segwidget.analyze(
        model,
        batches,
        list("abcd"),
        batch_to_xy=lambda b: (b["inputs"]["img"], b["targets"][0]),
        output_to_logits=lambda out: out["segmentation"],
        progress=False,
    )
    _assert_matches(results, _reference(model, x, lambda out: out["segmentation"]), y)


def test_custom_loss_func(data) -> None:
    x, y = data
    model = SmallConvNet(C)

    def miss_probability(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        probs = logits.softmax(dim=1)
        return 1.0 - probs.gather(1, target[:, None])[:, 0]

    results = segwidget.analyze(
        model, [(x, y)], list("abcd"), loss_func=miss_probability, progress=False
    )
    logits = _reference(model, x)
    expected = []
    for i in range(5):
        valid = y[i] != 255
        p = logits[i].double().softmax(dim=0)
        hit = p.gather(0, torch.where(valid, y[i], 0)[None])[0]
        expected.append(float((1.0 - hit)[valid].mean()))
    _assert_matches(results, logits, y, losses=np.array(expected))


def _stored_error(results: segwidget.Results, x01: torch.Tensor) -> tuple[float, float]:
    errors = [
        np.abs(results.images.rgb(i).astype(float) - x01[i].permute(1, 2, 0).numpy() * 255)
        for i in range(x01.shape[0])
    ]
    return max(e.mean() for e in errors), max(e.max() for e in errors)


def _normalised(x: torch.Tensor, mean, std) -> torch.Tensor:
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


X01 = smooth_images(3, 24, 28, seed=5)


@pytest.mark.parametrize(
    ("inputs", "kwargs"),
    [
        (X01, {}),
        (X01 * 255, {}),
        ((X01 * 255).round().to(torch.uint8), {}),
        (_normalised(X01, IMAGENET_MEAN, IMAGENET_STD), {}),
        (_normalised(X01, (0.5,) * 3, (0.25,) * 3), {"mean": (0.5,) * 3, "std": (0.25,) * 3}),
        (X01 * 2 - 1, {"denormalize": lambda t: (t + 1) / 2}),
    ],
    ids=["unit", "0-255", "uint8", "imagenet", "mean-std", "callable"],
)
def test_inputs_are_denormalised_for_display(inputs: torch.Tensor, kwargs: dict) -> None:
    masks = torch.zeros(3, 24, 28, dtype=torch.long)
    model = ConstantLogits(3)
    results = segwidget.analyze(model, [(inputs, masks)], list("abc"), progress=False, **kwargs)
    assert results.images.rgb(0).shape == (24, 28, 3)
    mean_error, max_error = _stored_error(results, X01)
    assert mean_error < 4.0 and max_error < 40.0  # JPEG tolerance on smooth images


def test_explicit_mean_std_differs_from_autodetection() -> None:
    """Without mean/std, (x - 0.5) / 0.25 is taken for ImageNet-normalised: wrongly shown."""
    inputs = _normalised(X01, (0.5,) * 3, (0.25,) * 3)
    masks = torch.zeros(3, 24, 28, dtype=torch.long)
    auto = segwidget.analyze(ConstantLogits(3), [(inputs, masks)], list("abc"), progress=False)
    assert _stored_error(auto, X01)[0] > 6.0


def test_grey_inputs_and_inputs_larger_than_masks() -> None:
    grey = X01[:, :1]
    masks = torch.zeros(3, 12, 14, dtype=torch.long)

    class Pooled(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.avg_pool2d(torch.cat([x, 1 - x], dim=1), 2)

    results = segwidget.analyze(Pooled(), [(grey, masks)], ["dark", "light"], progress=False)
    shown = results.images.rgb(0)
    assert shown.shape == (12, 14, 3)
    spread = shown.astype(int).max(axis=2) - shown.astype(int).min(axis=2)
    assert spread.max() <= 6  # grey: the three channels agree up to JPEG noise
    expected = F.avg_pool2d(grey, 2)[0, 0].numpy() * 255
    assert np.abs(shown[..., 0] - expected).mean() < 4.0


def test_denormalize_and_mean_std_are_exclusive(data) -> None:
    x, y = data
    with pytest.raises(ValueError, match="either denormalize or mean/std"):
        segwidget.analyze(
            SmallConvNet(C), [(x, y)], list("abcd"), denormalize=lambda t: t, mean=(0.0,) * 3
        )
