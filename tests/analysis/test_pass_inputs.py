"""Issue 9, the pass: a failing loader, masks that are not tensors, module modes, callables,
``ignore_index`` types and the default at more than 255 classes, a Dataset for a loader,
a half-precision model. Each: a clear error naming the batch, earlier batches kept."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from expect import assert_reference, first_batches
from models import Passthrough, SmallConvNet, logit_batches, smooth_images
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

import segwidget
from segwidget import AnalysisError, InputError

CLASSES = ["a", "b", "c"]


@pytest.fixture
def batches(rng: np.random.Generator) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return logit_batches(rng, [2, 3, 2, 2], 3, hw=(5, 6))


def _run(model, dl, classes=CLASSES, **kwargs) -> segwidget.Results:
    return segwidget.analyze(model, dl, classes, progress=False, **kwargs)


# -- the loader ---------------------------------------------------------------------------------
class _FailingLoader:
    """Yields ``batches`` but its ``next()`` raises ``error`` at batch ``at``."""

    def __init__(self, batches: list, at: int, error: Exception) -> None:
        self.batches, self.at, self.error = batches, at, error

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        for b, batch in enumerate(self.batches):
            if b == self.at:
                raise self.error
            yield batch


def test_a_loader_error_names_the_batch_and_keeps_earlier_ones(batches) -> None:
    error = OSError("image file is truncated (12 bytes not processed)")
    message = "batch 2: the dataloader raised OSError: image file is truncated (12 bytes not"
    with pytest.raises(AnalysisError, match="^" + re.escape(message)) as info:
        _run(Passthrough(), _FailingLoader(batches, 2, error))
    assert info.value.__cause__ is error
    assert_reference(info.value.results, *first_batches(batches, 2), partial=True)


class _Sizes(Dataset):
    """Images of two sizes: the default collate cannot stack them."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        h = 6 if i < 3 else 5
        torch.manual_seed(i)
        return torch.randn(3, h, 6), torch.randint(0, 3, (h, 6))


def test_a_collate_error_in_a_real_dataloader(rng) -> None:
    dl = DataLoader(_Sizes(), batch_size=2)
    message = "batch 1: the dataloader raised RuntimeError: stack expects each tensor to be equal"
    with pytest.raises(AnalysisError, match="^" + re.escape(message)) as info:
        _run(Passthrough(), dl)
    x, y = next(iter(dl))
    assert_reference(info.value.results, x, y, partial=True)


def test_a_loader_failing_at_once_has_no_results(batches) -> None:
    with pytest.raises(
        AnalysisError, match=r"^batch 0: the dataloader raised ValueError: x$"
    ) as info:
        _run(Passthrough(), _FailingLoader(batches, 0, ValueError("x")))
    assert info.value.results is None


# -- masks that are not tensors -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("masks", "described"),
    [
        (None, "None"),
        ([torch.zeros(5, 6, dtype=torch.long)] * 3, "a list of 3 Tensor"),
        (["m0.png", "m1.png", "m2.png"], "a list of 3 str"),
        ("masks/0001.png", "the str 'masks/0001.png'"),
    ],
    ids=["None", "list-of-tensors", "file-names", "a-file-name"],
)
def test_masks_that_are_not_tensors(batches, masks, described: str) -> None:
    batches[1] = (batches[1][0], masks)
    message = f"batch 1: the masks are {described}, not a tensor; a batch's masks must be one"
    with pytest.raises(InputError, match="^" + re.escape(message)) as info:
        _run(Passthrough(), batches)
    assert_reference(info.value.results, *first_batches(batches, 1), partial=True)


def test_numpy_masks_are_read(batches) -> None:
    as_numpy = [(x, y.numpy().astype(np.uint16)) for x, y in batches]
    assert_reference(_run(Passthrough(), as_numpy), *first_batches(batches, 4))


# -- module modes ---------------------------------------------------------------------------------
def _frozen_bn_model() -> nn.Sequential:
    torch.manual_seed(3)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Dropout2d(0.5),
        nn.Conv2d(8, 4, 1),
    )  # fmt: skip
    with torch.no_grad():  # running statistics that differ from the initial ones
        model(smooth_images(4, 8, 8, seed=9) * 3)
    return model


@pytest.mark.parametrize("fails", [False, True], ids=["complete", "failing"])
def test_every_submodules_mode_is_restored(rng, fails: bool) -> None:
    model = _frozen_bn_model()
    model.train()
    model[1].eval()  # a frozen BatchNorm in a training model
    modes = {name: m.training for name, m in model.named_modules()}
    bn = {k: v.clone() for k, v in model[1].state_dict().items()}
    x = smooth_images(3, 10, 12, seed=2)
    y = torch.from_numpy(rng.integers(0, 4, (3, 10, 12)))
    batches = [(x[:2], y[:2]), (x[2:], y[2:] if not fails else y[2:, :3])]
    if fails:
        with pytest.raises(InputError):
            _run(model, batches, list("abcd"))
    else:
        results = _run(model, batches, list("abcd"))
        reference = _frozen_bn_model().eval()
        reference.load_state_dict(model.state_dict())
        with torch.no_grad():
            assert_reference(results, reference(x), y)
    assert {name: m.training for name, m in model.named_modules()} == modes
    for key, value in model[1].state_dict().items():
        assert torch.equal(value, bn[key]), key


def test_batchnorm_statistics_are_untouched_in_a_training_model(rng) -> None:
    model = _frozen_bn_model().train()
    bn = {k: v.clone() for k, v in model[1].state_dict().items()}
    y = torch.from_numpy(rng.integers(0, 4, (3, 10, 12)))
    _run(model, [(smooth_images(3, 10, 12, seed=4) * 5, y)], list("abcd"))
    assert all(m.training for m in model.modules())
    for key, value in model[1].state_dict().items():
        assert torch.equal(value, bn[key]), key


