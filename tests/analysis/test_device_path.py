"""The device path (issue 18) run on CPU tensors: ``device_path.wanted`` is the one seam, so
everything but CUDA's pinned, non-blocking copies runs as it does on a GPU. It must give
the careful path's numbers and bytes, and hand back the batches that need that path."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from models import Passthrough, logit_batches, smooth_images

import segwidget
from segwidget import InputError
from segwidget.analysis import device_path
from segwidget.analysis.logit_stats import LogitSweep

CLASSES = ["a", "b", "c", "d", "e"]


class Forced(list):
    """Which batches the device path finished itself (``True``) or handed back; ``on``
    switches the path on for CPU tensors."""

    on = False


@pytest.fixture
def on_device(monkeypatch: pytest.MonkeyPatch) -> Forced:
    finished = Forced()
    original = device_path.device_statistics

    def counted(*args, **kwargs):
        out = original(*args, **kwargs)
        finished.append(out is not None)
        return out

    monkeypatch.setattr(device_path, "wanted", lambda device: finished.on)
    monkeypatch.setattr(device_path, "device_statistics", counted)
    return finished


class _Shown(torch.nn.Module):
    """Returns the batch's logits; the loader's pictures are separate tensors."""

    def __init__(self, logits: list[torch.Tensor]) -> None:
        super().__init__()
        self.logits, self.at = logits, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.at += 1
        return self.logits[self.at - 1]


def _pass(batches, **kwargs) -> segwidget.Results:
    pictures = [
        smooth_images(lg.shape[0], *lg.shape[2:], seed=i) for i, (lg, _) in enumerate(batches)
    ]
    model = _Shown([lg for lg, _ in batches])
    loader = [(x, y) for x, (_, y) in zip(pictures, batches, strict=True)]
    return segwidget.analyze(
        model, loader, kwargs.pop("classes", CLASSES), progress=False, **kwargs
    )


def _assert_same(a: segwidget.Results, b: segwidget.Results) -> None:
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.nonfinite_pixels, b.nonfinite_pixels)
    for name in ("image_confusions", "boundary_confusions", "confident_confusions"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None)
        for n in range(a.n_images if x is not None else 0):
            np.testing.assert_array_equal(x.image(n), y.image(n))
    if a.images is not None:
        assert a.images.parts == b.images.parts
    np.testing.assert_array_equal(a.fingerprints, b.fingerprints)
    x, y = a.calibration_counts, b.calibration_counts  # counted on the device there
    assert (x is None) == (y is None)
    if x is not None and y is not None:
        for field in ("ptr", "key", "count"):
            np.testing.assert_array_equal(getattr(x, field), getattr(y, field))
        # float64 sums of float32 confidences, in another order: equal to rounding
        np.testing.assert_allclose(x.conf_sum, y.conf_sum, rtol=1e-12)
    p, q = a.object_records, b.object_records  # from the predictions the device path sent
    assert (p is None) == (q is None)
    if p is not None and q is not None:
        for kind in ("truth", "false"):
            u, v = getattr(p, kind), getattr(q, kind)
            np.testing.assert_array_equal(u.ptr, v.ptr)
            for column in u.columns:
                np.testing.assert_array_equal(u[column], v[column])


@pytest.mark.parametrize(
    "options",
    [{}, {"ignore_index": None}, {"boundary_width": None, "confidence": None},
     {"keep_images": False}, {"confidence": 0.3, "boundary_width": 1},
     {"calibration_bins": None, "objects": False}],
)  # fmt: skip
def test_the_device_path_gives_the_careful_paths_numbers_and_bytes(on_device, options, rng):
    ignore = options.get("ignore_index", 255)
    batches = logit_batches(rng, [3, 2, 4], 5, hw=(17, 23), ignore_index=ignore)
    for lg, _ in batches:
        lg[:, 1] = lg[:, 2]  # ties: the first channel wins, as argmax
    careful = _pass(batches, **options)
    assert on_device == []
    on_device.on = True
    forced = _pass(batches, **options)
    assert on_device == [True, True, True]  # every batch finished on the device path
    _assert_same(careful, forced)


def test_a_custom_loss_and_analyze_models_follow(on_device, rng) -> None:
    batches = logit_batches(rng, [2, 3], 5, hw=(9, 11))

    def loss(logits, target):
        return F.cross_entropy(logits, target, reduction="none") * 2 + 1

    careful = _pass(batches, loss_func=loss)
    on_device.on = True
    forced = _pass(batches, loss_func=loss)
    _assert_same(careful, forced)
    assert on_device == [True, True]
    a, b = segwidget.analyze_models(
        [Passthrough(), Passthrough()], batches, CLASSES, progress=False
    )
    assert on_device[2:] == [True] * 4  # two batches, two models
    on_device.on = False
    _assert_same(a, segwidget.analyze(Passthrough(), batches, CLASSES, progress=False))
    _assert_same(a, b)


def test_non_finite_logits_go_the_careful_way_and_are_repaired_as_there(on_device, rng) -> None:
    batches = logit_batches(rng, [2, 2], 5, hw=(6, 7))
    batches[1][0][1, 3, 2, 2] = float("nan")
    on_device.on = True
    with pytest.warns(RuntimeWarning, match=re.escape("batch 1, images [1]: 1 pixels")):
        forced = _pass(batches)
    assert on_device == [True, False]
    assert forced.nonfinite_pixels.tolist() == [0, 0, 0, 1]


def test_bad_mask_values_raise_the_careful_paths_error(on_device, rng) -> None:
    batches = logit_batches(rng, [2, 2], 5, hw=(6, 7))
    batches[1][1][0, 1, 1] = 9
    on_device.on = True
    with pytest.raises(InputError, match=re.escape("batch 1, image 0: mask values [9]")) as err:
        _pass(batches)
    assert on_device == [True, False]
    assert err.value.results.n_images == 2
    valid_at_c = logit_batches(rng, [2], 5, hw=(6, 7), ignore_index=None)
    valid_at_c[0][1][1, 0, 0] = 5  # one past the classes, with no ignore_index
    with pytest.raises(InputError, match=re.escape("batch 0, image 1: mask values [5]")):
        _pass(valid_at_c, ignore_index=None)
    negative = logit_batches(rng, [2], 5, hw=(6, 7))
    negative[0][1][0, 2, 2] = -3
    with pytest.raises(InputError, match=re.escape("batch 0, image 0: mask has negative")):
        _pass(negative)


def test_too_many_dense_bins_go_the_careful_way(on_device, monkeypatch, rng) -> None:
    batches = logit_batches(rng, [2], 5, hw=(6, 7))
    careful = _pass(batches)
    on_device.on = True
    monkeypatch.setattr(device_path, "DENSE_LIMIT", 100)
    careful_again = _pass(batches)
    assert on_device == [False]
    _assert_same(careful, careful_again)


def test_device_stats_equal_the_cpu_sweep(rng) -> None:
    logits = torch.from_numpy(rng.normal(0, 4, (3, 7, 20, 30)).astype(np.float32))
    logits[0, 2, :5] = -np.inf  # zero probabilities stay legitimate
    logits[1, 4] = logits[1, 5]  # ties
    with torch.inference_mode():
        sweep = LogitSweep(threads=1)(logits)
        device = device_path.device_stats(logits)
    assert torch.equal(sweep.pred, device.pred)
    assert torch.equal(sweep.top, device.top)
    np.testing.assert_allclose(device.norm.numpy(), sweep.norm.numpy(), rtol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_one_wait_per_batch_and_the_cpu_numbers(rng) -> None:
    """Only on a machine with a GPU: the pass on CUDA against the CPU pass on the same
    logits, and no synchronising call inside the device path but its one event wait."""
    batches = logit_batches(rng, [3, 2, 4], 5, hw=(64, 96))
    cpu = _pass(batches)
    on_gpu = [(lg.cuda(), y.cuda()) for lg, y in batches]
    forced = device_path.device_statistics
    seen: list[bool] = []

    def watched(*args, **kwargs):
        torch.cuda.set_sync_debug_mode("error")  # a synchronising call raises
        try:
            out = forced(*args, **kwargs)
        finally:
            torch.cuda.set_sync_debug_mode("default")
        seen.append(out is not None)
        return out

    device_path.device_statistics = watched
    try:
        gpu = _pass(on_gpu, device="cuda")
    finally:
        device_path.device_statistics = forced
    assert seen == [True, True, True]
    np.testing.assert_allclose(gpu.losses, cpu.losses, rtol=1e-5)
    for n in range(cpu.n_images):
        np.testing.assert_array_equal(gpu.image_confusions.image(n), cpu.image_confusions.image(n))
    assert gpu.images.parts["truth"] == cpu.images.parts["truth"]
