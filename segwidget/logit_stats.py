"""Per-pixel numbers from a batch of logits in a few sweeps: prediction, loss and confidence.

One maximum over the channels and one sum of ``exp(x_c − x_max)`` give everything the
pass needs per pixel, without a log-softmax tensor:

- the prediction: the channel holding the maximum (the first one on ties, like ``argmax``);
- the cross-entropy of the true class ``t``: ``log Σ_c exp(x_c − x_max) + x_max − x_t``;
- the confidence, the softmax probability of the predicted class: ``1 / Σ_c exp(x_c − x_max)``
  (for a one-channel binary model, whose logits are ``[0, z]``, the sigmoid probability of
  the predicted side).

A pixel is *non-finite* when that sum is not finite: a NaN or ``+inf`` in any channel, or
``−inf`` in every channel. ``−inf`` in some channels is a legitimate probability of zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class LogitStats:
    """Per-pixel ``(B, H, W)`` statistics of one batch of ``(B, C, H, W)`` logits."""

    pred: torch.Tensor  # int64, the predicted class
    top: torch.Tensor  # the largest logit
    norm: torch.Tensor  # Σ_c exp(x_c − top): ≥ 1 where finite

    def nonfinite(self) -> torch.Tensor:
        """Bool ``(B, H, W)``: pixels with a NaN or ``+inf`` logit, or only ``−inf`` ones."""
        return ~torch.isfinite(self.norm)

    def confidence(self) -> torch.Tensor:
        """The softmax probability of the predicted class."""
        return self.norm.reciprocal()

    def cross_entropy(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Per-pixel cross-entropy of ``target`` (``(B, H, W)`` class indices, all in range)."""
        picked = logits.gather(1, target.unsqueeze(1)).squeeze(1)
        return self.norm.log().add_(self.top - picked)


class LogitSweep:
    """Computes ``LogitStats``, reusing one scratch buffer the size of a batch's logits.

    The buffer is kept between batches so that each batch does not allocate (and the
    allocator does not fragment around) a tensor as large as its logits.
    """

    def __init__(self) -> None:
        self._scratch = torch.empty(0)

    def __call__(self, logits: torch.Tensor) -> LogitStats:
        b, c, h, w = logits.shape
        top = logits.amax(dim=1, keepdim=True)
        shifted = self._buffer(logits)
        torch.sub(logits, top, out=shifted)
        shifted.exp_()  # exactly 1 where a channel holds the maximum, below 1 elsewhere
        norm = shifted.sum(dim=1)
        # the maximum's channel as a sum of indices over an indicator, on BLAS: ``max(dim=1)``
        # and ``argmax`` reduce over the channels one pixel at a time on CPU, several times
        # slower than this; ties (and sums that round to a tie) fall back to ``argmax``
        indicator = shifted.floor_().view(b, c, h * w)
        kind = {"dtype": logits.dtype, "device": logits.device}
        weights = torch.stack([torch.arange(c, **kind), torch.ones(c, **kind)])
        index_and_ties = torch.matmul(weights, indicator)  # (B, 2, H·W)
        if bool((index_and_ties[:, 1] != 1).any()):
            pred = logits.argmax(dim=1)
        else:
            pred = index_and_ties[:, 0].view(b, h, w).long()
        return LogitStats(pred, top.squeeze(1), norm)

    def _buffer(self, logits: torch.Tensor) -> torch.Tensor:
        n = logits.numel()
        if (
            self._scratch.numel() < n
            or self._scratch.dtype != logits.dtype
            or self._scratch.device != logits.device
        ):
            self._scratch = torch.empty(n, dtype=logits.dtype, device=logits.device)
        return self._scratch[:n].view(logits.shape)
