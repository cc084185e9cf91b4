"""The hints the pass adds to a rejected batch of images (issue 9): what to do, in one
clause after the model's own error, and no hint when torch's text says something else.

The rejected cases are ``test_input_matrix``'s; here their messages are checked whole.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from models import smooth_images
from test_input_matrix import CASES, _masks

import segwidget
from segwidget import AnalysisError


def test_the_hints_of_rejected_images(rng: np.random.Generator) -> None:
    """The two image-layout cases above say what to do."""
    c = CASES["channels-last-layout-bhwc"](rng)
    with pytest.raises(AnalysisError) as info:
        segwidget.analyze(c.model, c.dl, progress=False)
    assert str(info.value).endswith(
        "; the images (2, 10, 12, 3) look channels-last (B, H, W, C): permute them to "
        "(B, C, H, W) in batch_to_xy= (x.permute(0, 3, 1, 2))"
    )
    c = CASES["uint8-inputs-to-a-float-model"](rng)
    with pytest.raises(AnalysisError) as info:
        segwidget.analyze(c.model, c.dl, progress=False)
    assert str(info.value).endswith(
        "; the images are torch.uint8: most models need float images; convert them in "
        "batch_to_xy= (e.g. x.float() / 255)"
    )


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("grayscale-inputs-to-an-rgb-model", "; the images have 1 channel and the model expects "
         "3: repeat it in batch_to_xy= (x.expand(-1, 3, -1, -1))"),
        ("four-channel-inputs-to-an-rgb-model", "; the images have 4 channels and the model "
         "expects 3: drop the alpha channel in batch_to_xy= (x[:, :3])"),
        ("rgb-inputs-to-a-grayscale-model", "; the images have 3 channels and the model expects "
         "1: make them greyscale in batch_to_xy= (x.mean(1, keepdim=True))"),
        ("five-channel-3x3-images-to-an-rgb-model", "; the images have 5 channels and the model "
         "expects 3: convert them in batch_to_xy="),
    ],
)  # fmt: skip
def test_the_hint_for_a_channel_count_the_model_rejects(
    name: str, hint: str, rng: np.random.Generator
) -> None:
    """One hint, from torch's own numbers; never "channels-last" for (B, 5, 3, 3)."""
    c = CASES[name](rng)
    with pytest.raises(AnalysisError) as info:
        segwidget.analyze(c.model, c.dl, progress=False)
    message = str(info.value)
    assert message.endswith(hint), message
    assert message.count("; ") == 1 and "channels-last" not in message


def test_no_channel_hint_when_torch_says_something_else(rng: np.random.Generator) -> None:
    """A one-channel batch whose model fails for another reason gets torch's text alone."""

    def fails(x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("expected input to have 3 channels (in some other words)")

    x = smooth_images(2, 9, 11)[:, :1]
    with pytest.raises(AnalysisError) as info:
        segwidget.analyze(fails, [(x, _masks(rng, 2, 9, 11))], progress=False)
    assert str(info.value) == (
        "batch 0: the model raised RuntimeError: expected input to have 3 channels "
        "(in some other words)"
    )
