"""Property tests of the sparse per-image confusion store and of save/load."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from references import fastai_mean_cm

import segwidget
from segwidget.results.image_store import ImageStore
from segwidget.results.sparse import SparseConfusion

FAST = settings(max_examples=30, deadline=None)


@st.composite
def per_image_counts(draw: st.DrawFn, max_images: int = 6, max_classes: int = 5) -> np.ndarray:
    """``(N, C, C)`` counts, mostly zeros (as real images are), sometimes all zero."""
    n = draw(st.integers(0, max_images))
    c = draw(st.integers(1, max_classes))
    counts = draw(hnp.arrays(np.int64, (n, c, c), elements=st.integers(1, 50)))
    keep = draw(hnp.arrays(np.bool_, (n, c, c)))
    return np.where(keep, counts, 0)


@FAST
@given(per_image_counts())
def test_store_sums_to_pooled_and_returns_each_image(dense: np.ndarray) -> None:
    sparse = SparseConfusion.from_dense(dense)
    n, c = dense.shape[:2]
    assert sparse.n_images == n and sparse.n_classes == c
    np.testing.assert_array_equal(sparse.pooled(), dense.sum(axis=0))
    for i in range(n):
        np.testing.assert_array_equal(sparse.image(i), dense[i])
    with pytest.raises(IndexError, match=f"image index {n} out of range"):
        sparse.image(n)
    # only nonzero cells are stored, ascending within each image
    assert sparse.count.size == np.count_nonzero(dense)
    assert (sparse.count > 0).all()
    for i in range(n):
        cells = sparse.cell[sparse.ptr[i] : sparse.ptr[i + 1]]
        assert (np.diff(cells) > 0).all()


@FAST
@given(per_image_counts())
def test_cell_index_lists_the_images_of_each_cell(dense: np.ndarray) -> None:
    n, c = dense.shape[:2]
    index = SparseConfusion.from_dense(dense).cell_index()
    assert index.ptr.size == c * c + 1
    for t in range(c):
        for p in range(c):
            images, counts = index.cell(t * c + p)
            expected = [i for i in range(n) if dense[i, t, p] > 0]
            assert images.tolist() == expected
            assert counts.tolist() == [int(dense[i, t, p]) for i in expected]


@FAST
@given(per_image_counts())
def test_per_image_totals(dense: np.ndarray) -> None:
    sparse = SparseConfusion.from_dense(dense)
    np.testing.assert_array_equal(sparse.per_image_class_totals("true"), dense.sum(axis=2))
    np.testing.assert_array_equal(sparse.per_image_class_totals("pred"), dense.sum(axis=1))
    c = dense.shape[1]
    rows = sparse.entry_row_totals()
    images = sparse.entry_image
    for e in range(sparse.cell.size):
        t = sparse.cell[e] // c
        assert rows[e] == dense[images[e], t].sum()


@FAST
@given(per_image_counts(), st.data())
def test_batches_concatenate_to_the_whole(dense: np.ndarray, data: st.DataObject) -> None:
    """The pass's path (per-batch entries, concatenated) equals from_dense."""
    n, c = dense.shape[:2]
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    bounds = [0, *cuts, n]
    parts = [SparseConfusion.empty(c)]
    for a, b in itertools.pairwise(bounds):
        image, cell = np.nonzero(dense[a:b].reshape(b - a, c * c))
        count = dense[a:b].reshape(b - a, c * c)[image, cell]
        parts.append(SparseConfusion.from_entries(c, b - a, image, cell, count))
    whole = SparseConfusion.concat(parts)
    ref = SparseConfusion.from_dense(dense)
    for name in ("ptr", "cell", "count"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(ref, name))


@FAST
@given(per_image_counts())
def test_mean_confusion_matches_fastai_on_any_counts(dense: np.ndarray) -> None:
    n, c = dense.shape[:2]
    results = segwidget.Results(
        [str(k) for k in range(c)],
        np.zeros(n),
        SparseConfusion.from_dense(dense),
        None,
        ["#000000"] * c,
    )
    expected = fastai_mean_cm(dense)
    np.testing.assert_allclose(results.mean_confusion(), expected, rtol=1e-12, equal_nan=True)


def _image_store(dense: np.ndarray, seed: int) -> ImageStore:
    gen = np.random.default_rng(seed)
    c = dense.shape[1]
    store = ImageStore(c)
    for _ in range(dense.shape[0]):
        h, w = gen.integers(3, 9, size=2)
        rgb = gen.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        truth = gen.integers(0, c, size=(h, w))
        truth[gen.random((h, w)) < 0.2] = 255
        store.add(rgb, truth, gen.integers(0, c, size=(h, w)))
    return store


@settings(max_examples=15, deadline=None)
@given(
    per_image_counts(max_images=4),
    st.booleans(),
    st.booleans(),
    st.sampled_from([255, None, -1]),
    st.integers(0, 2**16),
)
def test_results_round_trip_through_save_and_load(
    dense: np.ndarray, with_images: bool, partial: bool, ignore_index: int | None, seed: int
) -> None:
    n, c = dense.shape[:2]
    gen = np.random.default_rng(seed)
    losses = gen.random(n)
    losses[gen.random(n) < 0.3] = np.nan
    original = segwidget.Results(
        classes=[f"class «{k}»" for k in range(c)],
        losses=losses,
        image_confusions=SparseConfusion.from_dense(dense),
        images=_image_store(dense, seed) if with_images else None,
        colors=[f"#{k:02x}80ff" for k in range(c)],
        ignore_index=ignore_index,
        partial=partial,
        nonfinite_pixels=gen.integers(0, 3, size=n),
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = original.save(Path(tmp) / "run")
        assert path.name == "run.npz"
        loaded = segwidget.load(path)
    assert loaded.classes == original.classes
    assert loaded.colors == original.colors
    assert loaded.ignore_index == ignore_index
    assert loaded.partial is partial
    np.testing.assert_array_equal(loaded.losses, original.losses)
    np.testing.assert_array_equal(loaded.nonfinite_pixels, original.nonfinite_pixels)
    for name in ("ptr", "cell", "count"):
        np.testing.assert_array_equal(
            getattr(loaded.image_confusions, name), getattr(original.image_confusions, name)
        )
    for i in range(n):
        np.testing.assert_array_equal(loaded.image_confusion(i), dense[i])
    if not with_images:
        assert loaded.images is None
        return
    assert loaded.images is not None and len(loaded.images) == n
    assert loaded.images.parts == original.images.parts
    for i in range(n):
        a, b = original.images.view(i), loaded.images.view(i)
        assert a.image_jpeg == b.image_jpeg
        np.testing.assert_array_equal(a.truth, b.truth)
        np.testing.assert_array_equal(a.prediction, b.prediction)
