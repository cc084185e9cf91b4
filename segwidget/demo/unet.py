"""A small U-Net for the demo: fast enough to train on a CPU in a few minutes."""

from __future__ import annotations

import torch
from torch import nn

from .dataset import CLASSES


def _block(cin: int, cout: int) -> nn.Sequential:
    """Two 3x3 convolutions with batch norm and ReLU."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class TinyUNet(nn.Module):
    """A three-level U-Net returning per-pixel class logits.

    Parameters
    ----------
    in_channels
        Channels of the input image.
    num_classes
        Number of output classes (logit channels).
    base
        Channels at full resolution; doubled at each of the two downsamplings.

    Notes
    -----
    Input height and width must be divisible by 4. ``forward`` maps ``(B, in_channels, H, W)``
    to logits ``(B, num_classes, H, W)``.
    """

    def __init__(
        self, in_channels: int = 3, num_classes: int = len(CLASSES), base: int = 16
    ) -> None:
        super().__init__()
        c1, c2, c3 = base, 2 * base, 4 * base
        self.enc1 = _block(in_channels, c1)
        self.enc2 = _block(c1, c2)
        self.bottom = _block(c2, c3)
        self.up2 = nn.ConvTranspose2d(c3, c2, 2, stride=2)
        self.dec2 = _block(2 * c2, c2)
        self.up1 = nn.ConvTranspose2d(c2, c1, 2, stride=2)
        self.dec1 = _block(2 * c1, c1)
        self.head = nn.Conv2d(c1, num_classes, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        b = self.bottom(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)
