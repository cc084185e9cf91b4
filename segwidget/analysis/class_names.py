"""Class names for a pass: from ``classes=``, from the model's ``config.id2label``, or defaults.

Names are read before the pass (so a malformed ``classes`` fails before any batch is loaded)
and matched against the logits' channel count at the first batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Set
from typing import Any

import numpy as np

from .adapters import InputError
from .inputs import as_module

BINARY_CLASSES = ("background", "foreground")
_SHOWN = 6  # names quoted in a count-mismatch message


def read_classes(classes: Any, what: str = "classes") -> list[str] | None:
    """``classes=`` as a list of names, or ``None``; refuse what cannot be read unambiguously.

    Parameters
    ----------
    classes
        ``None``, an ordered collection of names (list, tuple, array, …) or a
        ``{index: name}`` dict covering ``0..C-1``. Integer names become their digits.
    what
        How to call the argument in error messages.

    Raises
    ------
    InputError
        For a string, a set, a dict that is not ``{index: name}`` over ``0..C-1``, names
        that are not strings or integers, empty or repeated names.
    """
    if classes is None:
        return None
    if isinstance(classes, str | bytes):
        raise InputError(
            f"{what} is the string {_quote(classes)}, which would be read letter by letter; "
            "pass a list of names, e.g. classes=['road', 'car']"
        )
    if isinstance(classes, Set):
        raise InputError(
            f"{what} is a {type(classes).__name__}, which has no order; pass a list of names "
            "in class-index order, or a dict {index: name}"
        )
    if isinstance(classes, Mapping):
        names = _from_index_dict(classes, what)
    elif isinstance(classes, Iterable):
        names = list(classes)
    else:
        raise InputError(
            f"{what} must be a list of names or a dict {{index: name}}, "
            f"not {type(classes).__name__}"
        )
    return _checked_names(names, what)


def model_class_names(model: Any) -> list[str] | None:
    """The names a model carries as ``config.id2label`` (Hugging Face), in index order."""
    module = as_module(model)
    owner = model if module is None else module
    id2label = getattr(getattr(owner, "config", None), "id2label", None)
    if not id2label:
        return None
    return read_classes(id2label, what="the model's config.id2label")


def class_names(
    given: list[str] | None,
    from_model: list[str] | None,
    channels: int,
    outputs: int,
    where: str,
) -> list[str]:
    """The pass's class names once the logits' channel count is known.

    Parameters
    ----------
    given, from_model
        Names from ``classes=`` (they win) and from the model's ``config.id2label``.
    channels
        Classes the logits stand for (2 for a one-channel binary model).
    outputs
        Channels the model outputs.
    where
        The batch, for error messages.
    """
    if given is None and from_model is not None:
        if len(from_model) == channels:
            return from_model
        if outputs != 1:  # a binary model's one-name id2label falls back to the defaults
            raise InputError(
                f"{where}: the model outputs {outputs} channels but its config.id2label has "
                f"{len(from_model)} names ({_listed(from_model)}); pass classes="
            )
    if given is None:
        return list(BINARY_CLASSES) if channels == 2 else [str(c) for c in range(channels)]
    if len(given) != channels:
        raise InputError(
            f"{where}: the model outputs {outputs} channels but {len(given)} classes were given "
            f"({_listed(given)}); a binary model outputs 1 channel and has 2 classes"
        )
    return given


def _from_index_dict(classes: Mapping[Any, Any], what: str) -> list[Any]:
    indices: dict[int, Any] = {}
    for key, name in classes.items():
        index = _index(key)
        if index is None:
            label2id = " (a dict {name: index} is label2id: pass id2label)"
            raise InputError(
                f"{what} as a dict must map class indices to names ({{0: 'road', ...}}); "
                f"key {_quote(key)} is not an index{label2id if isinstance(key, str) else ''}"
            )
        indices[index] = name
    expected = set(range(len(indices)))
    if set(indices) != expected:
        missing = sorted(expected - set(indices))
        extra = sorted(set(indices) - expected)
        raise InputError(
            f"{what} as a dict must cover the indices 0..{len(indices) - 1} exactly; "
            f"missing {missing[:_SHOWN]}, unexpected {extra[:_SHOWN]}"
        )
    return [indices[i] for i in range(len(indices))]


def _index(key: Any) -> int | None:
    """A dict key as a class index: an int, or its digits (``json.load`` makes keys strings)."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int | np.integer):
        return int(key) if key >= 0 else None
    if isinstance(key, str) and key.isdigit() and key.isascii():
        return int(key)
    return None


def _checked_names(names: list[Any], what: str) -> list[str]:
    out = []
    for c, name in enumerate(names):
        if isinstance(name, bool) or not isinstance(name, str | int | np.integer):
            raise InputError(
                f"{what}: class names must be strings; class {c} is "
                f"{_quote(name)} ({type(name).__name__})"
            )
        text = str(name)
        if not text.strip():
            raise InputError(
                f"{what}: class {c} has an empty name {text!r}; give every class a visible "
                "name (e.g. 'unlabelled')"
            )
        out.append(text)
    repeated = sorted(name for name, n in Counter(out).items() if n > 1)
    if repeated:
        raise InputError(f"class names must be unique; repeated: {repeated[:_SHOWN]}")
    return out


def _listed(names: list[str]) -> str:
    return f"{names[:_SHOWN]}{' ...' if len(names) > _SHOWN else ''}"


def _quote(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
