"""Bad input: errors name the batch, the image and the offending values; partial results survive."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from models import InterruptingLoader, Passthrough, Raising, logit_batches
from references import dense_confusions, per_image_ce
from torch.utils.data import DataLoader, IterableDataset, TensorDataset

import segwidget
from segwidget import AnalysisError, InputError

CLASSES = ["a", "b", "c"]


@pytest.fixture
def batches(rng: np.random.Generator) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return logit_batches(rng, [2, 3, 2, 2], 3, hw=(5, 6))


def _run(model, dl, classes=CLASSES, **kwargs) -> segwidget.Results:
    return segwidget.analyze(model, dl, classes, progress=False, **kwargs)


def _assert_first_batches(results: segwidget.Results, batches, k: int) -> None:
    """``results`` holds exactly the images of batches ``0 .. k-1``, with their numbers."""
    logits = torch.cat([x for x, _ in batches[:k]])
    masks = torch.cat([y for _, y in batches[:k]])
    assert results.partial and results.n_images == logits.shape[0]
    assert results.images is not None and len(results.images) == logits.shape[0]
    np.testing.assert_allclose(results.losses, per_image_ce(logits, masks, 255), rtol=1e-5)
    pred = logits.argmax(1)
    valid = masks != 255
    assert results.confusion().sum() == int(valid.sum())
    assert np.trace(results.confusion()) == int((pred == masks)[valid].sum())


def test_class_count_must_match_channels(batches) -> None:
    with pytest.raises(InputError, match=r"batch 0: the model outputs 3 channels but 4 classes"):
        _run(Passthrough(), batches, ["a", "b", "c", "d"])
    with pytest.raises(
        InputError, match=r"outputs 3 channels but 2 classes were given \(\['x', 'y'\]"
    ):
        _run(Passthrough(), batches, ["x", "y"])
    binary = [(x[:, :1], torch.where(y == 255, y, y % 2)) for x, y in batches]
    with pytest.raises(InputError, match=r"outputs 1 channels but 3 classes .* binary model"):
        _run(Passthrough(), binary, ["a", "b", "c"])
    assert _run(Passthrough(), binary, ["bg", "fg"]).classes == ["bg", "fg"]


def test_mask_values_beyond_the_classes_are_named(batches) -> None:
    batches[1][1][2, 0, 0] = 7
    batches[1][1][2, 1, 1] = 5
    batches[1][1][2, 1, 2] = 7
    batches[2][1][0, 0, 0] = 9
    with pytest.raises(InputError) as info:
        _run(Passthrough(), batches)
    message = str(info.value)
    assert message.startswith("batch 1, image 2: mask values [5, 7] are not classes 0..2")
    assert "ignore_index=255" in message
    _assert_first_batches(info.value.results, batches, 1)


def test_ignore_index_none_makes_255_a_bad_value(batches) -> None:
    with pytest.raises(
        InputError, match=r"batch 0, image \d: mask values \[255\] .*ignore_index=None"
    ):
        _run(Passthrough(), batches, ignore_index=None)


def test_negative_mask_values_are_named(batches) -> None:
    batches[0][1][1, 2, 3] = -1
    batches[0][1][1, 0, 0] = -4
    message = "batch 0, image 1: mask has negative values [-4, -1]"
    with pytest.raises(InputError, match=re.escape(message)):
        _run(Passthrough(), batches)


def test_a_negative_ignore_index_is_not_an_error(batches) -> None:
    relabelled = [(x, torch.where(y == 255, -1, y)) for x, y in batches]
    expected = _run(Passthrough(), batches)
    got = _run(Passthrough(), relabelled, ignore_index=-1)
    np.testing.assert_array_equal(got.losses, expected.losses)
    np.testing.assert_array_equal(got.confusion(), expected.confusion())


def test_batch_size_mismatch(batches) -> None:
    x, y = batches[2]
    batches[2] = (x, y[:1])
    with pytest.raises(InputError) as info:
        _run(Passthrough(), batches)
    assert str(info.value) == (
        "batch 2: logits hold 2 images but masks hold 1 (logits (2, 3, 5, 6), masks (1, 5, 6))"
    )
    _assert_first_batches(info.value.results, batches, 2)


def test_logits_larger_than_masks(batches) -> None:
    x, y = batches[0]
    batches[0] = (x, y[:, :4, :3])
    message = "batch 0: logits (2, 3, 5, 6) are larger than masks (2, 4, 3)"
    with pytest.raises(InputError, match=re.escape(message)):
        _run(Passthrough(), batches)


@pytest.mark.parametrize(
    ("masks", "message"),
    [
        (
            torch.zeros(2, 2, 5, 6, dtype=torch.long),
            r"masks must be \(B, H, W\) or \(B, 1, H, W\), got \(2, 2, 5, 6\)",
        ),
        (
            torch.zeros(3, 5, 6).index_put_((torch.tensor(2), torch.tensor(1)), torch.tensor(0.5)),
            r", image 2: float masks must hold whole class indices; found 0\.5 \(masks scaled",
        ),
        (torch.zeros(3, 5, 6, dtype=torch.cfloat), "masks must hold integer class indices"),
    ],
    ids=["two-channels", "fractional-float", "complex"],
)
def test_masks_of_the_wrong_form(batches, masks: torch.Tensor, message: str) -> None:
    batches[1] = (batches[1][0], masks)
    with pytest.raises(
        InputError, match="^batch 1" + ("" if message[0] == "," else ": ") + message
    ):
        _run(Passthrough(), batches)


def test_logits_of_the_wrong_rank(batches) -> None:
    with pytest.raises(
        InputError, match=r"batch 0: logits must be \(B, C, H, W\), got \(2, 3, 30\)"
    ):
        _run(Passthrough(), [(x.flatten(2), y) for x, y in batches])


def test_unreadable_batches_and_outputs(batches) -> None:
    with pytest.raises(
        InputError, match=r"none of the mask keys .*\(its keys: \['image', 'seg'\]\)"
    ):
        _run(Passthrough(), [{"image": x, "seg": y} for x, y in batches])
    with pytest.raises(InputError, match="cannot find images and masks in a batch of type Tensor"):
        _run(Passthrough(), [x for x, _ in batches])

    class Dict(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> dict:
            return {"seg": x}

    with pytest.raises(InputError, match=r"dict without 'out' or 'logits' \(keys: \['seg'\]\)"):
        _run(Dict(), batches)


def test_loss_func_must_be_per_pixel(batches) -> None:
    message = "batch 0: loss_func must return per-pixel losses of shape (2, 5, 6)"
    with pytest.raises(InputError, match=re.escape(message)):
        _run(Passthrough(), batches, loss_func=torch.nn.CrossEntropyLoss())


def test_nonfinite_logits_warn_and_are_counted(batches) -> None:
    x, y = batches[1]
    x[0, 1, 0, 0] = float("nan")
    x[0, :, 2, 2] = float("inf")
    y[0, 2, 2] = 255  # an all-inf pixel: counted, but its loss would be inf - inf
    x[2, 0, 4, 5] = float("-inf")
    x[2, 2, 4, 5] = float("nan")  # same pixel, counted once
    y[[0, 2], [0, 4], [0, 5]] = 1
    batches[3][0][1, 2, 1, 1] = float("nan")
    batches[3][1][1, 1, 1] = 2
    with pytest.warns(RuntimeWarning) as record:
        results = _run(Passthrough(), batches)
    messages = [str(w.message) for w in record if issubclass(w.category, RuntimeWarning)]
    assert len(messages) == 2
    assert messages[0].startswith("batch 1, images [0, 2]: 3 pixels have NaN or infinite logits")
    assert messages[1].startswith("batch 3, images [1]: 1 pixels")
    assert all(w.filename == __file__ for w in record)  # points at the caller
    assert results.n_images == 9 and not results.partial
    assert results.nonfinite_pixels.tolist() == [0, 0, 2, 0, 1, 0, 0, 0, 1]
    # the pass goes on with NaN read as 0 and ±inf as the largest finite value
    logits = torch.nan_to_num(torch.cat([x for x, _ in batches]))
    masks = torch.cat([y for _, y in batches])
    np.testing.assert_allclose(results.losses, per_image_ce(logits, masks, 255), rtol=1e-5)
    truth, pred = masks.numpy(), logits.argmax(1).numpy()
    expected = dense_confusions(truth, pred, 3, 255).sum(axis=0)
    np.testing.assert_array_equal(results.confusion(), expected)


@pytest.mark.parametrize(
    "dl",
    [[], DataLoader(TensorDataset(torch.zeros(0, 3, 4, 4), torch.zeros(0, 4, 4)))],
    ids=["list", "DataLoader"],
)
def test_an_empty_dataloader(dl) -> None:
    with pytest.raises(InputError, match="the dataloader is empty: it has no batches to analyse"):
        _run(Passthrough(), dl)


def test_a_loader_without_length_that_yields_nothing() -> None:
    with pytest.raises(InputError, match=r"the dataloader yielded no batches \(generator\)"):
        _run(Passthrough(), (b for b in []))


class _Stream(IterableDataset):
    def __init__(self, batches) -> None:
        self.batches = batches

    def __iter__(self):
        return iter(self.batches)


def test_a_dataloader_over_an_iterable_dataset(batches) -> None:
    """DataLoader(IterableDataset) has ``__len__`` that raises TypeError: still analysed."""
    expected = _run(Passthrough(), batches)
    got = _run(Passthrough(), DataLoader(_Stream(batches), batch_size=None))
    np.testing.assert_array_equal(got.losses, expected.losses)
    with pytest.raises(InputError, match=r"yielded no batches \(DataLoader\)"):
        _run(Passthrough(), DataLoader(_Stream([]), batch_size=None))


@pytest.mark.parametrize("k", [1, 3])
def test_a_model_error_names_the_batch_and_keeps_earlier_ones(batches, k: int) -> None:
    model = Raising(k, ValueError("boom")).train()
    message = f"^batch {k}: the model raised ValueError: boom$"
    with pytest.raises(AnalysisError, match=message) as info:
        _run(model, batches)
    assert isinstance(info.value.__cause__, ValueError)
    _assert_first_batches(info.value.results, batches, k)
    assert model.training


def test_a_model_error_at_the_first_batch_has_no_results(batches) -> None:
    with pytest.raises(AnalysisError, match=r"^batch 0: the model raised RuntimeError") as info:
        _run(Raising(0, RuntimeError("cuda out of memory")), batches)
    assert info.value.results is None


def test_an_input_error_at_the_first_batch_has_no_results(batches) -> None:
    with pytest.raises(InputError) as info:
        _run(Passthrough(), batches, ["only"])
    assert info.value.results is None


@pytest.mark.parametrize("k", [1, 2])
def test_interrupting_the_loader_returns_partial_results(batches, k: int) -> None:
    model = Passthrough().train()
    message = r"analysis interrupted after \d+ images; the results are partial"
    with pytest.warns(UserWarning, match=message):
        results = _run(model, InterruptingLoader(batches, k))
    _assert_first_batches(results, batches, k)
    assert model.training


def test_interrupting_the_model_returns_partial_results(batches) -> None:
    with pytest.warns(UserWarning, match="interrupted after 5 images"):
        results = _run(Raising(2, KeyboardInterrupt()), batches)
    _assert_first_batches(results, batches, 2)


def test_an_interrupt_before_any_batch_propagates(batches) -> None:
    with pytest.raises(KeyboardInterrupt):
        _run(Passthrough(), InterruptingLoader(batches, 0))


def test_adapter_errors_name_the_batch_and_keep_earlier_ones(batches) -> None:
    broken = [*batches[:2], {"image": batches[2][0]}, *batches[3:]]
    with pytest.raises(InputError, match=r"^batch 2: dict batch has none of the mask keys") as err:
        _run(Passthrough(), broken)
    _assert_first_batches(err.value.results, batches, 2)
    not_tensors = [*batches[:1], (batches[1][0].tolist(), batches[1][1])]
    with pytest.raises(InputError, match=r"^batch 1: the images are a list, not a tensor"):
        _run(Passthrough(), not_tensors)


def test_a_failing_loss_func_names_the_batch_and_keeps_earlier_ones(batches) -> None:
    calls = []

    def loss_func(logits: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return torch.nn.functional.cross_entropy(logits, masks, reduction="none")

    with pytest.raises(AnalysisError, match=r"^batch 2: computing its statistics raised Runtime"):
        _run(Passthrough(), batches, loss_func=loss_func)
    with pytest.raises(AnalysisError) as err:
        calls.clear()
        _run(Passthrough(), batches, loss_func=loss_func)
    _assert_first_batches(err.value.results, batches, 2)


def test_a_change_of_channel_count_between_batches(batches) -> None:
    wider = [*batches[:1], (torch.cat([batches[1][0], batches[1][0][:, :1]], 1), batches[1][1])]
    with pytest.raises(
        InputError, match=r"^batch 1: the logits have 4 channels here but 3 in the first batch"
    ) as err:
        _run(Passthrough(), wider)
    _assert_first_batches(err.value.results, batches, 1)


def test_class_names_must_be_unique(batches) -> None:
    with pytest.raises(InputError, match=r"class names must be unique; repeated: \['a'\]"):
        _run(Passthrough(), batches, ["a", "a", "c"])


def test_results_parts_must_agree(batches) -> None:
    results = _run(Passthrough(), batches)
    with pytest.raises(ValueError, match=r"disagree on the number of images: .*'losses': 8"):
        segwidget.Results(
            results.classes,
            results.losses[:8],
            results.image_confusions,
            None,
            results.colors,
        )