# -- callables ------------------------------------------------------------------------------------
def test_a_callable_that_is_not_a_module(rng) -> None:
    model = SmallConvNet(4).eval()
    x = smooth_images(3, 8, 9, seed=1)
    y = torch.from_numpy(rng.integers(0, 4, (3, 8, 9)))
    results = _run(lambda images: model(images), [(x[:2], y[:2]), (x[2:], y[2:])], list("abcd"))
    with torch.no_grad():
        assert_reference(results, model(x), y)
    again = _run(lambda images: model(images), [(x, y)], list("abcd"), device="cpu")
    np.testing.assert_array_equal(again.losses, results.losses)


def test_a_bound_method_gets_eval_mode(rng) -> None:
    model = SmallConvNet(4).train()
    x = smooth_images(3, 8, 9, seed=1)
    y = torch.from_numpy(rng.integers(0, 4, (3, 8, 9)))
    results = _run(model.forward, [(x, y)], list("abcd"))
    assert model.modes == [False] and all(m.training for m in model.modules())
    with torch.no_grad():
        assert_reference(results, model.eval()(x), y)


def test_a_model_that_is_not_callable(batches) -> None:
    with pytest.raises(InputError, match=r"^model must be an nn\.Module or a function of a batch"):
        _run("unet.pt", batches)


# -- ignore_index ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("255", "ignore_index must be an int or None, not str '255': pass ignore_index=255"),
        (True, "ignore_index must be an int or None, not bool True"),
        (255.0, "ignore_index must be an int or None, not float 255.0: pass ignore_index=255"),
        ([255], "ignore_index must be an int or None, not list [255]"),
    ],
    ids=["string", "bool", "float", "list"],
)
def test_ignore_index_types(batches, value, message: str) -> None:
    with pytest.raises(InputError, match="^" + re.escape(message) + "$"):
        _run(Passthrough(), batches, ignore_index=value)


def test_a_numpy_integer_ignore_index_is_plain(batches) -> None:
    results = _run(Passthrough(), batches, ignore_index=np.int64(255))
    assert type(results.ignore_index) is int and results.ignore_index == 255
    assert_reference(results, *first_batches(batches, 4))


@pytest.fixture
def wide(rng) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Batches of 300 classes whose masks use 255 as a class, with -1 for unlabelled pixels."""
    batches = logit_batches(rng, [2, 2], 300, hw=(4, 5), ignore_index=-1)
    for _, y in batches:
        y[0, 0, :2] = 255
    return batches


def test_the_default_ignore_index_is_refused_beyond_255_classes(wide) -> None:
    message = (
        "batch 0: there are 300 classes, so the default ignore_index=255 is class 255 ('255') "
        "and would drop its pixels; pass ignore_index= the value your masks use for unlabelled "
        "pixels (e.g. -1 or 65535), or None if every pixel is labelled (an explicit "
        "ignore_index=255 is honoured)"
    )
    with pytest.raises(InputError, match="^" + re.escape(message) + "$"):
        _run(Passthrough(), wide, None)


def test_beyond_255_classes_an_explicit_ignore_index_is_honoured(wide) -> None:
    logits, masks = first_batches(wide, 2)
    results = _run(Passthrough(), wide, None, ignore_index=-1)
    assert_reference(results, logits, masks, -1)
    assert results.confusion()[255].sum() >= 4  # class 255 counted
    void_255 = [(x, torch.where(y == -1, 255, y)) for x, y in wide]
    logits, masks = first_batches(void_255, 2)
    assert_reference(_run(Passthrough(), void_255, None, ignore_index=255), logits, masks, 255)


def test_255_classes_keep_the_default(rng) -> None:
    batches = logit_batches(rng, [2], 255, hw=(4, 5))
    assert_reference(_run(Passthrough(), batches, None), *first_batches(batches, 1))


# -- a Dataset for a loader, a half-precision model -----------------------------------------------
def test_a_map_style_dataset_is_refused() -> None:
    dataset = TensorDataset(torch.zeros(12, 3, 12, 16), torch.zeros(12, 12, 16, dtype=torch.long))
    message = (
        "dl is a map-style Dataset (TensorDataset), which yields one image at a time; wrap it "
        "in a DataLoader: analyze(model, DataLoader(dataset, batch_size=8), ...)"
    )
    with pytest.raises(InputError, match="^" + re.escape(message) + "$"):
        _run(Passthrough(), dataset)


def test_a_half_precision_model_given_float_images(rng) -> None:
    model = SmallConvNet(3).half()
    y = torch.from_numpy(rng.integers(0, 3, (2, 6, 7)))
    with pytest.raises(AnalysisError) as info:
        _run(model, [(smooth_images(2, 6, 7), y)])
    message = str(info.value)
    assert message.startswith("batch 0: the model raised RuntimeError: ")
    assert message.endswith(
        "; the model's weights are torch.float16 but the images are torch.float32: cast the "
        "model (model.float()) or the images (x.to(torch.float16) in batch_to_xy=)"
    )


def test_colors_that_do_not_fit_the_classes(batches) -> None:
    message = "batch 0: colors has 2 entries but there are 3 classes"
    with pytest.raises(InputError, match="^" + re.escape(message) + "$"):
        _run(Passthrough(), batches, colors=["#000000", "#ffffff"])
    with pytest.raises(
        InputError, match=r"^batch 0: colors must be '#rrggbb' strings; not \['red'\]"
    ):
        _run(Passthrough(), batches, colors=["red", "#000000", "#ffffff"])
