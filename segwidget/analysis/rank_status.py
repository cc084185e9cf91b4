"""A torchrun pass's ranks say how their pass went before any data travels.

Every rank reaches the same collective whatever happened to its pass: the status exchange
(``exchange``), an all-gather of one small JSON object per rank, ``{"failed": null}`` or
``{"failed": {"type", "message", "batch"}}``. When any rank failed, every rank raises the
same ``AnalysisError`` naming the failed ranks and their errors, so none waits on a gather
that will not come (and a rank that catches its error and calls ``dist.barrier()`` meets
the others there). A rank that died outright (``os._exit``, killed, out of memory) breaks
the collective instead: the transport error becomes an ``AnalysisError`` naming the ranks
that never reached the exchange, read from the job's store. Collectives run in a gloo
group whose timeout is ``gather_timeout`` seconds (default ``DEFAULT_GATHER_TIMEOUT``),
not gloo's 30 minutes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import torch
import torch.distributed as dist

from .errors import AnalysisError

DEFAULT_GATHER_TIMEOUT = 600.0  # seconds a rank waits for the others at the gather
_KEY = "segwidget/gather"
_BATCH = re.compile(r"^batch (\d+)")
_exchanges = 0  # status exchanges this process made: the same count on every rank
T = TypeVar("T")


def check_timeout(timeout: Any) -> float:
    """``gather_timeout``: a positive number of seconds."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise ValueError(f"gather_timeout must be a number of seconds > 0, not {timeout!r:.80}")
    return float(timeout)


def status_of(err: BaseException) -> dict[str, Any]:
    """What a failed rank tells the others: its error's type, message and batch."""
    match = _BATCH.match(str(err))
    return {
        "type": type(err).__name__,
        "message": str(err),
        "batch": int(match.group(1)) if match else None,
    }


def exchange(
    rank: int, world: int, group: Any, timeout: float, failed: dict[str, Any] | None
) -> None:
    """Every rank's status; raises the same ``AnalysisError`` on every rank if any failed."""
    global _exchanges
    _exchanges += 1
    key = f"{_KEY}/{_exchanges}"
    store = _store()
    if store is not None:
        store.set(f"{key}/{rank}", "1")  # what tells a survivor which ranks never came
    statuses = guarded(lambda: all_gather_json({"failed": failed}, group), world, timeout, key)
    lines = [
        f"rank {r} raised {s['failed']['type']}"
        + ("" if s["failed"]["batch"] is None else f" at batch {s['failed']['batch']}")
        + f": {s['failed']['message']}"
        for r, s in enumerate(statuses)
        if s["failed"] is not None
    ]
    if lines:
        raise AnalysisError("the distributed pass failed: " + "; ".join(lines))


def guarded(collective: Callable[[], T], world: int, timeout: float, key: str | None = None) -> T:
    """``collective()``, a transport error (a rank gone, a timeout) made an ``AnalysisError``.

    ``key``: the exchange's store key, which names the ranks that never reached it; without
    it (after the exchange, when every rank had reached it) the message says "a rank".
    """
    started = time.monotonic()
    try:
        return collective()
    except RuntimeError as err:  # gloo's errors (DistBackendError is one)
        gone = [] if key is None else [r for r in range(world) if not _arrived(f"{key}/{r}")]
        waited = time.monotonic() - started
        reason = (
            f"did not reach the gather within gather_timeout={timeout:g} s"
            if waited >= timeout
            else "stopped during the gather (see torchrun's summary)"
        )
        who = "; ".join(f"rank {r} {reason}" for r in gone) or f"a rank {reason}"
        raise AnalysisError(f"the distributed pass failed: {who}") from err


def all_gather_json(value: Any, group: Any) -> list[Any]:
    """Every rank's ``value`` (JSON), in rank order."""
    encoded = json.dumps(value).encode()
    sizes = _all_gather(torch.tensor([len(encoded)], dtype=torch.int64), group)
    longest = int(max(int(s[0]) for s in sizes))
    padded = torch.zeros(longest, dtype=torch.uint8)
    padded[: len(encoded)] = torch.frombuffer(bytearray(encoded), dtype=torch.uint8)
    return [
        json.loads(h[: int(s[0])].numpy().tobytes())
        for h, s in zip(_all_gather(padded, group), sizes, strict=True)
    ]


def _all_gather(tensor: torch.Tensor, group: Any) -> list[torch.Tensor]:
    gathered = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, tensor, group=group)
    return gathered


def _arrived(key: str) -> bool:
    store = _store()
    try:
        return store is not None and bool(store.check([key]))
    except RuntimeError:  # the store went with the rank that hosted it
        return False


def _store() -> Any:
    """The job's key-value store (torchrun's agent keeps it when a worker dies), or ``None``."""
    try:
        return dist.distributed_c10d._get_default_store()
    except (AttributeError, RuntimeError, ValueError):
        return None
