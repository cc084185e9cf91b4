"""A demo that runs with no download: synthetic street scenes and a small trained U-Net.

>>> from segwidget.demo import CLASSES, load_model, valid_loader
>>> model, dl = load_model(), valid_loader()
>>> results = segwidget.analyze(model, dl, CLASSES, metadata=valid_metadata())
>>> before = load_model(early=True)  # the same U-Net trained half as long, to compare
"""

from __future__ import annotations

from typing import Any

import torch
from numpy.typing import NDArray
from torch.utils.data import DataLoader

from .dataset import CLASSES, IGNORE_INDEX, MEAN, STD, StreetScenes
from .metadata import SCENE_PARAMETERS
from .train import EARLY_WEIGHTS, WEIGHTS
from .unet import TinyUNet

__all__ = [
    "CLASSES",
    "IGNORE_INDEX",
    "MEAN",
    "SCENE_PARAMETERS",
    "STD",
    "StreetScenes",
    "TinyUNet",
    "load_model",
    "valid_loader",
    "valid_metadata",
]


def load_model(device: str | torch.device = "cpu", *, early: bool = False) -> TinyUNet:
    """Return the demo ``TinyUNet`` with the shipped weights, in eval mode.

    Parameters
    ----------
    device
        Where to put the model.
    early
        Load the weights of the earlier, shorter training (half the steps) instead:
        the "before" model of the demo comparison.

    Returns
    -------
    TinyUNet
        float32 model mapping normalised images ``(B, 3, H, W)`` to logits
        ``(B, len(CLASSES), H, W)``.
    """
    state = torch.load(EARLY_WEIGHTS if early else WEIGHTS, map_location="cpu", weights_only=True)
    # Weights ship as float16 to keep the package small; compute in float32.
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    model = TinyUNet(num_classes=len(CLASSES))
    model.load_state_dict(state)
    return model.to(device).eval()


def valid_loader(batch_size: int = 16, n: int | None = None) -> DataLoader:
    """Return a loader over the validation split, in index order.

    Parameters
    ----------
    batch_size
        Images per batch.
    n
        Number of images; ``None`` for the whole split (160).

    Returns
    -------
    torch.utils.data.DataLoader
        Yields ``(images, masks)``: float32 ``(B, 3, 96, 128)`` normalised with ``MEAN``/``STD``,
        int64 ``(B, 96, 128)`` with 255 on void pixels. No shuffling, no worker processes.
    """
    return DataLoader(
        StreetScenes("valid", n=n), batch_size=batch_size, shuffle=False, num_workers=0
    )


def valid_metadata(n: int | None = None) -> dict[str, NDArray[Any]]:
    """Per-image scene parameters of the validation split, aligned with ``valid_loader(n=n)``.

    Parameters
    ----------
    n
        Number of images; ``None`` for the whole split, as in ``valid_loader``.

    Returns
    -------
    dict
        One 1-D column per entry of ``SCENE_PARAMETERS`` (lighting, shadow, objects drawn,
        camera horizon...), for ``analyze(..., metadata=...)`` or ``Results.metadata``.
    """
    return StreetScenes("valid", n=n).metadata()
