"""The caller's per-pixel loss, checked to be one."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .adapters import InputError

LossFunc = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def user_loss(
    b: int, loss_func: LossFunc, logits: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """``loss_func(logits, target)``, checked to be per-pixel losses as a tensor."""
    shape = tuple(target.shape)
    out = loss_func(logits, target)
    if not isinstance(out, torch.Tensor):
        raise InputError(
            f"batch {b}: loss_func must return a torch.Tensor of per-pixel losses of shape "
            f"(B, H, W) = {shape} (reduction='none'); it returned a {type(out).__name__}"
        )
    if tuple(out.shape) != shape:
        raise InputError(
            f"batch {b}: loss_func must return per-pixel losses of shape {shape} "
            f"(B, H, W; reduction='none'), got {tuple(out.shape)}"
        )
    return out.to(device=target.device, dtype=torch.float32)
