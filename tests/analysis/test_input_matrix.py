"""Issue 9's other inputs to the pass, one named case each: it works with the numbers of an
independent reference, or it raises a clear error naming the problem (earlier batches kept).

A case builds ``(model, dl, classes, kwargs)`` and either the reference logits and masks of
every image, or the error it must raise and the batches it must keep.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch
from expect import assert_reference, first_batches
from models import InterruptingLoader, Passthrough, SmallConvNet, logit_batches, smooth_images
from torch.utils.data import DataLoader, IterableDataset

import segwidget
from segwidget import AnalysisError, InputError


@dataclass
class Case:
    model: Any
    dl: Any
    classes: Any = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    logits: torch.Tensor | None = None  # reference logits (at mask size) of every analysed image
    masks: torch.Tensor | None = None
    ignore_index: int | None = 255
    sizes: list[tuple[torch.Tensor, torch.Tensor]] | None = None  # per size: logits, masks
    interrupted: bool = False  # a partial result, with a warning
    error: tuple[type[Exception], str] | None = None  # type and start of the message
    kept: tuple[torch.Tensor, torch.Tensor] | None = None  # reference of the batches kept


CASES: dict[str, Callable[[np.random.Generator], Case]] = {}


def case(fn: Callable[[np.random.Generator], Case]) -> Callable[[np.random.Generator], Case]:
    CASES[fn.__name__.replace("_", "-")] = fn
    return fn


def _eval_logits(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        return model(x)


def _masks(rng: np.random.Generator, n: int, h: int, w: int, c: int = 4) -> torch.Tensor:
    y = torch.from_numpy(rng.integers(0, c, (n, h, w)))
    y[torch.from_numpy(rng.random((n, h, w)) < 0.2)] = 255
    return y


def _passthrough(batches: list, **kwargs: Any) -> Case:
    """Logits are the inputs: the reference is the batches themselves."""
    logits = torch.cat([x for x, _ in batches])
    masks = torch.cat([y.reshape(y.shape[0], *y.shape[-2:]) for _, y in batches])
    return Case(Passthrough(), batches, logits=logits, masks=masks.long(), **kwargs)


# -- masks ---------------------------------------------------------------------------------------
@case
def float_masks(rng: np.random.Generator) -> Case:
    batches = logit_batches(rng, [2, 3], 4)
    reference = _passthrough(batches)
    reference.dl = [(x, y.float()) for x, y in batches]
    return reference


@case
def float_masks_scaled_by_totensor(rng: np.random.Generator) -> Case:
    batches = logit_batches(rng, [2, 3], 4)
    dl = [batches[0], (batches[1][0], batches[1][1].float() / 255)]
    message = "batch 1, image 0: float masks must hold whole class indices; found 0."
    return Case(Passthrough(), dl, error=(InputError, message), kept=batches[0])


@case
def bool_masks(rng: np.random.Generator) -> Case:
    batches = logit_batches(rng, [2, 3], 2, ignore_index=None)
    reference = _passthrough(batches, ignore_index=None)
    reference.dl = [(x, y.bool()) for x, y in batches]
    return reference


@case
def masks_b1hw(rng: np.random.Generator) -> Case:
    return _passthrough([(x, y[:, None]) for x, y in logit_batches(rng, [2, 3], 4)])


@case
def masks_with_height_and_width_swapped(rng: np.random.Generator) -> Case:
    batches = logit_batches(rng, [2, 2], 4, hw=(6, 8))
    dl = [batches[0], (batches[1][0], batches[1][1].transpose(1, 2))]
    message = (
        "batch 1: logits (2, 4, 6, 8) are larger than masks (2, 8, 6); segwidget only upsamples "
        "lower-resolution logits (are the images' or the masks' height and width swapped?)"
    )
    return Case(Passthrough(), dl, error=(InputError, message), kept=batches[0])


@case
def images_with_height_and_width_swapped(rng: np.random.Generator) -> Case:
    """The masks are right: the hint must not blame them alone."""
    batches = logit_batches(rng, [2, 2], 4, hw=(6, 8))
    dl = [batches[0], (batches[1][0].transpose(2, 3), batches[1][1])]
    message = (
        "batch 1: logits (2, 4, 8, 6) are larger than masks (2, 6, 8); segwidget only upsamples "
        "lower-resolution logits (are the images' or the masks' height and width swapped?)"
    )
    return Case(Passthrough(), dl, error=(InputError, message), kept=batches[0])


@case
def every_pixel_ignored(rng: np.random.Generator) -> Case:
    batches = [(x, torch.full_like(y, 255)) for x, y in logit_batches(rng, [2, 1], 3)]
    return _passthrough(batches)


# -- images ----------------------------------------------------------------------------------------
def _model_case(rng: np.random.Generator, model: torch.nn.Module, x: torch.Tensor) -> Case:
    y = _masks(rng, x.shape[0], *x.shape[-2:])
    logits = _eval_logits(model, x.contiguous())
    return Case(model, [(x[:2], y[:2]), (x[2:], y[2:])], logits=logits, masks=y)


@case
def channels_last_memory_format(rng: np.random.Generator) -> Case:
    x = smooth_images(4, 10, 12, seed=3)
    reference = _model_case(rng, SmallConvNet(4), x)
    reference.dl = [(a.contiguous(memory_format=torch.channels_last), b) for a, b in reference.dl]
    return reference


@case
def channels_last_layout_bhwc(rng: np.random.Generator) -> Case:
    x = smooth_images(4, 10, 12, seed=3)
    model = SmallConvNet(4)
    y = _masks(rng, 4, 10, 12)
    dl = [(x[:2], y[:2]), (x[2:].permute(0, 2, 3, 1), y[2:])]
    message = "batch 1: the model raised RuntimeError: "
    return Case(model, dl, error=(AnalysisError, message), kept=(_eval_logits(model, x[:2]), y[:2]))


@case
def grayscale_inputs(rng: np.random.Generator) -> Case:
    return _model_case(rng, SmallConvNet(4, in_channels=1), smooth_images(4, 9, 11)[:, :1])


@case
def four_channel_inputs(rng: np.random.Generator) -> Case:
    x = torch.cat([smooth_images(4, 9, 11), smooth_images(4, 9, 11, seed=8)[:, :1]], dim=1)
    return _model_case(rng, SmallConvNet(4, in_channels=4), x)


class _Scaling(torch.nn.Module):
    """Takes uint8 images in [0, 255] and scales them itself."""

    def __init__(self) -> None:
        super().__init__()
        self.net = SmallConvNet(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.float() / 255)


def _channel_mismatch(rng: np.random.Generator, channels: int, model_channels: int) -> Case:
    """Images of ``channels`` channels (3 × 9 × 11) given to a model of ``model_channels``."""
    x = torch.cat([smooth_images(3, 9, 11, seed=s) for s in range(2)], dim=1)
    y = _masks(rng, 3, 9, 11)
    model = SmallConvNet(4, in_channels=model_channels)
    dl = [(x[:2, :model_channels], y[:2]), (x[2:, :channels], y[2:])]
    message = "batch 1: the model raised RuntimeError: "
    kept = (_eval_logits(model, dl[0][0]), y[:2])
    return Case(model, dl, error=(AnalysisError, message), kept=kept)


@case
def grayscale_inputs_to_an_rgb_model(rng: np.random.Generator) -> Case:
    return _channel_mismatch(rng, 1, 3)


@case
def four_channel_inputs_to_an_rgb_model(rng: np.random.Generator) -> Case:
    return _channel_mismatch(rng, 4, 3)


@case
def rgb_inputs_to_a_grayscale_model(rng: np.random.Generator) -> Case:
    return _channel_mismatch(rng, 3, 1)


@case
def five_channel_3x3_images_to_an_rgb_model(rng: np.random.Generator) -> Case:
    """(B, 5, 3, 3): the last axis is 3 but this is not channels-last."""
    model = SmallConvNet(4)
    x = torch.cat([smooth_images(2, 3, 3, seed=s) for s in range(2)], dim=1)[:, :5]
    message = "batch 0: the model raised RuntimeError: "
    return Case(model, [(x, _masks(rng, 2, 3, 3))], error=(AnalysisError, message))


@case
def uint8_inputs_to_a_model_that_scales_them(rng: np.random.Generator) -> Case:
    x = (smooth_images(4, 9, 11) * 255).round().to(torch.uint8)
    return _model_case(rng, _Scaling(), x)


@case
def uint8_inputs_to_a_float_model(rng: np.random.Generator) -> Case:
    x = (smooth_images(4, 9, 11) * 255).round().to(torch.uint8)
    dl = [(x, _masks(rng, 4, 9, 11))]
    message = "batch 0: the model raised RuntimeError: "
    return Case(SmallConvNet(4), dl, error=(AnalysisError, message))


@case
def batch_size_1(rng: np.random.Generator) -> Case:
    return _passthrough(logit_batches(rng, [1, 1, 1], 4))


@case
def a_1x1_image(rng: np.random.Generator) -> Case:
    return _passthrough(logit_batches(rng, [1, 2], 4, hw=(1, 1), ignore_frac=0.0))


@case
def varying_image_sizes_across_batches(rng: np.random.Generator) -> Case:
    batches = [logit_batches(rng, [n], 4, hw=hw)[0] for n, hw in [(2, (5, 6)), (1, (9, 4))]]
    return Case(Passthrough(), batches, sizes=batches)


# -- classes ---------------------------------------------------------------------------------------
@case
def classes_1000(rng: np.random.Generator) -> Case:
    batches = logit_batches(rng, [2, 1], 1000, hw=(4, 5), ignore_index=-1)
    return _passthrough(batches, kwargs={"ignore_index": -1}, ignore_index=-1)


@case
def classes_1000_with_the_default_ignore_index(rng: np.random.Generator) -> Case:
    batches = logit_batches(rng, [2, 1], 1000, hw=(4, 5), ignore_index=-1)
    message = "batch 0: there are 1000 classes, so the default ignore_index=255 is class 255"
    return Case(Passthrough(), batches, error=(InputError, message))


@case
def duplicate_class_names(rng: np.random.Generator) -> Case:
    message = "class names must be unique; repeated: ['car']"
    return Case(Passthrough(), logit_batches(rng, [2], 3), ["car", "road", "car"],
                error=(InputError, message))  # fmt: skip


@case
def an_empty_class_name(rng: np.random.Generator) -> Case:
    message = "classes: class 1 has an empty name ''; give every class a visible name"
    return Case(Passthrough(), logit_batches(rng, [2], 3), ["car", "", "road"],
                error=(InputError, message))  # fmt: skip


# -- loaders ---------------------------------------------------------------------------------------
@case
def a_generator(rng: np.random.Generator) -> Case:
    batches = logit_batches(rng, [2, 3], 4)
    reference = _passthrough(batches)
    reference.dl = (batch for batch in batches)
    return reference


class _Stream(IterableDataset):
    def __init__(self, items: list) -> None:
        self.items = items

    def __iter__(self):
        return iter(self.items)


@case
def an_iterable_dataset_of_batches(rng: np.random.Generator) -> Case:
    batches = logit_batches(rng, [2, 3], 4)
    reference = _passthrough(batches)
    reference.dl = _Stream(batches)
    return reference


@case
def a_dataloader_over_an_iterable_dataset(rng: np.random.Generator) -> Case:
    batches = logit_batches(rng, [2, 3], 4)
    samples = [(x[i], y[i]) for x, y in batches for i in range(x.shape[0])]
    reference = _passthrough(batches)
    reference.dl = DataLoader(_Stream(samples), batch_size=2)
    return reference


@case
def an_iterable_dataset_of_single_images(rng: np.random.Generator) -> Case:
    x, y = logit_batches(rng, [2], 4, hw=(12, 16))[0]
    message = (
        "batch 0: masks must be (B, H, W) or (B, 1, H, W), got (12, 16) (one image's mask, "
        "not a batch? wrap the dataset in a DataLoader)"
    )
    return Case(Passthrough(), _Stream([(x[0], y[0]), (x[1], y[1])]), error=(InputError, message))


@case
def keyboard_interrupt_mid_pass(rng: np.random.Generator) -> Case:
    batches = logit_batches(rng, [2, 3, 2], 4)
    logits, masks = first_batches(batches, 2)
    loader = InterruptingLoader(batches, 2)
    return Case(Passthrough(), loader, logits=logits, masks=masks, interrupted=True)


@pytest.mark.parametrize("name", list(CASES))
def test_input_case(name: str, rng: np.random.Generator) -> None:
    c = CASES[name](rng)
    kwargs = {"progress": False, **c.kwargs}
    if c.error is not None:
        kind, message = c.error
        with pytest.raises(kind, match="^" + re.escape(message)) as info:
            segwidget.analyze(c.model, c.dl, c.classes, **kwargs)
        if c.kept is None:
            assert info.value.results is None
        else:
            assert_reference(info.value.results, *c.kept, c.ignore_index, partial=True)
        return
    if c.interrupted:
        with pytest.warns(UserWarning, match=r"analysis interrupted after \d+ images"):
            results = segwidget.analyze(c.model, c.dl, c.classes, **kwargs)
    else:
        results = segwidget.analyze(c.model, c.dl, c.classes, **kwargs)
    parts = c.sizes if c.sizes is not None else [(c.logits, c.masks)]
    start = 0
    for logits, masks in parts:
        part = results.subset(np.arange(start, start + logits.shape[0]))
        assert_reference(part, logits, masks, c.ignore_index, partial=c.interrupted)
        start += logits.shape[0]
    assert results.n_images == start and results.partial == c.interrupted
