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

import concurrent.futures as cf
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

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


CHUNK_BYTES = 2 * 2**20  # a chunk of logits that stays in a CPU core's cache


class LogitSweep:
    """Computes ``LogitStats`` chunk by chunk, in parallel over chunks on CPU.

    On CPU each chunk holds the logits of a few rows of one image (``CHUNK_BYTES``), so
    the maximum, the shifted exponentials, their sum and the prediction are computed
    while the chunk is in cache, and no temporary as large as the logits is allocated.
    The chunks are spread over ``threads`` Python threads, each running torch
    single-threaded: six small ops per chunk under torch's own intra-op parallelism would
    each wait at a barrier for every thread, which stalls badly when the cores are shared.
    On other devices a chunk is a whole image.
    """

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or torch.get_num_threads()
        self._local = threading.local()  # each thread's scratch buffer
        self._pool: cf.ThreadPoolExecutor | None = None

    def __call__(self, logits: torch.Tensor) -> LogitStats:
        b, c, h, w = logits.shape
        flat = logits.contiguous().view(b, c, h * w)
        cpu = logits.device.type == "cpu"
        per_chunk = max(1, CHUNK_BYTES // (c * flat.element_size())) if cpu else h * w
        top = flat.new_empty(b, h * w)
        norm = flat.new_empty(b, h * w)
        found = flat.new_empty(b, 2, h * w)  # per pixel: Σ c·[x_c = max], #channels at max
        weights = torch.stack([torch.arange(c), torch.ones(c)]).to(flat)  # (2, C)
        chunks = [
            (i, lo, min(h * w, lo + per_chunk))
            for i in range(b)
            for lo in range(0, h * w, per_chunk)
        ]
        # worker threads do not inherit the caller's inference mode (it is thread-local)
        work = partial(
            self._chunk, torch.is_inference_mode_enabled(), flat, top, norm, found, weights
        )
        if cpu and self.threads > 1 and len(chunks) > 1:
            with torch_threads(1):
                list(self._executor().map(work, chunks))
        else:
            for chunk in chunks:
                work(chunk)
        pred = found[:, 0].long()
        # ties, and near-ties whose exponential rounds to 1, take ``argmax``'s answer
        unsure = found[:, 1] != 1
        if bool(unsure.any()):
            pred[unsure] = flat.transpose(1, 2)[unsure].argmax(dim=1)
        view = (b, h, w)
        return LogitStats(pred.view(view), top.view(view), norm.view(view))

    def _chunk(
        self,
        inference: bool,
        flat: torch.Tensor,
        top: torch.Tensor,
        norm: torch.Tensor,
        found: torch.Tensor,
        weights: torch.Tensor,
        chunk: tuple[int, int, int],
    ) -> None:
        i, lo, hi = chunk
        c = flat.shape[1]
        with torch.inference_mode(inference):
            x = flat[i, :, lo:hi]
            shifted = self._scratch(c * (hi - lo), flat).view(c, hi - lo)
            peak = torch.amax(x, 0, out=top[i, lo:hi])
            torch.sub(x, peak, out=shifted).exp_()  # exactly 1 at the maximum, else below 1
            torch.sum(shifted, 0, out=norm[i, lo:hi])
            # the maximum's channel as a sum of indices over an indicator, on BLAS:
            # ``max(dim=1)`` and ``argmax`` reduce one pixel at a time on CPU
            torch.matmul(weights, shifted.floor_(), out=found[i, :, lo:hi])

    def _scratch(self, n: int, like: torch.Tensor) -> torch.Tensor:
        buffer = getattr(self._local, "buffer", None)
        if (
            buffer is None
            or buffer.numel() < n
            or (buffer.dtype, buffer.device) != (like.dtype, like.device)
            or buffer.is_inference() != torch.is_inference_mode_enabled()
        ):
            buffer = self._local.buffer = like.new_empty(n)
        return buffer[:n]

    def _executor(self) -> cf.ThreadPoolExecutor:
        if self._pool is None:
            self._pool = cf.ThreadPoolExecutor(self.threads, thread_name_prefix="segwidget-sweep")
        return self._pool

    def close(self) -> None:
        """Stop the worker threads (a later call starts them again)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run torch's CPU ops with ``n`` intra-op threads inside the block."""
    before = torch.get_num_threads()
    if before == n:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
