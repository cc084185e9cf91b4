"""The encoder pool (issue 18): several workers give what one gives, in order; errors name
the batch and image; no worker thread outlives the pass, however it ends."""

from __future__ import annotations

import os
import re
import threading
import time

import numpy as np
import pytest
import torch
from models import InterruptingLoader, Raising, smooth_images
from references import per_image_ce

import segwidget
from segwidget import AnalysisError, InputError
from segwidget.analysis import encoder
from segwidget.analysis.encoder import MAX_PENDING, BatchEncoder, default_workers
from segwidget.results.image_store import ImageStore

CLASSES = ["a", "b", "c", "d"]


def _batches(sizes: list[int], hw=(12, 16), seed: int = 0) -> list[tuple[torch.Tensor, ...]]:
    """``(images, masks, logits)`` per batch: pictures, masks with ignored pixels, logits."""
    rng = np.random.default_rng(seed)
    out = []
    for i, n in enumerate(sizes):
        x = smooth_images(n, *hw, seed=seed + i)
        masks = torch.from_numpy(rng.integers(0, 4, (n, *hw)))
        masks[torch.from_numpy(rng.random((n, *hw)) < 0.1)] = 255
        logits = torch.from_numpy(rng.normal(0, 3, (n, 4, *hw)).astype(np.float32))
        out.append((x, masks, logits))
    return out


class _Logits:
    """A model that returns the batch's precomputed logits, whatever its input."""

    def __init__(self, batches: list[tuple[torch.Tensor, ...]]) -> None:
        self.logits, self.at = [lg for _, _, lg in batches], 0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.at += 1
        return self.logits[self.at - 1]


def _run(batches, model=None, **kwargs) -> segwidget.Results:
    model = model or _Logits(batches)
    loader = [(x, y) for x, y, _ in batches]
    return segwidget.analyze(model, loader, CLASSES, progress=False, **kwargs)


def _encoder_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("segwidget-encode")]


def _slow_first_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batch 0's images finish last, so completion order differs from submission order."""
    original = encoder.encode_image

    def slow(job, k, *args):
        if job.batch == 0:
            time.sleep(0.05)
        return original(job, k, *args)

    monkeypatch.setattr(encoder, "encode_image", slow)


def test_several_workers_give_the_same_numbers_and_bytes_in_order(monkeypatch) -> None:
    batches = _batches([3, 2, 4, 1, 3], hw=(40, 300))  # wider than the detail cap below
    one = _run(batches, encode_workers=1, detail_max_side=100)
    _slow_first_batch(monkeypatch)
    several = _run(batches, encode_workers=4, detail_max_side=100)
    np.testing.assert_array_equal(one.losses, several.losses)
    for name in ("image_confusions", "boundary_confusions", "confident_confusions"):
        a, b = getattr(one, name), getattr(several, name)
        for n in range(one.n_images):
            np.testing.assert_array_equal(a.image(n), b.image(n))
    assert one.images.parts == several.images.parts  # every stored byte
    np.testing.assert_array_equal(one.fingerprints, several.fingerprints)
    # in submission order: image i is the loader's image i, with its own numbers
    logits = torch.cat([lg for _, _, lg in batches])
    masks = torch.cat([y for _, y, _ in batches])
    np.testing.assert_allclose(several.losses, per_image_ce(logits, masks, 255), rtol=1e-5)
    for i in range(masks.shape[0]):
        truth = several.images.view(i).truth
        (h, w), (big_h, big_w) = truth.shape, masks.shape[1:]
        assert (h, w) == (13, 100)
        nearest = [  # the pixel under each detail pixel's centre
            [
                int(masks[i, int((r + 0.5) * big_h / h), int((c + 0.5) * big_w / w)])
                for c in range(w)
            ]
            for r in range(h)
        ]
        np.testing.assert_array_equal(truth, nearest)


