"""``analyze`` inside a ``torchrun`` job: each rank analyses its shard, rank 0 gets the whole.

Each rank's loader yields its share of the dataset (a ``DistributedSampler``), and that
sampler says each image's global dataset index. When the pass ends the ranks' results
travel to rank 0 with ``torch.distributed`` collectives (sizes, then headers, then one
buffer of plain arrays per rank, see ``shards.pack``); rank 0 merges them in dataset order
and drops the sampler's padding repeats, so its ``Results`` equal a single-process pass.
The transfer goes through a gloo group in host memory: it takes no GPU memory, works
under any backend (NCCL included), and needs no file system shared by the machines.
"""

from __future__ import annotations

import atexit
import operator
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from numpy.typing import NDArray
from torch.utils.data import IterableDataset

from ..results.core import Results
from .adapters import InputError
from .errors import AnalysisError
from .rank_status import DEFAULT_GATHER_TIMEOUT, all_gather_json, exchange, guarded, status_of
from .shards import disagreements, layout, merge, pack, unpack

_ADVICE = (
    "pass a torch DataLoader over a map-style dataset with "
    "sampler=DistributedSampler(dataset) (shuffle and drop_last as you like)"
)
_gloo: tuple[Any, float, Any] | None = None  # (the world group and timeout it was made for, it)


@dataclass(frozen=True)
class Shard:
    """The share of a distributed pass one rank analyses."""

    rank: int
    world_size: int
    indices: NDArray[np.int64]  # the global dataset index of each image, in pass order
    group: Any = None  # the gloo group the gather goes through
    timeout: float = DEFAULT_GATHER_TIMEOUT  # its collectives' timeout, in seconds


