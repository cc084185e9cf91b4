"""``Results.subset``, region counts (``Counts``) and save/load of every optional part."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import segwidget
from segwidget.results.image_store import ImageStore
from segwidget.results.imaging import palette
from segwidget.results.sparse import SparseConfusion


def _dense(rng: np.random.Generator, n: int, c: int) -> np.ndarray:
    counts = rng.integers(1, 40, (n, c, c))
    return np.where(rng.random((n, c, c)) < 0.35, counts, 0)


def _results(rng: np.random.Generator, n: int = 7, c: int = 4) -> segwidget.Results:
    dense = _dense(rng, n, c)
    boundary = np.minimum(dense, rng.integers(0, 20, dense.shape))
    confident = np.minimum(dense, rng.integers(0, 10, dense.shape)) * (1 - np.eye(c, dtype=int))
    store = ImageStore(c)
    for i in range(n):
        truth = np.full((6, 8), i % c)
        store.add(np.full((6, 8, 3), 10 * i, np.uint8), truth, (truth + 1) % c)
    return segwidget.Results(
        classes=[f"k{j}" for j in range(c)],
        losses=rng.random(n),
        image_confusions=SparseConfusion.from_dense(dense),
        images=store,
        colors=palette(c),
        boundary_confusions=SparseConfusion.from_dense(boundary),
        confident_confusions=SparseConfusion.from_dense(confident),
        boundary_width=3,
        confidence=0.9,
        fingerprints=rng.integers(0, 2**63, n, dtype=np.uint64),
        image_sizes=np.tile([6, 8], (n, 1)).astype(np.int64),
        metadata={
            "city": np.array(["bonn", "ulm"] * (n // 2) + ["bonn"] * (n % 2)),
            "height": rng.random(n),
        },
        tags={"relabel": [1, 4], "empty": []},
    )


def test_sparse_take_returns_the_chosen_images_in_order(rng: np.random.Generator) -> None:
    dense = _dense(rng, 9, 5)
    sparse = SparseConfusion.from_dense(dense)
    order = np.array([4, 0, 8, 4, 2])
    picked = sparse.take(order)
    assert picked.n_images == order.size
    for k, i in enumerate(order):
        np.testing.assert_array_equal(picked.image(k), dense[i])
    assert sparse.take(np.zeros(0, dtype=np.int64)).n_images == 0
    with pytest.raises(IndexError):
        sparse.take(np.array([9]))


def test_minus_gives_the_per_image_difference(rng: np.random.Generator) -> None:
    dense = _dense(rng, 6, 4)
    part = np.minimum(dense, rng.integers(0, 30, dense.shape))
    rest = SparseConfusion.from_dense(dense).minus(SparseConfusion.from_dense(part))
    for i in range(6):
        np.testing.assert_array_equal(rest.image(i), dense[i] - part[i])
    assert (rest.count > 0).all()
    with pytest.raises(ValueError, match="more pixels"):
        SparseConfusion.from_dense(part).minus(SparseConfusion.from_dense(dense))


def test_region_counts_split_every_number(rng: np.random.Generator) -> None:
    results = _results(rng)
    whole = results.confusion()
    boundary = results.confusion(region="boundary")
    interior = results.confusion(region="interior")
    np.testing.assert_array_equal(boundary + interior, whole)
    for i in range(results.n_images):
        np.testing.assert_array_equal(
            results.image_confusion(i, region="boundary")
            + results.image_confusion(i, region="interior"),
            results.image_confusion(i),
        )
    t, p = 0, 1
    ranked = results.rank(t, p, region="interior")
    for i, score in zip(ranked.indices, ranked.scores, strict=True):
        cm = results.image_confusion(i, region="interior")
        assert score == cm[t, p] / cm[t].sum()
    with pytest.raises(ValueError, match="region must be"):
        results.confusion(region="edges")


def test_region_needs_boundary_counts(rng: np.random.Generator) -> None:
    results = _results(rng)
    results.boundary_confusions = None
    results._counts.clear()
    with pytest.raises(ValueError, match="boundary_width"):
        results.rank(0, 1, region="boundary")


def test_subset_keeps_every_part_of_the_chosen_images(rng: np.random.Generator) -> None:
    results = _results(rng)
    order = np.array([5, 1, 3])
    part = results.subset(order)
    assert part.n_images == 3
    np.testing.assert_array_equal(part.losses, results.losses[order])
    np.testing.assert_array_equal(part.dataset_index(), order)
    np.testing.assert_array_equal(part.metadata["city"], results.metadata["city"][order])
    np.testing.assert_array_equal(part.fingerprints, results.fingerprints[order])
    assert part.tags == {"relabel": [1], "empty": []}  # image 1 is now at position 1
    for k, i in enumerate(order):
        np.testing.assert_array_equal(part.image_confusion(k), results.image_confusion(i))
        np.testing.assert_array_equal(
            part.image_confusion(k, region="boundary"),
            results.image_confusion(i, region="boundary"),
        )
        assert part.images.parts["image"][k] == results.images.parts["image"][i]
    np.testing.assert_array_equal(part.confusion(), sum(results.image_confusion(i) for i in order))
    # a subset of a subset still maps to the dataset
    np.testing.assert_array_equal(part.subset([2, 0]).dataset_index(), [3, 5])
    mask = np.zeros(results.n_images, bool)
    mask[[0, 6]] = True
    np.testing.assert_array_equal(results.subset(mask).dataset_index(), [0, 6])
    with pytest.raises(ValueError, match="repeat"):
        results.subset([1, 1])
    with pytest.raises(IndexError):
        results.subset([7])


def test_save_load_round_trips_every_optional_part(
    rng: np.random.Generator, tmp_path: Path
) -> None:
    results = _results(rng)
    path = results.save(tmp_path / "run")
    assert path.name == "run.npz"
    back = segwidget.load(tmp_path / "run")  # .npz found as save wrote it
    for name in ("losses", "fingerprints", "image_sizes", "nonfinite_pixels"):
        np.testing.assert_array_equal(getattr(back, name), getattr(results, name))
    assert back.fingerprints.dtype == np.uint64
    for region in (None, "boundary", "interior"):
        np.testing.assert_array_equal(
            back.confusion(region=region), results.confusion(region=region)
        )
    np.testing.assert_array_equal(
        back.confident_confusions.pooled(), results.confident_confusions.pooled()
    )
    assert (back.boundary_width, back.confidence) == (3, 0.9)
    assert back.tags == results.tags
    assert list(back.metadata) == ["city", "height"]
    np.testing.assert_array_equal(back.metadata["city"], results.metadata["city"])
    np.testing.assert_array_equal(back.metadata["height"], results.metadata["height"])
    subset = results.subset([2, 4]).save(tmp_path / "part.npz")
    np.testing.assert_array_equal(segwidget.load(subset).dataset_index(), [2, 4])
