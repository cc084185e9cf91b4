"""What rank 0 does to gather a distributed pass: shards received as packed arrays, merged.

Builds the results of 10,000 images × 150 classes with demo-sized images (the same
encoded image in every slot, so sizes are real), splits them as ``DistributedSampler``
would over ``--world`` ranks, and times, in interleaved repeats, rank 0's side of

- **packed** (what ``analyze`` does): each rank packs its shard (``shards.pack``); rank 0
  copies each into a fresh buffer as ``dist.recv`` fills it, unpacks and merges;
- **files** (the shard-files alternative): each rank saves its shard with
  ``Results.save``; rank 0 reads them all with ``segwidget.load`` and merges.

The ranks' own step (pack or save one shard) runs in parallel, so it is timed once; the
network is left out (the same bytes cross it either way). Prints medians of interleaved
repeats, their ratio, and the peak memory rank 0 allocates. Never asserts.

Run: ``python bench/bench_gather.py [--images 10000] [--classes 150] [--world 4]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from bench_memory import synthetic
from torch.utils.data import DistributedSampler

import segwidget
from segwidget import Results
from segwidget.analysis.shards import merge, pack, unpack
from segwidget.demo import StreetScenes
from segwidget.results.image_store import ImageStore


def with_images(results: Results) -> Results:
    """``results`` with one demo image's encoded bytes in every slot."""
    image, mask = StreetScenes("valid", n=1)[0]
    rgb = ((image.permute(1, 2, 0).numpy() * 0.25 + 0.45).clip(0, 1) * 255).astype(np.uint8)
    store = ImageStore(results.n_classes)
    blobs = store.encode(rgb, mask.numpy() % results.n_classes, mask.numpy() % 7)
    store.extend([blobs] * results.n_images)
    return replace(results, images=store)


def send_packed(shard: Results, _: Path) -> tuple[str, bytes]:
    header, body = pack(shard)
    return json.dumps(header), body.tobytes()


def receive_packed(shards: list[Results], sent: list[tuple[str, bytes]]) -> Results:
    received = [shards[0]]
    for header, body in sent:
        buffer = np.empty(len(body), dtype=np.uint8)  # what dist.recv fills
        buffer[:] = np.frombuffer(body, dtype=np.uint8)
        received.append(unpack(json.loads(header), buffer))
        del buffer
    return merge(received)


def send_file(shard: Results, folder: Path) -> Path:
    return shard.save(folder / f"shard-{id(shard)}")


def receive_files(shards: list[Results], sent: list[Path]) -> Results:
    return merge([shards[0], *(segwidget.load(path) for path in sent)])


def timed(step: Callable[[], Any]) -> tuple[Any, float, float]:
    """``step()``, its seconds and the peak MiB it allocated."""
    tracemalloc.start()
    start = time.perf_counter()
    out = step()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--classes", type=int, default=150)
    parser.add_argument("--world", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    whole = with_images(synthetic(args.images, args.classes))
    shards = []
    for rank in range(args.world):
        sampler = DistributedSampler(range(args.images), args.world, rank, shuffle=True)
        shards.append(whole.subset(list(sampler)))
    payload = sum(pack(shard)[1].nbytes for shard in shards[1:]) / 2**20
    print(f"{args.images} images x {args.classes} classes over {args.world} ranks; "
          f"rank 0 receives {payload:.1f} MiB")  # fmt: skip
    paths = {"packed": (send_packed, receive_packed), "files": (send_file, receive_files)}
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in paths}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeats):  # interleaved, so that load on the machine hits both
            for name, (send, receive) in paths.items():
                _, send_s, _ = timed(lambda send=send: send(shards[1], Path(folder)))
                sent = [send(shard, Path(folder)) for shard in shards[1:]]
                merged, receive_s, peak = timed(lambda r=receive, s=sent: r(shards, s))
                assert merged.n_images == args.images
                runs[name].append((send_s, receive_s, peak))
    total = {}
    for name, r in runs.items():
        send_s, receive_s = (statistics.median(x[k] for x in r) for k in (0, 1))
        total[name] = send_s + receive_s
        print(f"  {name:6}  each rank {send_s:5.2f} s + rank 0 {receive_s:5.2f} s = "
              f"{total[name]:5.2f} s;  rank 0 peak {max(x[2] for x in r):6.1f} MiB")  # fmt: skip
    print(f"  files / packed: {total['files'] / total['packed']:.1f}x the time")


if __name__ == "__main__":
    main()