def shard_of(dl: Iterable[Any], timeout: float = DEFAULT_GATHER_TIMEOUT) -> Shard | None:
    """This rank's share of the pass, or ``None`` when there is nothing to gather.

    Called before the pass, so that a loader whose images cannot be placed fails at once.
    ``None`` outside ``torch.distributed``, and (with a warning when the job has several
    processes) for a loader that does not split the data between ranks: then this rank
    analyses every image itself, e.g. rank 0 alone after training. The gather's gloo group
    (collectives time out after ``timeout`` seconds) is made here, while every rank is alive.

    Raises
    ------
    InputError
        In a job of several processes, when the loader cannot say which dataset images
        it yields (no sampler, an ``IterableDataset``, a generator), its sampler was made
        for another rank or world size, or its order is not reproducible.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return None
    rank, world = dist.get_rank(), dist.get_world_size()
    where = f"segwidget.analyze on rank {rank} of {world}"
    dataset = getattr(dl, "dataset", None)
    order = getattr(dl, "batch_sampler", None) or getattr(dl, "sampler", None)
    if order is None or isinstance(dataset, IterableDataset):
        if world == 1:
            return None
        what = "over an IterableDataset" if order is not None else "without a sampler"
        raise InputError(
            f"{where}: the loader ({type(dl).__name__} {what}) does not say which dataset image "
            f"each result belongs to, so the ranks' results cannot be merged; {_ADVICE}. "
            "To analyse on one rank alone, use a DataLoader without a DistributedSampler."
        )
    sharding = _sharding_sampler(dl)
    if sharding is None:
        if world > 1:
            sampler = type(getattr(dl, "sampler", order)).__name__
            warnings.warn(
                f"{where}: the loader has no DistributedSampler (its sampler is a {sampler}), "
                "so its images are taken as this rank's whole pass and nothing is gathered; "
                f"to split the pass between ranks, {_ADVICE}",
                stacklevel=3,
            )
        return None
    if (sharding.num_replicas, sharding.rank) != (world, rank):
        raise InputError(
            f"{where}: the loader's {type(sharding).__name__} was made for rank {sharding.rank} "
            f"of {sharding.num_replicas}; make it inside the job (its defaults read the rank)"
        )
    if getattr(dl, "in_order", True) is False:
        raise InputError(f"{where}: DataLoader(in_order=False) loses the images' order; drop it")
    batched = getattr(dl, "batch_sampler", None) is not None
    indices = _indices(order, batched, where)
    if not np.array_equal(indices, _indices(order, batched, where)):
        raise InputError(
            f"{where}: the loader's sampler gives a different order each time it is iterated, "
            f"so its images' dataset indices cannot be known; {_ADVICE} (its shuffle changes "
            "with set_epoch, not between iterations)"
        )
    return Shard(rank, world, indices, _gloo_group(timeout), timeout)


def _sharding_sampler(dl: Any) -> Any:
    """The sampler that splits the data between ranks: a ``DistributedSampler`` or alike."""
    for sampler in (
        getattr(getattr(dl, "batch_sampler", None), "sampler", None),
        getattr(dl, "sampler", None),
    ):
        if hasattr(sampler, "num_replicas") and hasattr(sampler, "rank"):
            return sampler
    return None


def _indices(order: Iterable[Any], batched: bool, where: str) -> NDArray[np.int64]:
    """The dataset indices ``order`` yields, in order (``batched``: lists of them)."""
    items = (i for batch in order for i in batch) if batched else iter(order)
    try:
        return np.array([operator.index(i) for i in items], dtype=np.int64)
    except TypeError as err:
        raise InputError(
            f"{where}: the loader's sampler yields non-integer indices ({err})"
        ) from err


def gather(results: Results, shard: Shard | None) -> Results:
    """Label ``results`` with their dataset indices and send them to rank 0, which merges.

    Every rank of the job must call it (``analyze`` does, at the end of its pass).

    Returns
    -------
    Results
        On rank 0, every rank's images in dataset order, each once (see ``shards.merge``);
        on the other ranks, their own shard, with ``dataset_indices``. ``results`` as
        they are when ``shard`` is ``None``.

    Raises
    ------
    AnalysisError
        On every rank, when a rank's pass failed (``fail_together``) or it stopped, or its
        results cannot be placed or do not match the others' (classes, options);
        ``err.results`` holds this rank's own results.
    """
    if shard is None:
        return results
    try:  # every rank says how its pass went before any data travels
        exchange(shard.rank, shard.world_size, shard.group, shard.timeout, None)
    except RuntimeError as err:  # AnalysisError
        err.results = results  # type: ignore[attr-defined]
        raise
    position = results.dataset_index()
    problem = None
    complete = results.dataset_indices is None and not results.partial
    if complete and position.size != shard.indices.size:
        problem = (
            f"it analysed {position.size} images but its sampler yields {shard.indices.size} "
            "(does batch_to_xy drop or add images?)"
        )
    elif position.size and position.max() >= shard.indices.size:
        problem = f"its results name image {position.max()} of {shard.indices.size} in its shard"
    local = results if problem else replace(results, dataset_indices=shard.indices[position])
    shards = _to_rank_zero(local, shard, problem)
    return merge(shards) if shards is not None else local


def fail_together(shard: Shard | None, err: Exception) -> None:
    """A rank whose pass failed tells the others (``rank_status.exchange``), then raises the
    ``AnalysisError`` every rank raises, with ``err.results`` kept; nothing without ``shard``."""
    if shard is None:
        return
    try:
        exchange(shard.rank, shard.world_size, shard.group, shard.timeout, status_of(err))
    except RuntimeError as together:  # AnalysisError
        together.results = getattr(err, "results", None)  # type: ignore[attr-defined]
        raise together from err


def _to_rank_zero(local: Results, shard: Shard, problem: str | None) -> list[Results] | None:
    """Every rank's shard on rank 0 (``None`` elsewhere); all ranks raise if any failed."""
    header: dict[str, Any] = {"error": problem}
    body = np.zeros(0, np.uint8)
    if problem is None and shard.rank == 0:  # rank 0 keeps its own shard: only its layout
        header = {"layout": layout(local)}
    elif problem is None:
        try:
            header, body = pack(local)
        except TypeError as err:  # e.g. a metadata column of Python objects
            header = {"error": str(err)}
    group = shard.group
    headers = guarded(
        partial(all_gather_json, {**header, "bytes": body.size}, group),
        shard.world_size, shard.timeout,
    )  # fmt: skip
    failures = [f"rank {r}: {h['error']}" for r, h in enumerate(headers) if "error" in h]
    if not failures:
        for r, h in enumerate(headers[1:], start=1):
            differ = disagreements(headers[0]["layout"], h["layout"])
            if differ:
                failures.append(
                    f"rank {r} disagrees with rank 0 on {', '.join(differ)} (every rank must "
                    "run the same model with the same classes and options)"
                )
    if failures:
        failed = AnalysisError("the distributed pass cannot be merged: " + "; ".join(failures))
        failed.results = local
        raise failed
    if shard.rank != 0:
        guarded(
            partial(dist.send, torch.from_numpy(body), dst=0, group=group),
            shard.world_size, shard.timeout,
        )  # fmt: skip
        return None
    shards = [local]
    for r in range(1, shard.world_size):  # one rank at a time, each buffer freed once unpacked
        received = torch.empty(int(headers[r]["bytes"]), dtype=torch.uint8)
        guarded(
            partial(dist.recv, received, src=r, group=group),
            shard.world_size, shard.timeout,
        )  # fmt: skip
        shards.append(unpack(headers[r], received.numpy()))
        del received
    return shards


def _gloo_group(timeout: float) -> Any:
    """A gloo group over every rank whose collectives time out after ``timeout`` seconds
    (gloo's own default is 30 minutes), made once per job and timeout, at the same call on
    every rank; its own group even when the job speaks gloo, for the timeout, and under
    NCCL so that shards never travel through GPU memory."""
    global _gloo
    world = dist.group.WORLD
    if _gloo is None or _gloo[0] is not world or _gloo[1] != timeout:
        group = dist.new_group(backend="gloo", timeout=timedelta(seconds=timeout))
        if _gloo is None:
            atexit.register(_forget_gloo_group)
        _gloo = (world, timeout, group)
    return _gloo[2]


def _forget_gloo_group() -> None:
    """Drop the cached group at exit, while the interpreter is whole. Held until the
    interpreter's own teardown, a group that ``destroy_process_group()`` had shut down was
    destroyed with its gloo threads still joinable: ``terminate called without an active
    exception`` (SIGABRT) in about one exit in four after a failed pass."""
    global _gloo
    _gloo = None
