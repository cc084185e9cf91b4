"""Distributed analysis: shards merged by dataset index equal a single-process pass.

The torchrun tests launch two CPU processes (gloo) over the demo with a
``DistributedSampler``; the rest check the merge and the transfer encoding on their own
and, in a one-process group, the errors raised before a pass.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import calibrations
import numpy as np
import pytest
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler

import segwidget
from segwidget import Results
from segwidget.analysis import distributed
from segwidget.analysis.objects import image_objects
from segwidget.analysis.shards import CARRIED, merge, pack, unpack
from segwidget.demo import CLASSES, MEAN, STD, StreetScenes, load_model
from segwidget.results.calibration_counts import CalibrationCounts
from segwidget.results.image_store import ImageStore
from segwidget.results.imaging import palette
from segwidget.results.objects_store import ObjectStore
from segwidget.results.sparse import SparseConfusion

ROOT = Path(__file__).resolve().parents[2]
N = 21  # odd, so that a DistributedSampler over 2 ranks pads (or drops) an image


def assert_same_images(got: Results, reference: Results, indices: Any) -> None:
    """``got``'s image ``j`` is ``reference``'s ``indices[j]`` in every part; options equal."""
    indices = np.asarray(indices, dtype=np.int64)
    np.testing.assert_array_equal(got.dataset_index(), reference.dataset_index()[indices])
    for field in dataclasses.fields(Results):
        if not field.init or field.name == "dataset_indices":
            continue
        a, b = getattr(got, field.name), getattr(reference, field.name)
        if b is None:
            assert a is None, field.name
        elif field.name == "losses":  # floating point: batches differ between the runs
            np.testing.assert_allclose(a, b[indices], rtol=1e-6, atol=0)
        elif isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b[indices], err_msg=field.name)
        elif isinstance(b, SparseConfusion):
            assert a.n_images == indices.size, field.name
            for j, i in enumerate(indices):
                np.testing.assert_array_equal(a.image(j), b.image(int(i)), err_msg=field.name)
        elif isinstance(b, CalibrationCounts):
            assert (a.n_classes, a.n_bins) == (b.n_classes, b.n_bins), field.name
            want = b.take(indices)
            for part in ("ptr", "key", "count", "conf_sum"):
                np.testing.assert_array_equal(getattr(a, part), getattr(want, part))
        elif isinstance(b, ImageStore):
            assert a.parts.keys() == b.parts.keys()
            for part, blobs in b.parts.items():
                assert a.parts[part] == [blobs[i] for i in indices], part
        elif field.name == "metadata":
            assert list(a) == list(b)
            for name, column in b.items():
                assert a[name].dtype.kind == column.dtype.kind
                np.testing.assert_array_equal(a[name], column[indices])
        elif isinstance(b, ObjectStore):
            assert a.min_recall == b.min_recall
            for kind in ("truth", "false"):
                x, y = getattr(a, kind), getattr(b, kind).take(indices)
                np.testing.assert_array_equal(x.ptr, y.ptr, err_msg=kind)
                for name in y.columns:
                    np.testing.assert_array_equal(x[name], y[name], err_msg=f"{kind} {name}")
        elif field.name == "tags":
            position = {int(i): j for j, i in enumerate(indices)}
            assert a == {
                tag: sorted(position[i] for i in members if i in position)
                for tag, members in b.items()
            }
        else:
            assert a == b, field.name


def sampler_indices(n: int, world: int, **kwargs: Any) -> list[list[int]]:
    """What torch's own ``DistributedSampler`` gives each rank (``epoch`` as set_epoch)."""
    epoch = kwargs.pop("epoch", 0)
    per_rank = []
    for rank in range(world):
        sampler = DistributedSampler(range(n), num_replicas=world, rank=rank, **kwargs)
        sampler.set_epoch(epoch)
        per_rank.append(list(sampler))
    return per_rank


def torchrun(*args: str) -> None:
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": path}
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        *args,
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"


