"""The kernel benchmark's model and data: a ResNet-18-scale encoder–decoder with random
weights (no torchvision, no download) and synthetic street-like batches.

The encoder is ResNet-18's layout (7×7 stem, max-pool, four stages of two BasicBlocks,
64–512 channels, stride 32); the decoder is a small FPN: 1×1 laterals to 64 channels,
top-down upsampling, a 3×3 conv and a classifier at 1/4 resolution, upsampled bilinearly
to the input size, so the model returns logits at the mask's resolution like most users'.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

IGNORE_INDEX = 255


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class EncoderDecoder(nn.Module):
    """ResNet-18 encoder + FPN-lite decoder; logits ``(B, C, H, W)`` at the input size."""

    def __init__(self, n_classes: int, width: int = 64) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(3, 2, 1),
        )
        channels, stages, c_in = (64, 128, 256, 512), [], 64
        for i, c in enumerate(channels):
            stages.append(
                nn.Sequential(BasicBlock(c_in, c, 1 if i == 0 else 2), BasicBlock(c, c, 1))
            )
            c_in = c
        self.stages = nn.ModuleList(stages)
        self.laterals = nn.ModuleList(nn.Conv2d(c, width, 1) for c in channels)
        self.fuse = nn.Sequential(
            nn.Conv2d(width, width, 3, 1, 1), nn.BatchNorm2d(width), nn.ReLU()
        )
        self.classifier = nn.Conv2d(width, n_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features, h = [], self.stem(x)
        for stage in self.stages:
            h = stage(h)
            features.append(h)
        top = self.laterals[-1](features[-1])
        for lateral, feature in zip(self.laterals[-2::-1], features[-2::-1], strict=True):
            top = F.interpolate(top, size=feature.shape[-2:], mode="nearest") + lateral(feature)
        logits = self.classifier(self.fuse(top))
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


def build_model(n_classes: int, seed: int = 0) -> nn.Module:
    """Random weights, eval mode; the classifier scaled so that the logits spread like a
    trained model's (a standard deviation of a few units: some confident pixels, some not)."""
    torch.manual_seed(seed)
    model = EncoderDecoder(n_classes)
    with torch.no_grad():
        model.classifier.weight.mul_(70.0)
    return model.eval()


def make_batch(
    n: int, size: tuple[int, int], n_classes: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` smooth images in [0, 1] and blocky masks of a few classes each, some void."""
    g = torch.Generator().manual_seed(seed)
    h, w = size
    coarse = torch.rand(n, 3, max(2, h // 32), max(2, w // 32), generator=g)
    images = F.interpolate(coarse, size=size, mode="bilinear", align_corners=False)
    images = (images + 0.03 * torch.randn(n, 3, h, w, generator=g)).clamp_(0, 1)
    cells = torch.randint(0, 6, (n, max(2, h // 24), max(2, w // 24)), generator=g)
    palette = torch.stack([torch.randperm(n_classes, generator=g)[:6] for _ in range(n)])
    blocky = torch.gather(palette, 1, cells.flatten(1)).view_as(cells)
    blocky[torch.rand(blocky.shape, generator=g) < 0.04] = IGNORE_INDEX
    masks = F.interpolate(blocky[:, None].float(), size=size, mode="nearest")[:, 0].long()
    return images, masks


def batches(
    n_images: int, batch_size: int, size: tuple[int, int], n_classes: int
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Pre-generated batches (timing runs: data generation stays out of the clock)."""
    return list(stream(n_images, batch_size, size, n_classes))


def stream(
    n_images: int, batch_size: int, size: tuple[int, int], n_classes: int
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The same batches generated on the fly (memory runs: the data does not accumulate)."""
    for start in range(0, n_images, batch_size):
        yield make_batch(min(batch_size, n_images - start), size, n_classes, seed=start)
