"""One rank of the torchrun failure checks; tests/analysis/test_rank_failures.py runs it.

Usage: ``torchrun --standalone --nproc_per_node=2 tests/analysis/ddp_failures.py OUT CASE``.
Rank 1's model fails at batch 2 as CASE says: ``raise`` (a RuntimeError), ``exit``
(``os._exit(3)``: the process dies outright), ``barrier`` (it raises, and every rank
catches its ``AnalysisError`` and meets the others at ``dist.barrier()``), ``slow`` (it
sleeps past a 3 s ``gather_timeout``). Each rank writes what it saw to ``OUT/rank<r>.json``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

import segwidget
from segwidget.analysis.rank_status import DEFAULT_GATHER_TIMEOUT

N, SIDE, CLASSES = 16, 8, 3


def main(out: Path, case: str) -> None:
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    torch.manual_seed(0)
    data = TensorDataset(torch.rand(N, 3, SIDE, SIDE), torch.randint(0, CLASSES, (N, SIDE, SIDE)))
    loader = DataLoader(data, batch_size=2, sampler=DistributedSampler(data, shuffle=False))
    conv = torch.nn.Conv2d(3, CLASSES, 1)
    calls = 0

    def model(x: torch.Tensor) -> torch.Tensor:
        nonlocal calls
        calls += 1
        if rank == 1 and calls == 3:  # batch 2
            if case == "exit":
                os._exit(3)
            if case == "slow":
                time.sleep(8)
            else:
                raise RuntimeError("rank 1's model broke")
        return conv(x)

    seen: dict[str, object] = {"case": case}
    started = time.monotonic()
    timeout = 3.0 if case == "slow" else DEFAULT_GATHER_TIMEOUT
    try:
        segwidget.analyze(model, loader, progress=False, keep_images=False, gather_timeout=timeout)
        seen["error"] = None
    except segwidget.AnalysisError as err:
        seen.update(error=str(err), own_images=getattr(err.results, "n_images", None))
    seen["seconds"] = time.monotonic() - started
    (out / f"rank{rank}.json").write_text(json.dumps(seen))
    if case == "barrier":  # what a caller keeping err.results does next
        dist.barrier()
        (out / f"rank{rank}.after_barrier").write_text("ok")
    if case in ("raise", "barrier"):
        dist.destroy_process_group()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
