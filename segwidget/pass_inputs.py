"""What ``analyze`` is given, checked before and around the pass: the loader, the models, their
modes, ``ignore_index``, and a likely cause when a model rejects its inputs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset

from .adapters import InputError
from .imaging import palette


class _DefaultIgnoreIndex(int):
    """255 marked as the default, so a pass with more than 255 classes can tell it from a choice."""


DEFAULT_IGNORE_INDEX = _DefaultIgnoreIndex(255)
_MAX_UINT8_CLASSES = 255  # with more classes, 255 is a class index


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


def input_hint(model: Any, images: torch.Tensor) -> str:
    """Likely causes when ``model`` raised on ``images`` ('' when none shows)."""
    hints = []
    if images.ndim == 4 and images.shape[-1] in (1, 3, 4) and images.shape[1] not in (1, 3, 4):
        hints.append(
            f"the images {tuple(images.shape)} look channels-last (B, H, W, C): permute them to "
            "(B, C, H, W) in batch_to_xy= (x.permute(0, 3, 1, 2))"
        )
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
