"""Model features per image, captured in the pass's own forward (``analyze(..., embed=)``).

``embed="a.submodule"``: a forward hook on that submodule keeps its output, globally
average-pooled over every axis after the channels, ``(B, D)``; it is registered when the
pass starts and removed when it ends, however it ends. ``embed=fn``: ``fn(images)`` on
the model's device returns ``(B, D)``. Kept as float16 on the CPU, one array per batch.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from types import TracebackType
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from ..results.embedding import MAX_WIDTH
from .adapters import InputError

Embed = str | Callable[[torch.Tensor], torch.Tensor]


def _pooled(value: Any, where: str) -> torch.Tensor:
    """``(B, D)`` from a ``(B, D, ...)`` tensor (mean over the trailing axes)."""
    if isinstance(value, tuple | list) and value:  # modules returning (out, extra)
        value = value[0]
    if not isinstance(value, torch.Tensor) or value.ndim < 2:
        kind = type(value).__name__ if not isinstance(value, torch.Tensor) else value.shape
        raise InputError(f"{where} gave {kind}; features need a (B, D, ...) tensor")
    pooled = value.flatten(2).float().mean(dim=2) if value.ndim > 2 else value.float()
    if pooled.shape[1] > MAX_WIDTH:
        raise InputError(
            f"{where} gives {pooled.shape[1]} features per image, more than {MAX_WIDTH}: "
            "pick a smaller layer, or pass embed=fn returning (B, D) with D <= 2048 "
            "(e.g. a projection of this layer)"
        )
    return pooled


class FeatureCapture:
    """One model's features over the pass (a context manager holding the hook)."""

    def __init__(self, model: Any, embed: Embed) -> None:
        self._fn: Callable[[torch.Tensor], torch.Tensor] | None = None
        self._module: torch.nn.Module | None = None
        if isinstance(embed, str):
            if not isinstance(model, torch.nn.Module):
                raise InputError(
                    f"embed={embed!r} names a submodule, but the model is a "
                    f"{type(model).__name__}, not an nn.Module; pass embed=fn instead"
                )
            names = [name for name, _ in model.named_modules() if name]
            if embed not in names:
                close = difflib.get_close_matches(embed, names, n=3)
                hint = f"; did you mean {close}?" if close else f"; it has {names[:8]}"
                raise InputError(f"embed={embed!r}: the model has no submodule of that name{hint}")
            self._module = model.get_submodule(embed)
            self._where = f"the output of {embed!r}"
        elif callable(embed):
            self._fn = embed
            self._where = "embed=fn"
        else:
            raise InputError(
                f"embed must be a submodule name or a function, not {type(embed).__name__}"
            )
        self._handle: Any = None
        self._seen: torch.Tensor | None = None
        self._batches: list[NDArray[np.float16]] = []

    def __enter__(self) -> FeatureCapture:
        if self._module is not None:
            self._handle = self._module.register_forward_hook(self._hook)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def _hook(self, module: torch.nn.Module, args: Any, output: Any) -> None:
        self._seen = _pooled(output, self._where)

    def take(self, where: str, images: torch.Tensor, n_images: int) -> None:
        """Keep this batch's features (after the model's forward on ``images``)."""
        if self._fn is not None:
            out = self._fn(images)
            if not isinstance(out, torch.Tensor) or out.ndim != 2:
                got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                raise InputError(f"{where}: embed=fn must return a (B, D) tensor, got {got}")
            pooled = _pooled(out, f"{where}: embed=fn")
        else:
            if self._seen is None:
                raise InputError(f"{where}: {self._where} did not run in the model's forward")
            pooled, self._seen = self._seen, None
        if pooled.shape[0] != n_images:
            raise InputError(
                f"{where}: {self._where} has {pooled.shape[0]} rows for {n_images} images"
            )
        if self._batches and pooled.shape[1] != self._batches[0].shape[1]:
            raise InputError(
                f"{where}: {self._where} has {pooled.shape[1]} features per image here but "
                f"{self._batches[0].shape[1]} in the first batch"
            )
        with np.errstate(over="ignore"):  # beyond float16 becomes inf: refused just below
            values = pooled.detach().cpu().numpy().astype(np.float16)
        if not np.isfinite(values).all():
            bad = np.flatnonzero(~np.isfinite(values).all(axis=1))[:8].tolist()
            raise InputError(
                f"{where}, images {bad}: {self._where} has NaN or infinite features, or "
                "values beyond float16's ±65504"
            )
        self._batches.append(values)

    def features(self, n_images: int) -> NDArray[np.float16]:
        """The first ``n_images`` images' features (a partial pass keeps fewer)."""
        width = self._batches[0].shape[1] if self._batches else 0
        return np.concatenate([np.zeros((0, width), np.float16), *self._batches])[:n_images]
