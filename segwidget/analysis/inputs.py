"""What ``analyze`` is given, checked before and around the pass: the loader, the models, their
modes, ``ignore_index``, and a likely cause when a model rejects its inputs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset

from ..results.imaging import palette
from .adapters import InputError


class _DefaultIgnoreIndex(int):
    """255 marked as the default, so a pass with more than 255 classes can tell it from a choice."""


DEFAULT_IGNORE_INDEX = _DefaultIgnoreIndex(255)
_MAX_UINT8_CLASSES = 255  # with more classes, 255 is a class index
_IMAGE_CHANNELS = (1, 3, 4)  # greyscale, RGB, RGBA
_CONV_CHANNELS = re.compile(r"to have (\d+) channels, but got (\d+) channels instead")


def check_loader(dl: Any) -> int | None:
    """Refuse what is not an iterable of batches; return its number of batches when known."""
    if isinstance(dl, Dataset) and not isinstance(dl, IterableDataset):
        raise InputError(
            f"dl is a map-style Dataset ({type(dl).__name__}), which yields one image at a time; "
            "wrap it in a DataLoader: analyze(model, DataLoader(dataset, batch_size=8), ...)"
        )
    if not hasattr(dl, "__iter__"):
        raise InputError(
            f"dl must be an iterable of batches (a DataLoader, a list, a generator), "
            f"not {type(dl).__name__}"
        )
    try:
        length = len(dl)
    except TypeError:  # no length: a generator, a DataLoader over an IterableDataset
        return None
    if length == 0:
        raise InputError("the dataloader is empty: it has no batches to analyse")
    return length


def check_ignore_index(value: Any) -> int | None:
    """``ignore_index`` as a plain int or ``None`` (the default keeps its mark)."""
    if value is None or value is DEFAULT_IGNORE_INDEX:
        return value
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        readable = (isinstance(value, str) and value.strip().lstrip("-").isdigit()) or (
            isinstance(value, float) and value.is_integer()
        )
        hint = f": pass ignore_index={int(value)}" if readable else ""
        raise InputError(
            f"ignore_index must be an int or None, not {type(value).__name__} {value!r}{hint}"
        )
    return int(value)


def check_default_ignore(ignore_index: int | None, classes: list[str], where: str) -> None:
    """Refuse the default ``ignore_index=255`` when 255 is a class index (more than 255 classes).

    The default suits datasets of at most 255 classes; beyond, it would silently drop every
    pixel of class 255 from every number. An explicit ``ignore_index=255`` is honoured.
    """
    if ignore_index is DEFAULT_IGNORE_INDEX and len(classes) > _MAX_UINT8_CLASSES:
        raise InputError(
            f"{where}: there are {len(classes)} classes, so the default ignore_index=255 is class "
            f"255 ({classes[255]!r}) and would drop its pixels; pass ignore_index= the value your "
            "masks use for unlabelled pixels (e.g. -1 or 65535), or None if every pixel is "
            "labelled (an explicit ignore_index=255 is honoured)"
        )


def class_colors(n_classes: int, colors: Sequence[str] | None, where: str) -> list[str]:
    """``colors=`` checked against the classes, or the default palette."""
    try:
        return palette(n_classes, colors)
    except ValueError as err:
        raise InputError(f"{where}: {err}") from err


def as_module(model: Any) -> torch.nn.Module | None:
    """The ``nn.Module`` behind a model: itself, or the owner of a bound method (``m.forward``)."""
    owner = getattr(model, "__self__", model)
    return owner if isinstance(owner, torch.nn.Module) else None


def check_models(models: Sequence[Any], several: bool) -> None:
    """Every model must be callable on a batch of images."""
    for k, model in enumerate(models):
        if not callable(model):
            name = f"model {k}" if several else "model"
            raise InputError(
                f"{name} must be an nn.Module or a function of a batch of images, "
                f"not {type(model).__name__}"
            )


def model_device(model: Any, device: torch.device | str | None) -> torch.device:
    """Where a model's batches go: ``device=``, else its parameters' device, else the CPU."""
    if device is not None:
        return torch.device(device)
    module = as_module(model)
    params = module.parameters() if module is not None else iter(())
    return next((p.device for p in params), torch.device("cpu"))


@contextmanager
def eval_modes(models: Sequence[Any]) -> Iterator[None]:
    """Every module of every model in eval mode; afterwards each module's own flag restored.

    Flags are set back one by one, not with ``train()``, so a BatchNorm frozen in an
    otherwise training model stays frozen.
    """
    modes: dict[torch.nn.Module, bool] = {}
    modules = [m for m in map(as_module, models) if m is not None]
    for module in modules:
        for sub in module.modules():
            modes.setdefault(sub, sub.training)
    try:
        for module in modules:
            module.eval()
        yield
    finally:
        for sub, training in modes.items():
            sub.training = training


def input_hint(model: Any, images: torch.Tensor, err: BaseException) -> str:
    """Likely causes when ``model`` raised ``err`` on ``images`` ('' when none shows)."""
    hints = []
    expected, got = _conv_channels(err)
    if _looks_channels_last(images, expected):
        hints.append(
            f"the images {tuple(images.shape)} look channels-last (B, H, W, C): permute them to "
            "(B, C, H, W) in batch_to_xy= (x.permute(0, 3, 1, 2))"
        )
    elif expected is not None and images.ndim == 4 and got == images.shape[1]:
        hints.append(_channel_advice(got, expected))
    module = as_module(model)
    params = module.parameters() if module is not None else iter(())
    weights = next((p.dtype for p in params if p.is_floating_point()), None)
    if not images.is_floating_point():
        hints.append(
            f"the images are {images.dtype}: most models need float images; convert them "
            "in batch_to_xy= (e.g. x.float() / 255)"
        )
    elif weights is not None and images.dtype != weights:
        hints.append(
            f"the model's weights are {weights} but the images are {images.dtype}: cast the "
            f"model (model.float()) or the images (x.to({weights}) in batch_to_xy=)"
        )
    return "".join(f"; {hint}" for hint in hints)


def _conv_channels(err: BaseException) -> tuple[int | None, int | None]:
    """``(expected, got)`` input channels when ``err`` is torch's convolution channel error.

    torch says "... expected input[2, 1, 5, 6] to have 3 channels, but got 1 channels
    instead"; any other wording gives ``(None, None)``, and no channel hint.
    """
    found = _CONV_CHANNELS.search(str(err))
    return (int(found[1]), int(found[2])) if found else (None, None)


def _looks_channels_last(images: torch.Tensor, expected: int | None) -> bool:
    """(B, H, W, C): a last axis of 1, 3 or 4 channels after two axes too long to be channels
    (a 5-channel 3×3 image is not taken for channels-last), and, when torch says how many
    channels the model wants, that many in the last axis."""
    if images.ndim != 4 or images.shape[-1] not in _IMAGE_CHANNELS:
        return False
    spatial = min(images.shape[1], images.shape[2]) > max(_IMAGE_CHANNELS)
    return spatial and expected in (None, images.shape[-1])


def _channel_advice(got: int, expected: int) -> str:
    noun = "channel" if got == 1 else "channels"
    start = f"the images have {got} {noun} and the model expects {expected}: "
    if got == 1:
        return start + f"repeat it in batch_to_xy= (x.expand(-1, {expected}, -1, -1))"
    if got == 4 and expected == 3:
        return start + "drop the alpha channel in batch_to_xy= (x[:, :3])"
    if got == 3 and expected == 1:
        return start + "make them greyscale in batch_to_xy= (x.mean(1, keepdim=True))"
    return start + "convert them in batch_to_xy="
