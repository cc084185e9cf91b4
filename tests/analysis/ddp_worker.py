"""One rank of the distributed checks; tests/analysis/test_distributed.py runs it under torchrun.

Usage: ``torchrun --standalone --nproc_per_node=2 tests/analysis/ddp_worker.py OUT_DIR N``. Writes
into OUT_DIR what each rank's ``analyze`` returned (``<case>_rank<r>.npz``), the errors
and warnings each rank saw (``rank<r>.json``), and a single-process pass over the same N
images made after the process group is gone (``single.npz``).
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.utils.data import BatchSampler, DataLoader, DistributedSampler

import segwidget
from segwidget.demo import CLASSES, StreetScenes, load_model


def main(out: Path, n: int) -> None:
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    data = StreetScenes("valid", n=n)
    model = load_model()
    seen: dict[str, Any] = {}

    def run(case: str, dl: Any, classes: list[str] = CLASSES, **kwargs: Any) -> None:
        results = segwidget.analyze(model, dl, classes, progress=False, **kwargs)
        results.save(out / f"{case}_rank{rank}.npz")

    # shuffled, at epoch 3; N odd, so the sampler pads the last rank with a repeat
    sampler = DistributedSampler(data, shuffle=True, seed=11)
    sampler.set_epoch(3)
    run("shuffle", DataLoader(data, batch_size=4, sampler=sampler))
    # the sampler drops the tail instead, through a batch_sampler this time
    sampler = DistributedSampler(data, shuffle=True, seed=5, drop_last=True)
    run("drop_last", DataLoader(data, batch_sampler=BatchSampler(sampler, 3, drop_last=False)))

    # a generator says nothing about which images it yields: refused before the pass
    drawn: list[int] = []

    def batches() -> Iterator[Any]:
        for b, batch in enumerate(DataLoader(data, batch_size=4)):
            drawn.append(b)
            yield batch

    try:
        run("generator", batches())
    except segwidget.InputError as err:
        seen["generator"] = {"error": str(err), "batches_drawn": len(drawn)}

    # rank 1 loses an image per batch: every rank is told, none waits forever
    def lossy(batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = batch
        return (x[:-1], y[:-1]) if rank == 1 and len(x) > 1 else (x, y)

    loader = DataLoader(data, batch_size=4, sampler=DistributedSampler(data, shuffle=False))
    try:
        run("lossy", loader, batch_to_xy=lossy)
    except segwidget.AnalysisError as err:
        seen["lossy"] = {"error": str(err), "own_images": err.results.n_images}

    # the ranks name the classes differently: every rank is told what differs
    try:
        run("disagree", loader, [c.upper() if rank == 1 else c for c in CLASSES])
    except segwidget.AnalysisError as err:
        seen["disagree"] = str(err)

    # rank 0 alone over a plain loader (as after training): no collective, so no hang
    if rank == 0:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run("alone", DataLoader(data, batch_size=4))
        seen["alone_warnings"] = [str(w.message) for w in caught]
    dist.barrier()
    dist.destroy_process_group()
    if rank == 0:
        single = segwidget.analyze(model, DataLoader(data, batch_size=4), CLASSES, progress=False)
        single.save(out / "single.npz")
    (out / f"rank{rank}.json").write_text(json.dumps(seen))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
