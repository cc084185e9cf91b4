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


CHUNK_BYTES = 2 * 2**20  # per intra-op thread: a chunk of logits that stays in cache


class LogitSweep:
    """Computes ``LogitStats`` chunk by chunk, reusing one small scratch buffer.

    On CPU each chunk holds the logits of a few rows of one image (``CHUNK_BYTES`` per
    thread), so the maximum, the shifted exponentials, their sum and the prediction are
    computed while the chunk is in cache, and no temporary as large as the logits is
    allocated. On other devices a chunk is a whole image.
    """

    def __init__(self) -> None:
        self._scratch = torch.empty(0)

    def __call__(self, logits: torch.Tensor) -> LogitStats:
        b, c, h, w = logits.shape
        flat = logits.contiguous().view(b, c, h * w)
        per_chunk = h * w
        if logits.device.type == "cpu":
            budget = CHUNK_BYTES * torch.get_num_threads()
            per_chunk = max(1, budget // (c * flat.element_size()))
        top = flat.new_empty(b, h * w)
        norm = flat.new_empty(b, h * w)
        found = flat.new_empty(b, 2, h * w)  # per pixel: Σ c·[x_c = max], #channels at max
        weights = torch.stack([torch.arange(c), torch.ones(c)]).to(flat)  # (2, C)
        scratch = self._buffer(c * min(per_chunk, h * w), flat)
        for i in range(b):
            for lo in range(0, h * w, per_chunk):
                hi = min(h * w, lo + per_chunk)
                x = flat[i, :, lo:hi]
                shifted = scratch[: c * (hi - lo)].view(c, hi - lo)
                peak = torch.amax(x, 0, out=top[i, lo:hi])
                torch.sub(x, peak, out=shifted).exp_()  # exactly 1 at the maximum, else < 1
                torch.sum(shifted, 0, out=norm[i, lo:hi])
                # the maximum's channel as a sum of indices over an indicator, on BLAS:
                # ``max(dim=1)`` and ``argmax`` reduce one pixel at a time on CPU
                torch.matmul(weights, shifted.floor_(), out=found[i, :, lo:hi])
        pred = found[:, 0].long()
        # ties, and near-ties whose exponential rounds to 1, take ``argmax``'s answer
        unsure = found[:, 1] != 1
        if bool(unsure.any()):
            pred[unsure] = flat.transpose(1, 2)[unsure].argmax(dim=1)
        view = (b, h, w)
        return LogitStats(pred.view(view), top.view(view), norm.view(view))

    def _buffer(self, n: int, like: torch.Tensor) -> torch.Tensor:
        if (
            self._scratch.numel() < n
            or self._scratch.dtype != like.dtype
            or self._scratch.device != like.device
        ):
            self._scratch = like.new_empty(n)
        return self._scratch
