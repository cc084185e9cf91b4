"""Per-image metadata gathered by a pass: ``metadata=`` (a table in the dataset's order) and
``collect=`` (extra per-image keys of dict batches), both becoming ``Results.metadata`` columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler

from ..results.metadata import Columns, plain_column, plain_columns
from .adapters import InputError

_KINDS = {"b": "booleans", "i": "numbers", "u": "numbers", "f": "numbers", "U": "strings"}


class MetadataCollector:
    """Checks each batch against ``metadata=``/``collect=`` and keeps the collected values.

    Parameters
    ----------
    metadata
        A pandas DataFrame or a dict of equal-length columns, one row per image in the
        order the loader yields them, or ``None``.
    collect
        Keys of dict batches to collect per image (each a list or tensor of length B).
    dl
        The loader: a shuffling DataLoader, or one over a dataset of another length than
        ``metadata``, is refused before the pass.
    order
        Under torchrun, the dataset index of each image this rank analyses: its metadata
        rows.
    """

    def __init__(self, metadata: Any, collect: Any, dl: Any, order: Any = None) -> None:
        try:
            self.table = plain_columns(metadata)
        except (TypeError, ValueError) as err:
            raise InputError(str(err)) from err
        lengths = {name: column.size for name, column in self.table.items()}
        if len(set(lengths.values())) > 1:
            raise InputError(f"metadata columns must have equal lengths; got {lengths}")
        self.rows = next(iter(lengths.values()), None)
        self.keys = _collect_keys(collect)
        clash = sorted(set(self.keys) & set(self.table))
        if clash:
            raise InputError(
                f"{clash} both in metadata= and in collect=: give each column one source"
            )
        if self.rows is not None:
            _check_loader_order(dl, self.rows, sharded=order is not None)
        self.exact = order is None  # a sharded pass may stop short of its order (drop_last)
        if self.rows is not None and order is not None:
            self.table = {name: column[order] for name, column in self.table.items()}
            self.rows = len(order)
        self.parts: dict[str, list[NDArray[Any]]] = {key: [] for key in self.keys}

    def take(self, batch: Any, where: str, batch_size: int, n_before: int) -> Columns:
        """This batch's collected values, checked before its forward (nothing kept yet)."""
        if self.rows is not None and n_before + batch_size > self.rows:
            raise InputError(
                f"{where}: metadata has {self.rows} rows but this batch brings the images to "
                f"{n_before + batch_size}; metadata needs one row per image, in the loader's order"
            )
        if not self.keys:
            return {}
        if not isinstance(batch, Mapping):
            raise InputError(
                f"{where}: collect= reads keys of dict batches, but this batch is a "
                f"{type(batch).__name__}"
            )
        columns = {}
        for key in self.keys:
            if key not in batch:
                raise InputError(
                    f"{where}: collect= asks for {key!r} but the batch has no such key "
                    f"(its keys: {list(batch)})"
                )
            columns[key] = self._column(key, batch[key], where, batch_size)
        return columns

    def commit(self, columns: Columns) -> None:
        """Keep a batch's values once every model has added the batch."""
        for key, column in columns.items():
            self.parts[key].append(column)

    def columns(self, n_images: int, partial: bool) -> Columns:
        """``Results.metadata`` for the first ``n_images`` images (all of them unless partial)."""
        if self.rows is not None and self.exact and not partial and self.rows != n_images:
            raise InputError(
                f"metadata has {self.rows} rows but the pass analysed {n_images} images; "
                "metadata needs one row per image, in the loader's order"
            )
        out = {name: column[:n_images] for name, column in self.table.items()}
        for key, parts in self.parts.items():
            out[key] = np.concatenate(parts)[:n_images] if parts else np.zeros(0)
        return out

    def _column(self, key: str, values: Any, where: str, batch_size: int) -> NDArray[Any]:
        if isinstance(values, torch.Tensor):
            values = values.detach().cpu().numpy()
        if isinstance(values, str | bytes) or np.ndim(values) == 0:
            raise InputError(
                f"{where}: collected key {key!r} is a single {type(values).__name__}, not one "
                f"value per image (a list or tensor of length {batch_size})"
            )
        try:
            column = plain_column(key, values)
        except (TypeError, ValueError) as err:
            raise InputError(f"{where}: collected {err}") from err
        if column.size != batch_size:
            raise InputError(
                f"{where}: collected key {key!r} has {column.size} values but the batch has "
                f"{batch_size} images"
            )
        if self.parts[key]:
            before, now = _KINDS[self.parts[key][0].dtype.kind], _KINDS[column.dtype.kind]
            if before != now:
                raise InputError(
                    f"{where}: collected key {key!r} holds {now} here but {before} in batch 0"
                )
        return column


def _collect_keys(collect: Any) -> list[str]:
    if collect is None:
        return []
    if not isinstance(collect, list | tuple) or not all(isinstance(k, str) for k in collect):
        raise InputError(
            f"collect must be a list of batch keys, e.g. collect=['city'], not {collect!r}"
        )
    keys = list(collect)
    if len(set(keys)) != len(keys):
        raise InputError(f"collect names a key twice: {keys}")
    return keys


def _check_loader_order(dl: Any, rows: int, sharded: bool) -> None:
    """A DataLoader whose order or image count is known must agree with ``metadata``.

    ``sharded``: a DistributedSampler says each image's dataset index (its row).
    """
    if not isinstance(dl, DataLoader):
        return
    if isinstance(dl.sampler, RandomSampler):
        raise InputError(
            "metadata= lists the images in the dataset's order but the DataLoader shuffles "
            "them; use shuffle=False, or collect= the values from the batches"
        )
    plain = isinstance(dl.sampler, SequentialSampler) and type(dl.batch_sampler) is BatchSampler
    if (sharded or (plain and not dl.drop_last)) and len(dl.dataset) != rows:  # type: ignore[arg-type]
        raise InputError(
            f"metadata has {rows} rows but the DataLoader's dataset has {len(dl.dataset)} "  # type: ignore[arg-type]
            "images; metadata needs one row per image, in the dataset's order"
        )
