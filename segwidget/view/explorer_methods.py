"""The ``Results`` methods that ``SegExplorer`` answers too (fastai's interpretation API and more).

An explorer of one model asks the ``Results`` it shows; an explorer of a comparison asks
``widget_compare.delegate`` (the comparison's own answer, or the shown model's).
"""

from __future__ import annotations

import functools
from typing import Any

from ..results.core import Results
from . import compare as widget_compare

DELEGATED = (
    "top_losses",
    "confusion",
    "mean_confusion",
    "image_confusion",
    "class_table",
    "most_confused",
    "rank",
    "show",
    "save",
    "mean_iou",
    "pixel_accuracy",
    "suspect_labels",
    "boundary_error_share",
    "confident_confusion",
)


def add_delegates(cls: type) -> None:
    """Give the explorer class ``cls`` each method of ``DELEGATED``."""
    for name in DELEGATED:
        method = _delegate(name)
        # help() and the API reference read these: the method is the explorer's
        method.__module__, method.__qualname__ = cls.__module__, f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)


def _delegate(name: str) -> Any:
    method = getattr(Results, name)

    @functools.wraps(method)  # Results' signature and docstring (inspect follows __wrapped__)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.comparison is not None:
            return widget_compare.delegate(self, name)(*args, **kwargs)
        return getattr(self.results, name)(*args, **kwargs)

    return call