# -- two processes under torchrun ----------------------------------------------------------------
@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ddp")
    torchrun(str(ROOT / "tests" / "analysis" / "ddp_worker.py"), str(out), str(N))
    return out


def test_shuffled_padded_pass_merges_to_the_single_process_results(ddp_run: Path) -> None:
    single = segwidget.load(ddp_run / "single.npz")
    merged = segwidget.load(ddp_run / "shuffle_rank0.npz")
    per_rank = sampler_indices(N, 2, shuffle=True, seed=11, epoch=3)
    assert sum(map(len, per_rank)) == N + 1  # one image analysed twice
    assert per_rank[0] != sorted(per_rank[0])  # the loader order really was shuffled
    assert single.n_images == N and merged.dataset_indices is None
    assert_same_images(merged, single, np.arange(N))
    # rank 1 keeps its own shard, in its loader's order, padding repeat included
    shard = segwidget.load(ddp_run / "shuffle_rank1.npz")
    np.testing.assert_array_equal(shard.dataset_indices, per_rank[1])
    assert_same_images(shard, single, per_rank[1])


def test_drop_last_pass_keeps_the_images_the_sampler_gave(ddp_run: Path) -> None:
    single = segwidget.load(ddp_run / "single.npz")
    merged = segwidget.load(ddp_run / "drop_last_rank0.npz")
    kept = sorted(
        i for rank in sampler_indices(N, 2, shuffle=True, seed=5, drop_last=True) for i in rank
    )
    assert len(kept) == N - 1 and kept != list(range(N - 1))  # a shuffled image is missing
    np.testing.assert_array_equal(merged.dataset_indices, kept)
    assert_same_images(merged, single, kept)


def test_a_loader_without_a_sampler_is_refused_before_the_pass(ddp_run: Path) -> None:
    for rank in (0, 1):
        seen = json.loads((ddp_run / f"rank{rank}.json").read_text())["generator"]
        assert seen["batches_drawn"] == 0
        assert f"rank {rank} of 2" in seen["error"]
        assert "generator without a sampler" in seen["error"]
        assert "sampler=DistributedSampler(dataset)" in seen["error"]


def test_a_failing_rank_is_reported_on_every_rank(ddp_run: Path) -> None:
    for rank in (0, 1):
        seen = json.loads((ddp_run / f"rank{rank}.json").read_text())
        assert "rank 1: it analysed 8 images but its sampler yields 11" in seen["lossy"]["error"]
        assert seen["lossy"]["own_images"] == (11 if rank == 0 else 8)
        assert "rank 1 disagrees with rank 0 on classes" in seen["disagree"]


def test_rank_zero_alone_with_a_plain_loader_analyses_everything(ddp_run: Path) -> None:
    seen = json.loads((ddp_run / "rank0.json").read_text())
    [warning] = seen["alone_warnings"]
    assert "has no DistributedSampler" in warning and "nothing is gathered" in warning
    single = segwidget.load(ddp_run / "single.npz")
    assert_same_images(segwidget.load(ddp_run / "alone_rank0.npz"), single, np.arange(N))


def test_the_example_script_runs_under_torchrun(tmp_path: Path) -> None:
    n = 9
    script = str(ROOT / "examples" / "analyze_ddp.py")
    torchrun(script, "--out", str(tmp_path / "run"), "--images", str(n))
    results = segwidget.load(tmp_path / "run.npz")
    single = segwidget.analyze(
        load_model(),
        DataLoader(StreetScenes("valid", n=n), batch_size=16),
        CLASSES,
        mean=MEAN,
        std=STD,
        progress=False,
    )
    assert results.n_images == n and results.dataset_indices is None and not results.partial
    # what depends on the data alone is exact (each image sits at its own index); the
    # model's outputs were computed in other processes with other batches
    np.testing.assert_array_equal(results.true_totals, single.true_totals)
    assert results.images is not None and single.images is not None
    for part in ("image", "truth", "thumb_image"):
        assert results.images.parts[part] == single.images.parts[part]
    np.testing.assert_allclose(results.losses, single.losses, rtol=1e-4)


