"""Assertions that a pass's ``Results`` equal the references (``references.py``) on given logits."""

from __future__ import annotations

import numpy as np
import torch
from references import dense_confusions, per_image_ce

import segwidget


def assert_reference(
    results: segwidget.Results,
    logits: torch.Tensor,
    masks: torch.Tensor,
    ignore_index: int | None = 255,
    partial: bool = False,
) -> None:
    """``results`` hold exactly the images of ``logits``/``masks``, with their numbers.

    ``logits`` are ``(N, C, H, W)`` at the masks' size; ``masks`` ``(N, H, W)`` integers.
    """
    truth, pred = masks.long().numpy(), logits.argmax(dim=1).numpy()
    dense = dense_confusions(truth, pred, logits.shape[1], ignore_index)
    assert results.partial == partial
    assert results.n_images == truth.shape[0]
    assert results.n_classes == logits.shape[1]
    for i in range(truth.shape[0]):
        np.testing.assert_array_equal(results.image_confusion(i), dense[i])
        if results.images is not None:
            np.testing.assert_array_equal(results.images.view(i).prediction, pred[i])
    expected = per_image_ce(logits.double(), masks.long(), ignore_index)
    np.testing.assert_allclose(results.losses, expected, rtol=1e-5, atol=1e-6)


def first_batches(
    batches: list[tuple[torch.Tensor, torch.Tensor]], k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The logits and masks of ``(logits, masks)`` batches ``0 .. k-1``, concatenated."""
    return torch.cat([x for x, _ in batches[:k]]), torch.cat([y for _, y in batches[:k]])
