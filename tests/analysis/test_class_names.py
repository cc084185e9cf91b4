"""Class names (issue 8 §3, issue 9): from ``classes=`` as a list or an ``{index: name}`` dict,
from a Hugging Face-style ``config.id2label``, or defaults; sets and strings refused."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from expect import assert_reference, first_batches
from models import Passthrough, logit_batches
from torch import nn

import segwidget
from segwidget import InputError


class _HFStyle(nn.Module):
    """Passes logits through and carries a Hugging Face-like ``config``."""

    def __init__(self, id2label: dict) -> None:
        super().__init__()
        self.config = SimpleNamespace(id2label=id2label, num_labels=len(id2label))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


@pytest.fixture
def batches(rng: np.random.Generator) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return logit_batches(rng, [2, 3], 3, hw=(5, 6))


def _run(model, dl, classes=None, **kwargs) -> segwidget.Results:
    return segwidget.analyze(model, dl, classes, progress=False, **kwargs)


def test_the_models_id2label_names_the_classes_in_index_order(batches) -> None:
    model = _HFStyle({2: "sky", 0: "road", 1: "car"})  # insertion order is not index order
    results = _run(model, batches)
    assert results.classes == ["road", "car", "sky"]
    assert_reference(results, *first_batches(batches, 2))


def test_given_classes_win_over_id2label(batches) -> None:
    assert _run(_HFStyle({0: "road", 1: "car", 2: "sky"}), batches, list("abc")).classes == [
        "a",
        "b",
        "c",
    ]


def test_id2label_of_a_bound_method_and_from_json(batches) -> None:
    model = _HFStyle({"0": "road", "1": "car", "2": "sky"})  # keys as json.load leaves them
    assert _run(model.forward, batches).classes == ["road", "car", "sky"]


def test_id2label_of_the_wrong_length(batches) -> None:
    message = (
        "batch 0: the model outputs 3 channels but its config.id2label has 2 names "
        "(['road', 'car']); pass classes="
    )
    with pytest.raises(InputError, match="^" + re.escape(message) + "$"):
        _run(_HFStyle({0: "road", 1: "car"}), batches)


def test_a_binary_models_one_name_falls_back_to_the_defaults(rng) -> None:
    x, y = logit_batches(rng, [2], 2, hw=(4, 4), ignore_index=None)[0]
    results = _run(_HFStyle({0: "LABEL_0"}), [(x[:, 1:] - x[:, :1], y)])
    assert results.classes == ["background", "foreground"]


def test_an_index_dict(batches) -> None:
    results = _run(Passthrough(), batches, {1: "car", 0: "road", 2: "sky"})
    assert results.classes == ["road", "car", "sky"]
    assert_reference(results, *first_batches(batches, 2))
    keys = {np.int64(0): "road", np.int64(1): "car", np.int64(2): "sky"}
    assert _run(Passthrough(), batches, keys).classes == ["road", "car", "sky"]


_NOT_INDEX = "classes as a dict must map class indices to names ({0: 'road', ...})"


@pytest.mark.parametrize(
    ("classes", "message"),
    [
        (
            "abc",
            "classes is the string 'abc', which would be read letter by letter; pass a list of "
            "names, e.g. classes=['road', 'car']",
        ),
        (
            {"road", "car", "sky"},
            "classes is a set, which has no order; pass a list of names in class-index order, "
            "or a dict {index: name}",
        ),
        (
            frozenset({"road", "car", "sky"}),
            "classes is a frozenset, which has no order",
        ),
        (
            {0: "road", 1: "car", 3: "sky"},
            "classes as a dict must cover the indices 0..2 exactly; missing [2], unexpected [3]",
        ),
        (
            {"road": 0, "car": 1, "sky": 2},
            "classes as a dict must map class indices to names ({0: 'road', ...}); key 'road' "
            "is not an index (a dict {name: index} is label2id: pass id2label)",
        ),
        ({0: "road", -1: "car"}, f"{_NOT_INDEX}; key -1 is not an index"),
        ({0: "road", True: "car"}, f"{_NOT_INDEX}; key True is not an index"),
        (["road", None, "sky"], "classes: class names must be strings; class 1 is None"),
        (["road", 1.5, "sky"], "classes: class names must be strings; class 1 is 1.5 (float)"),
        (["road", " ", "sky"], "classes: class 1 has an empty name ' '"),
        (3, "classes must be a list of names or a dict {index: name}, not int"),
    ],
    ids=[
        "string", "set", "frozenset", "dict-with-a-gap", "label2id", "negative-key",
        "bool-key", "None-name", "float-name", "blank-name", "int",
    ],
)  # fmt: skip
def test_classes_that_cannot_be_read(batches, classes, message: str) -> None:
    calls = []

    def model(x: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        return x

    with pytest.raises(InputError, match="^" + re.escape(message)) as info:
        _run(model, batches, classes)
    assert calls == [] and info.value.results is None  # refused before any batch


def test_a_dict_of_the_wrong_size_for_the_model(batches) -> None:
    message = "batch 0: the model outputs 3 channels but 4 classes were given"
    with pytest.raises(InputError, match="^" + re.escape(message)):
        _run(Passthrough(), batches, {0: "a", 1: "b", 2: "c", 3: "d"})


def test_other_ordered_collections_and_integer_names(batches) -> None:
    assert _run(Passthrough(), batches, ("a", "b", "c")).classes == ["a", "b", "c"]
    assert _run(Passthrough(), batches, np.array(["a", "b", "c"])).classes == ["a", "b", "c"]
    assert _run(Passthrough(), batches, range(3)).classes == ["0", "1", "2"]
    assert _run(Passthrough(), batches, {0: "a", 1: "b", 2: "c"}.values()).classes == list("abc")
