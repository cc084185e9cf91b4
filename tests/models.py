"""Tiny models with random weights and "models" whose logits the test controls.

Nothing here downloads anything; nothing uses torchvision or transformers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


class Passthrough(nn.Module):
    """A "model" whose input *is* its logits, so a test chooses every logit."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class ConstantLogits(nn.Module):
    """Zero logits of ``n_out`` channels at the input's size (for image-handling tests)."""

    def __init__(self, n_out: int = 3) -> None:
        super().__init__()
        self.n_out = n_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros(x.shape[0], self.n_out, *x.shape[-2:])


class SmallConvNet(nn.Module):
    """A plain tensor-output segmentation net, with dropout so eval mode matters."""

    def __init__(self, n_classes: int, in_channels: int = 3) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(),
            nn.Dropout2d(0.5),
            nn.Conv2d(8, n_classes, 1),
        )
        self.modes: list[bool] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.modes.append(self.training)
        return self.body(x)


class DictOutputNet(nn.Module):
    """torchvision-style output: ``{'out': logits, 'aux': other logits}``."""

    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.out = nn.Conv2d(3, n_classes, 3, padding=1)
        self.aux = nn.Conv2d(3, n_classes + 2, 3, padding=1)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"out": self.out(x), "aux": self.aux(x)}


@dataclass
class SegOutput:
    """Hugging Face-style output object."""

    logits: torch.Tensor
    hidden_states: tuple[torch.Tensor, ...] | None = None


class QuarterResNet(nn.Module):
    """Predicts at 1/4 resolution (like SegFormer) and returns an object with ``.logits``."""

    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 4, stride=4)
        self.head = nn.Conv2d(8, n_classes, 1)

    def forward(self, pixel_values: torch.Tensor) -> SegOutput:
        hidden = torch.relu(self.stem(pixel_values))
        return SegOutput(logits=self.head(hidden), hidden_states=(hidden,))


class TupleOutputNet(nn.Module):
    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, n_classes, 3, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = self.conv(x)
        return logits, logits.mean(dim=(2, 3))


class BinaryNet(nn.Module):
    """One output channel: a binary model read through a sigmoid."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) * 4.0


class Raising(nn.Module):
    """Passes logits through, but raises on its ``at``-th call."""

    def __init__(self, at: int, error: BaseException) -> None:
        super().__init__()
        self.at, self.error, self.calls = at, error, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls - 1 == self.at:
            raise self.error
        return x


class InterruptingLoader:
    """Yields ``batches`` but raises KeyboardInterrupt instead of batch ``at`` (like Ctrl-C)."""

    def __init__(self, batches: list, at: int) -> None:
        self.batches, self.at = batches, at

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator:
        for b, batch in enumerate(self.batches):
            if b == self.at:
                raise KeyboardInterrupt
            yield batch


def logit_batches(
    rng: np.random.Generator,
    sizes: list[int],
    n_classes: int,
    hw: tuple[int, int] = (6, 7),
    ignore_frac: float = 0.2,
    ignore_index: int | None = 255,
    truth_classes: list[int] | None = None,
    pred_classes: list[int] | None = None,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Random ``(logits, masks)`` batches of the given sizes.

    ``truth_classes``/``pred_classes`` restrict which classes appear in truth / argmax.
    """
    truth_classes = list(range(n_classes)) if truth_classes is None else truth_classes
    pred_classes = list(range(n_classes)) if pred_classes is None else pred_classes
    batches = []
    for size in sizes:
        h, w = hw
        logits = rng.normal(size=(size, n_classes, h, w)).astype(np.float32)
        winners = rng.choice(pred_classes, size=(size, h, w))
        boost = np.zeros_like(logits)
        np.put_along_axis(boost, winners[:, None], 10.0, axis=1)
        masks = rng.choice(truth_classes, size=(size, h, w)).astype(np.int64)
        if ignore_index is not None:
            masks[rng.random(masks.shape) < ignore_frac] = ignore_index
        batches.append((torch.from_numpy(logits + boost), torch.from_numpy(masks)))
    return batches


def smooth_images(n: int, h: int = 32, w: int = 40, seed: int = 0) -> torch.Tensor:
    """``(n, 3, h, w)`` images in [0, 1] with low-frequency content (JPEG keeps them well)."""
    gen = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    out = np.empty((n, 3, h, w), np.float32)
    for i in range(n):
        for ch in range(3):
            a, b, phase = gen.uniform(0.5, 2.5, size=3)
            out[i, ch] = 0.5 + 0.4 * np.sin(2 * a * xx + 2 * b * yy + 6 * phase)
    return torch.from_numpy(out)


class CountingLoader:
    """Batches that count how often they are iterated and how often each batch is read."""

    def __init__(self, batches: list) -> None:
        self.batches, self.iterations, self.reads = batches, 0, [0] * len(batches)

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator:
        self.iterations += 1
        for b, batch in enumerate(self.batches):
            self.reads[b] += 1
            yield batch