def test_the_encoder_alone_matches_one_worker_and_keeps_the_order(monkeypatch) -> None:
    batches = _batches([2, 3, 2, 1], hw=(20, 24), seed=3)
    arrays = []
    for x, y, lg in batches:
        truth = torch.where(y == 255, 4, y).to(torch.uint8).numpy()
        rgb = (x * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
        pred = lg.argmax(1).to(torch.uint8).numpy()
        arrays.append((truth, rgb, pred, pred != truth))
    outputs = []
    for workers in (1, 3):
        if workers > 1:
            _slow_first_batch(monkeypatch)
        enc = BatchEncoder(4, True, None, workers)
        for b, parts in enumerate(arrays):
            enc.submit(b, *parts)
        outputs.append(enc.finish())
    (one, none), (several, none_too) = outputs
    assert none is None and none_too is None
    assert [e.images for e in one] == [e.images for e in several]
    for a, b in zip(one, several, strict=True):
        np.testing.assert_array_equal(a.fingerprints, b.fingerprints)
    store = ImageStore(4)
    for e in several:
        store.extend(e.images)
    shown = np.concatenate([np.where(t == 4, 255, t) for t, *_ in arrays])
    for i in range(len(store)):
        np.testing.assert_array_equal(store.view(i).truth, shown[i])


def test_pending_batches_stay_bounded_with_many_workers(monkeypatch) -> None:
    release = threading.Event()
    original = encoder.encode_image

    def held(job, k, *args):
        release.wait(timeout=30)
        return original(job, k, *args)

    monkeypatch.setattr(encoder, "encode_image", held)
    enc = BatchEncoder(3, False, None, workers=8)
    truth = np.zeros((2, 4, 5), np.uint8)
    for b in range(MAX_PENDING):
        enc.submit(b, truth)
    blocked = threading.Thread(target=enc.submit, args=(MAX_PENDING, truth))
    blocked.start()
    blocked.join(timeout=0.3)
    assert blocked.is_alive()  # waits for a pending batch, though idle workers are left
    release.set()
    blocked.join(timeout=30)
    assert not blocked.is_alive()
    done, failure = enc.finish()
    assert failure is None and len(done) == MAX_PENDING + 1


def test_default_workers_are_the_cores_available() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert default_workers() == expected
    enc = BatchEncoder(3, False, None)
    assert enc.workers == expected
    enc.finish()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_encode_workers_are_refused_before_the_first_forward(bad) -> None:
    batches = _batches([2])
    model = _Logits(batches)
    with pytest.raises(InputError, match=re.escape("encode_workers must be a whole number")):
        _run(batches, model, encode_workers=bad)
    assert model.at == 0


def _fail_on(monkeypatch: pytest.MonkeyPatch, truth: torch.Tensor) -> None:
    original, target = ImageStore.encode, torch.where(truth == 255, 4, truth).numpy()

    def encode(self, rgb, shown, *args, **kwargs):
        if np.array_equal(shown, target):
            raise ValueError("boom")
        return original(self, rgb, shown, *args, **kwargs)

    monkeypatch.setattr(ImageStore, "encode", encode)


@pytest.mark.parametrize("workers", [1, 2, 5])
def test_a_failing_worker_names_batch_and_image_and_stops_its_threads(monkeypatch, workers):
    batches = _batches([2, 3, 3, 2], seed=5)
    _fail_on(monkeypatch, batches[2][1][1])
    message = "batch 2, image 1: encoding it for display raised ValueError: boom"
    with pytest.raises(AnalysisError, match=re.escape(message)) as err:
        _run(batches, encode_workers=workers)
    results = err.value.results
    assert results.partial and results.n_images == 5  # batches 0 and 1
    masks = torch.cat([y for _, y, _ in batches[:2]])
    for i in range(5):
        np.testing.assert_array_equal(
            results.images.view(i).truth, np.where(masks[i] == 255, 255, masks[i])
        )
    assert _encoder_threads() == []


def test_no_encoder_thread_survives_any_ending() -> None:
    batches = _batches([2, 2, 2, 2], seed=7)
    loader = [(x, y) for x, y, _ in batches]
    _run(batches, encode_workers=3)
    assert _encoder_threads() == []
    # Ctrl-C in the loader after two batches: partial results
    with pytest.warns(UserWarning, match="interrupted after 4 images"):
        partial = segwidget.analyze(
            _Logits(batches), InterruptingLoader(loader, 2), CLASSES, progress=False
        )
    assert partial.partial and partial.n_images == 4 and _encoder_threads() == []
    # Ctrl-C in the first forward, and an error in the first batch's checks (no results)
    raising = Raising(0, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        segwidget.analyze(raising, [(lg, y) for _, y, lg in batches], CLASSES, progress=False)
    bad = [(x, y.clone()) for x, y, _ in batches]
    bad[0][1][1, 0, 0] = 9
    with pytest.raises(InputError, match="batch 0, image 1"):
        segwidget.analyze(_Logits(batches), bad, CLASSES, progress=False, encode_workers=4)
    assert _encoder_threads() == []
    # the model failing at batch 3, with batches still being encoded
    with pytest.raises(AnalysisError, match="batch 3"):
        segwidget.analyze(
            Raising(3, RuntimeError("gpu fell off")),
            [(lg, y) for _, y, lg in batches],
            CLASSES,
            progress=False,
        )
    assert _encoder_threads() == []
