"""Issue 10's loader part: ``analyze_models`` loads each batch once, feeds it to every model, and
gives exactly what separate ``analyze`` calls give; errors name the batch and the model."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from expect import assert_reference, first_batches
from models import (
    CountingLoader,
    Passthrough,
    Raising,
    SmallConvNet,
    logit_batches,
    smooth_images,
)

import segwidget
from segwidget import AnalysisError, InputError

CLASSES = ["a", "b", "c", "d"]


@pytest.fixture
def scenes(rng: np.random.Generator) -> list[dict]:
    x = smooth_images(7, 12, 14, seed=6)
    y = torch.from_numpy(rng.integers(0, 4, (7, 12, 14)))
    y[torch.from_numpy(rng.random((7, 12, 14)) < 0.2)] = 255
    cities = ["bonn", "köln", "aachen", "bonn", "essen", "köln", "bonn"]
    parts = (slice(0, 3), slice(3, 5), slice(5, 7))
    return [{"image": x[s], "mask": y[s], "city": cities[s]} for s in parts]


def _models() -> list[torch.nn.Module]:
    torch.manual_seed(1)
    a = SmallConvNet(4).train()
    torch.manual_seed(2)
    return [a, SmallConvNet(4).eval()]


def _assert_same(got: segwidget.Results, expected: segwidget.Results) -> None:
    assert got.classes == expected.classes and got.colors == expected.colors
    assert got.partial == expected.partial and got.ignore_index == expected.ignore_index
    np.testing.assert_array_equal(got.losses, expected.losses)
    np.testing.assert_array_equal(got.nonfinite_pixels, expected.nonfinite_pixels)
    for i in range(expected.n_images):
        np.testing.assert_array_equal(got.image_confusion(i), expected.image_confusion(i))
    assert got.images.parts == expected.images.parts  # the same encoded bytes
    assert list(got.metadata) == list(expected.metadata)
    for name, column in expected.metadata.items():
        np.testing.assert_array_equal(got.metadata[name], column)


def test_equals_separate_passes_over_one_iteration(scenes) -> None:
    models = _models()
    kwargs = {"collect": ["city"], "metadata": {"night": [0, 1, 0, 0, 1, 1, 0]}, "progress": False}
    loader = CountingLoader(scenes)
    together = segwidget.analyze_models(models, loader, CLASSES, **kwargs)
    assert loader.iterations == 1 and loader.reads == [1, 1, 1]
    assert models[0].training and not models[1].training  # each one's mode restored
    assert [m.modes for m in models] == [[False] * 3] * 2
    for model, got in zip(models, together, strict=True):
        _assert_same(got, segwidget.analyze(model, scenes, CLASSES, **kwargs))
    x = torch.cat([s["image"] for s in scenes])
    y = torch.cat([s["mask"] for s in scenes])
    with torch.no_grad():
        assert_reference(together[1], models[1](x), y)


def test_each_model_names_its_own_classes(rng) -> None:
    batches = logit_batches(rng, [2, 2], 3)

    class Named(Passthrough):
        def __init__(self, names: list[str]) -> None:
            super().__init__()
            self.config = SimpleNamespace(id2label=dict(enumerate(names)))

    models = [Named(["road", "car", "sky"]), Passthrough()]
    results = segwidget.analyze_models(models, batches, progress=False)
    assert [r.classes for r in results] == [["road", "car", "sky"], ["0", "1", "2"]]


def test_a_model_error_names_the_batch_and_the_model(rng) -> None:
    batches = logit_batches(rng, [2, 3, 2, 2], 3)
    models = [Passthrough(), Raising(2, ValueError("boom"))]
    with pytest.raises(
        AnalysisError, match=r"^batch 2, model 1: the model raised ValueError: boom$"
    ) as info:
        segwidget.analyze_models(models, batches, progress=False)
    assert len(info.value.results) == 2  # both over the batches every model completed
    for results in info.value.results:
        assert_reference(results, *first_batches(batches, 2), partial=True)
        assert results.dataset_indices is None


def test_an_input_error_names_the_model(rng) -> None:
    batches = logit_batches(rng, [2, 3], 3)

    class Wider(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.calls = 0

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.calls += 1
            return x if self.calls == 1 else torch.cat([x, x[:, :1]], dim=1)

    message = "batch 1, model 1: the logits have 4 channels here but 3 in the first batch"
    with pytest.raises(InputError, match="^" + re.escape(message) + "$") as info:
        segwidget.analyze_models([Passthrough(), Wider()], batches, progress=False)
    for results in info.value.results:
        assert_reference(results, *first_batches(batches, 1), partial=True)


def test_a_failure_at_the_first_batch_has_no_results(rng) -> None:
    batches = logit_batches(rng, [2, 3], 3)
    models = [Passthrough(), Raising(0, RuntimeError("out of memory"))]
    with pytest.raises(AnalysisError, match=r"^batch 0, model 1: the model raised") as info:
        segwidget.analyze_models(models, batches, progress=False)
    assert info.value.results is None


def test_an_interrupt_keeps_what_every_model_completed(rng) -> None:
    batches = logit_batches(rng, [2, 3, 2], 3)
    with pytest.warns(UserWarning, match="interrupted after 5 images"):
        results = segwidget.analyze_models(
            [Passthrough(), Raising(2, KeyboardInterrupt())], batches, progress=False
        )
    for part in results:
        assert_reference(part, *first_batches(batches, 2), partial=True)


def test_warnings_point_at_the_caller_and_models_do_not_share_inputs(rng) -> None:
    """Passthrough's logits are its input, repaired in place: the second model gets its own."""
    batches = logit_batches(rng, [2], 3)
    batches[0][0][0, 0, 0, 0] = float("nan")
    with pytest.warns(RuntimeWarning, match="NaN or infinite logits") as record:
        segwidget.analyze_models([Passthrough(), Passthrough()], batches, progress=False)
    assert [w.filename for w in record] == [__file__, __file__]


@pytest.mark.parametrize(
    ("models", "kwargs", "error", "message"),
    [
        (Passthrough(), {}, InputError, "models must be a non-empty list of models"),
        ([], {}, InputError, "models must be a non-empty list of models"),
        ([Passthrough(), "b.pt"], {}, InputError, "model 1 must be an nn.Module or a function"),
        ([Passthrough()], {"ignore": 255}, TypeError, "analyze_models() got unknown keyword"),
    ],
    ids=["one-model", "empty", "not-callable", "unknown-keyword"],
)
def test_bad_arguments(rng, models, kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match="^" + re.escape(message)):
        segwidget.analyze_models(models, logit_batches(rng, [2], 3), **kwargs)