def test_the_docs_show_the_script_as_shipped() -> None:
    script = (ROOT / "examples" / "analyze_ddp.py").read_text()
    assert f"```python\n{script}```" in (ROOT / "docs" / "guide" / "many-gpus.md").read_text()


# -- merging and sending shards, without processes ----------------------------------------------
def full_results(rng: np.random.Generator, n: int = 7, c: int = 4) -> Results:
    """Results with every optional part filled in."""
    dense = np.where(rng.random((n, c, c)) < 0.4, rng.integers(1, 40, (n, c, c)), 0)
    store, found = ImageStore(c), []
    for i in range(n):
        truth = rng.integers(0, c, (5, 7))
        pred = (truth + i) % c
        image = rng.integers(0, 255, (5, 7, 3), dtype=np.uint8)
        store.add(image, truth, pred, confident=(pred != truth) & (rng.random((5, 7)) < 0.5))
        found.append(image_objects(truth, pred, c))
    return Results(
        classes=[f"k{j}" for j in range(c)],
        losses=np.where(np.arange(n) == 2, np.nan, rng.random(n)),
        image_confusions=SparseConfusion.from_dense(dense),
        images=store,
        colors=palette(c),
        nonfinite_pixels=rng.integers(0, 3, n),
        boundary_confusions=SparseConfusion.from_dense(np.minimum(dense, 5)),
        confident_confusions=SparseConfusion.from_dense(np.minimum(dense, 2)),
        boundary_width=2,
        confidence=0.875,
        fingerprints=rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2),
        image_sizes=rng.integers(1, 500, (n, 2)),
        metadata={
            "city": np.array(["bonn", "ulm", "köln"] * n)[:n],
            "night": np.arange(n) % 2 == 0,
            "cars": rng.integers(0, 9, n),
            "height": rng.random(n),
        },
        tags={"relabel": [1, 4, 6], "empty": []},
        calibration_counts=calibrations.counts_for(dense, 3, rng),
        object_records=ObjectStore.from_images(found, 0.625),
    )


@pytest.mark.parametrize("world", [2, 3])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_merge_of_sampler_shards_is_the_whole(
    rng: np.random.Generator, world: int, shuffle: bool, drop_last: bool
) -> None:
    whole = full_results(rng)
    per_rank = sampler_indices(whole.n_images, world, shuffle=shuffle, drop_last=drop_last)
    merged = merge([whole.subset(indices) for indices in per_rank])
    kept = sorted({i for indices in per_rank for i in indices})
    assert_same_images(merged, whole, kept)
    assert (merged.dataset_indices is None) == (kept == list(range(len(kept))))


def test_merge_says_partial_and_keeps_tags_across_shards(rng: np.random.Generator) -> None:
    whole = full_results(rng)
    shards = [whole.subset([5, 1, 6]), dataclasses.replace(whole.subset([0, 4, 2]), partial=True)]
    merged = merge(shards)
    assert merged.partial
    np.testing.assert_array_equal(merged.dataset_indices, [0, 1, 2, 4, 5, 6])
    assert merged.tags == {"relabel": [1, 3, 5], "empty": []}


def test_merge_refuses_shards_that_do_not_fit(rng: np.random.Generator) -> None:
    whole = full_results(rng)
    renamed = dataclasses.replace(whole.subset([3]), classes=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="shard 1 disagrees with shard 0 on classes"):
        merge([whole.subset([0]), renamed])
    with pytest.raises(ValueError, match="shard 0 does not say"):
        merge([whole])


@pytest.mark.parametrize("bare", [False, True])
def test_pack_then_unpack_gives_the_same_results(rng: np.random.Generator, bare: bool) -> None:
    results = full_results(rng)
    if bare:  # no optional part at all
        results = Results(
            results.classes,
            results.losses,
            results.image_confusions,
            None,
            results.colors,
            ignore_index=None,
        )
    results = dataclasses.replace(results, dataset_indices=np.arange(results.n_images) * 3)
    header, body = pack(results)
    received = np.frombuffer(bytes(body), dtype=np.uint8)  # what arrives is a plain byte buffer
    unpacked = unpack(json.loads(json.dumps(header)), received)
    np.testing.assert_array_equal(unpacked.dataset_indices, results.dataset_indices)
    assert_same_images(unpacked, results, np.arange(results.n_images))


