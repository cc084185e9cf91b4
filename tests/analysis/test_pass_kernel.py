"""The pass's kernel: counts, loss and prediction against references; images, fingerprints."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from models import Passthrough, logit_batches, smooth_images
from references import dense_confusions, per_image_ce

import segwidget
from segwidget import AnalysisError, InputError
from segwidget.analysis.fingerprint import truth_fingerprint
from segwidget.analysis.logit_stats import LogitSweep
from segwidget.results.image_store import ImageStore


def _run(model, dl, classes=None, **kwargs) -> segwidget.Results:
    return segwidget.analyze(model, dl, classes, progress=False, **kwargs)


def _cat(batches) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.cat([x for x, _ in batches]), torch.cat([y for _, y in batches])


def test_counts_and_losses_at_150_classes_equal_the_dense_path(rng: np.random.Generator):
    c = 150
    truth_classes = rng.choice(c, 20, replace=False).tolist()
    batches = logit_batches(rng, [3, 2, 4], c, hw=(9, 11), truth_classes=truth_classes)
    results = _run(Passthrough(), batches, boundary_width=None, confidence=None)
    logits, masks = _cat(batches)
    dense = dense_confusions(masks.numpy(), logits.argmax(1).numpy(), c, 255)
    for n in range(dense.shape[0]):
        np.testing.assert_array_equal(results.image_confusion(n), dense[n])
    np.testing.assert_allclose(results.losses, per_image_ce(logits, masks, 255), rtol=1e-5)
    assert results.image_confusions.cell.size == np.count_nonzero(dense)  # nothing stored as 0


def test_the_prediction_is_argmax_also_on_ties(rng: np.random.Generator) -> None:
    """Integer logits tie often; the first maximal channel wins, as with ``argmax``."""
    logits = torch.from_numpy(rng.integers(-2, 3, (4, 6, 7, 8)).astype(np.float32))
    logits[0, :, 0, 0] = 0.0  # every channel tied
    logits[1, 2, 1, 1] = 1.0 + 1e-7 * 3  # a near-tie
    logits[1, 3, 1, 1] = 1.0
    sweep = LogitSweep()
    assert torch.equal(sweep(logits).pred, logits.argmax(1))
    distinct = logits + torch.arange(6).view(1, 6, 1, 1) * 1e-3  # no ties at all
    assert torch.equal(sweep(distinct).pred, distinct.argmax(1))


def test_minus_inf_logits_are_zero_probabilities_not_errors(rng: np.random.Generator) -> None:
    batches = logit_batches(rng, [3], 4, hw=(5, 6))
    x, y = batches[0]
    blocked = (x.argmax(1, keepdim=True) != torch.arange(4).view(1, 4, 1, 1)) & (
        torch.arange(4).view(1, 4, 1, 1) != y.clamp(max=3).unsqueeze(1)
    )
    x[blocked & (torch.rand(x.shape, generator=torch.Generator().manual_seed(0)) < 0.5)] = -np.inf
    x[2, :, 4, 5] = -np.inf  # every channel −inf: no class has any probability
    y[2, 4, 5] = 255  # (its loss is undefined; keep it out of the mean)
    with pytest.warns(RuntimeWarning, match=r"batch 0, images \[2\]: 1 pixels have NaN or inf"):
        results = _run(Passthrough(), batches)
    assert results.nonfinite_pixels.tolist() == [0, 0, 1]
    expected = per_image_ce(torch.nan_to_num(x), y, 255)
    np.testing.assert_allclose(results.losses, expected, rtol=1e-5)
    assert np.isfinite(results.losses).all()


def test_a_minus_inf_true_logit_gives_an_infinite_loss(rng: np.random.Generator) -> None:
    batches = logit_batches(rng, [2], 3, hw=(4, 4), ignore_frac=0.0)
    x, y = batches[0]
    x[1, int(y[1, 0, 0]), 0, 0] = -np.inf  # probability 0 for the truth: a legitimate +inf
    results = _run(Passthrough(), batches)
    assert results.nonfinite_pixels.tolist() == [0, 0]
    assert np.isfinite(results.losses[0]) and results.losses[1] == np.inf
    reference = F.cross_entropy(x[1:], y[1:], reduction="none").mean()
    assert reference.item() == np.inf


def test_a_loss_func_returning_nan_is_warned_counted_and_left_out(rng: np.random.Generator):
    batches = logit_batches(rng, [2, 3], 3, hw=(5, 6))
    poisoned = [(1, 0, 2, 3), (1, 0, 4, 4), (1, 2, 0, 1)]  # (batch, image, row, column)
    for b, n, i, j in poisoned:
        batches[b][1][n, i, j] = 1  # valid pixels

    def loss_func(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        out = F.cross_entropy(logits, target, reduction="none")
        if logits.shape[0] == 3:
            for _, n, i, j in poisoned:
                out[n, i, j] = np.nan
        return out

    with pytest.warns(RuntimeWarning) as record:
        results = _run(Passthrough(), batches, loss_func=loss_func)
    [message] = [str(w.message) for w in record]
    assert message.startswith("batch 1, images [0, 2]: loss_func returned NaN for 3 valid pixels")
    assert record[0].filename == __file__
    assert results.nonfinite_pixels.tolist() == [0, 0, 2, 0, 1]
    logits, masks = _cat(batches)
    for _, n, i, j in poisoned:
        masks[2 + n, i, j] = 255  # the reference: those pixels left out of the mean
    np.testing.assert_allclose(results.losses, per_image_ce(logits, masks, 255), rtol=1e-5)
    assert results.confusion().sum() == int((_cat(batches)[1] != 255).sum())  # still counted


@pytest.mark.parametrize(
    ("returned", "what"),
    [
        (lambda loss: loss.numpy(), "ndarray"),
        (lambda loss: loss.tolist(), "list"),
        (lambda loss: None, "NoneType"),
    ],
)
def test_a_loss_func_must_return_a_tensor(rng: np.random.Generator, returned, what: str) -> None:
    batches = logit_batches(rng, [2, 2], 3, hw=(5, 6))
    calls = []

    def loss_func(logits: torch.Tensor, target: torch.Tensor):
        calls.append(1)
        loss = F.cross_entropy(logits, target, reduction="none")
        return loss if len(calls) == 1 else returned(loss)

    message = (
        "batch 1: loss_func must return a torch.Tensor of per-pixel losses of shape "
        f"(B, H, W) = (2, 5, 6) (reduction='none'); it returned a {what}"
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$") as err:
        _run(Passthrough(), batches, loss_func=loss_func)
    assert err.value.results.n_images == 2 and err.value.results.partial


def test_the_detail_is_capped_and_statistics_use_full_resolution() -> None:
    h, w = 24, 200
    x = smooth_images(3, h, w, seed=2)
    masks = torch.from_numpy(np.indices((h, w)).sum(0) // 7 % 5).expand(3, h, w).clone()
    masks[1, :2] = 255
    batches = [(x, masks)]
    model = _Zero(5)
    results = _run(model, batches, detail_max_side=50)
    assert results.confusion().sum() == int((masks != 255).sum())  # every full-res pixel
    assert results.image_sizes.tolist() == [[h, w]] * 3
    view = results.images.view(1)
    assert (view.height, view.width) == (6, 50)
    truth = masks[1].numpy()
    np.testing.assert_array_equal(view.truth, truth[2::4, 2::4])  # nearest: the cells' centres
    assert results.images.rgb(1).shape == (6, 50, 3)
    thumb = results.images.view(1, thumbnail=True)
    assert (thumb.height, thumb.width) == (15, 128)  # thumbnails from the full resolution
    full = _run(model, batches, detail_max_side=None)
    assert (full.images.view(1).height, full.images.view(1).width) == (h, w)
    np.testing.assert_array_equal(full.images.view(1).truth, truth)
    assert full.images.parts["thumb_truth"] == results.images.parts["thumb_truth"]


class _Zero(torch.nn.Module):
    """Constant logits favouring class 0 (so every prediction is 0)."""

    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.n_classes = n_classes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(x.shape[0], self.n_classes, *x.shape[-2:])
        out[:, 0] = 1.0
        return out


@pytest.mark.parametrize("keep_images", [True, False])
def test_fingerprints_and_sizes_do_not_depend_on_batching(keep_images: bool) -> None:
    x = smooth_images(6, 10, 12, seed=3)
    masks = torch.from_numpy(np.random.default_rng(5).integers(0, 4, (6, 10, 12)))
    masks[2, 3:5] = 255
    runs = []
    for sizes in ([6], [2, 4], [1, 1, 3, 1]):
        cuts = np.cumsum([0, *sizes])
        batches = [(x[a:b], masks[a:b]) for a, b in itertools.pairwise(cuts)]
        runs.append(_run(_Zero(4), batches, keep_images=keep_images))
    expected = [truth_fingerprint(m.numpy(), m.numpy() != 255) for m in masks]
    for results in runs:
        assert results.fingerprints.dtype == np.uint64
        assert results.fingerprints.tolist() == [int(f) for f in expected]
        assert results.image_sizes.tolist() == [[10, 12]] * 6
    assert len(set(expected)) == 6


def test_images_are_identical_and_in_order_whatever_the_batching() -> None:
    x = smooth_images(7, 16, 20, seed=4)
    masks = torch.from_numpy(np.random.default_rng(6).integers(0, 3, (7, 16, 20)))
    whole = _run(_Zero(3), [(x, masks)])
    single = _run(_Zero(3), [(x[i : i + 1], masks[i : i + 1]) for i in range(7)])
    assert whole.images.parts == single.images.parts
    for i in range(7):
        np.testing.assert_array_equal(single.images.view(i).truth, masks[i].numpy())


def _failing_encode(monkeypatch: pytest.MonkeyPatch, truth: torch.Tensor) -> None:
    """Make encoding the image whose truth is ``truth`` raise (whichever worker encodes it)."""
    original, target = ImageStore.encode, truth.numpy()

    def encode(self, rgb, shown, *args, **kwargs):
        if np.array_equal(shown, target):
            raise ValueError("boom")
        return original(self, rgb, shown, *args, **kwargs)

    monkeypatch.setattr(ImageStore, "encode", encode)


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize(("at", "batch", "image"), [(3, 1, 1), (8, 4, 0)], ids=["early", "last"])
def test_an_encoding_error_names_the_batch_and_image(
    monkeypatch: pytest.MonkeyPatch, at: int, batch: int, image: int, workers: int
) -> None:
    x = smooth_images(9, 8, 10, seed=7)
    masks = torch.from_numpy(np.random.default_rng(8).integers(0, 3, (9, 8, 10)))
    batches = [(x[a : a + 2], masks[a : a + 2]) for a in range(0, 9, 2)]  # sizes 2,2,2,2,1
    _failing_encode(monkeypatch, masks[at])
    expected = f"batch {batch}, image {image}: encoding it for display raised ValueError: boom"
    with pytest.raises(AnalysisError, match=re.escape(expected)) as err:
        _run(_Zero(3), batches, encode_workers=workers)
    results = err.value.results
    assert results.partial and results.n_images == 2 * batch
    assert len(results.images) == results.fingerprints.size == 2 * batch
    for i in range(2 * batch):
        np.testing.assert_array_equal(results.images.view(i).truth, masks[i].numpy())


def test_the_sweep_on_threads_equals_one_thread_and_an_explicit_softmax(rng):
    logits = torch.from_numpy(rng.normal(0, 4, (3, 7, 40, 50)).astype(np.float32))
    logits[0, 2, :5] = -np.inf  # zero probabilities
    with torch.inference_mode():
        threaded = LogitSweep(threads=3)(logits)
    single = LogitSweep(threads=1)(logits)
    for name in ("pred", "top", "norm"):
        assert torch.equal(getattr(threaded, name), getattr(single, name))
    x = logits.double()
    softmax_top = torch.softmax(x, 1).amax(1)
    np.testing.assert_allclose(threaded.confidence().numpy(), softmax_top.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(threaded.pred.numpy(), x.argmax(1).numpy())


@pytest.mark.parametrize("fail", [False, True])
def test_the_pass_leaves_torch_threads_as_it_found_them(rng, fail: bool) -> None:
    batches = logit_batches(rng, [2, 2], 3, hw=(5, 6))
    if fail:
        batches[1][1][0, 0, 0] = 7
    before = torch.get_num_threads()
    torch.set_num_threads(max(2, before))
    try:
        expected = torch.get_num_threads()
        if fail:
            with pytest.raises(InputError):
                _run(Passthrough(), batches)
        else:
            seen = []

            def loss_func(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
                seen.append(torch.get_num_threads())  # the user's code runs as configured
                return F.cross_entropy(x, y, reduction="none")

            _run(Passthrough(), batches, loss_func=loss_func)
            assert seen == [expected, expected]
        assert torch.get_num_threads() == expected
    finally:
        torch.set_num_threads(before)