def test_pack_refuses_python_objects(rng: np.random.Generator) -> None:
    results = full_results(rng)
    results.metadata["obj"] = np.array([{"a": 1}] * results.n_images, dtype=object)
    with pytest.raises(TypeError, match="metadata"):
        pack(results)


def test_every_results_field_travels() -> None:
    """A new ``Results`` field must be taught to shards.py (pack, unpack, merge)."""
    assert {field.name for field in dataclasses.fields(Results) if field.init} == CARRIED


# -- a one-process group: the whole path through real collectives, and the early errors --------
@pytest.fixture
def one_rank(tmp_path: Path) -> Iterator[None]:
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        yield
    finally:
        dist.destroy_process_group()


def test_one_process_job_restores_the_shuffled_order(one_rank: None) -> None:
    data, model = StreetScenes("valid", n=6), load_model()
    sampler = DistributedSampler(data, shuffle=True, seed=3)
    assert list(sampler) != sorted(sampler)
    merged = segwidget.analyze(
        model, DataLoader(data, batch_size=4, sampler=sampler), CLASSES, progress=False
    )
    single = segwidget.analyze(model, DataLoader(data, batch_size=4), CLASSES, progress=False)
    assert merged.dataset_indices is None
    assert_same_images(merged, single, np.arange(6))
    # the DataLoader's own drop_last drops the images of the last, incomplete batch
    dropped = DataLoader(data, batch_size=4, sampler=sampler, drop_last=True)
    kept = segwidget.analyze(model, dropped, CLASSES, progress=False)
    np.testing.assert_array_equal(kept.dataset_indices, sorted(list(sampler)[:4]))
    assert_same_images(kept, single, sorted(list(sampler)[:4]))
    # one process: a loader with no sampler is simply analysed in its order
    plain = segwidget.analyze(model, iter(DataLoader(data, batch_size=4)), progress=False)
    assert plain.n_images == 6


def test_a_job_on_another_backend_sends_through_one_gloo_group(
    one_rank: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under NCCL the shards must not travel through GPU memory: a gloo group is made once."""
    monkeypatch.setattr(distributed.dist, "get_backend", lambda group=None: "nccl")
    data, model = StreetScenes("valid", n=3), load_model()
    groups = []
    for _ in range(2):
        sampler = DistributedSampler(data, shuffle=True)
        results = segwidget.analyze(model, DataLoader(data, sampler=sampler), progress=False)
        assert results.n_images == 3 and results.dataset_indices is None
        assert distributed._gloo is not None
        groups.append(distributed._gloo[2])
    assert groups[0] is groups[1] and groups[0] is not dist.group.WORLD


class _Reshuffling(DistributedSampler):
    """A sharding sampler whose order changes every time: indices cannot be known."""

    def __iter__(self) -> Iterator[int]:
        return iter(torch.randperm(len(self.dataset)).tolist())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make_loader", "message"),
    [
        (
            lambda d: DataLoader(d, sampler=DistributedSampler(d, num_replicas=2, rank=1)),
            "made for rank 1 of 2",
        ),
        (lambda d: DataLoader(d, sampler=_Reshuffling(d)), "different order each time"),
        (
            lambda d: DataLoader(d, sampler=DistributedSampler(d), num_workers=1, in_order=False),
            "in_order=False",
        ),
    ],
)
def test_loaders_whose_indices_cannot_be_known_are_refused_first(
    one_rank: None, make_loader: Any, message: str
) -> None:
    model = torch.nn.Conv2d(3, 9, 1)
    loader = make_loader(StreetScenes("valid", n=4))
    with pytest.raises(segwidget.InputError, match=message):
        segwidget.analyze(model, loader, progress=False)
