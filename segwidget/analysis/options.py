"""The analysis pass's options checked before any batch runs: each refused by name, with
what it may be."""

from __future__ import annotations

import numbers

from .adapters import InputError


def check_options(
    boundary_width: int | None, confidence: float | None, detail_max_side: int | None
) -> None:
    """The pass's region and storage options, each refused by name."""
    for name, value, what in [
        ("boundary_width", boundary_width, "None to skip the boundary band"),
        ("detail_max_side", detail_max_side, "None to store details at full resolution"),
    ]:
        whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        if value is not None and not (whole and value >= 1):
            raise InputError(
                f"{name} must be a whole number of pixels >= 1, or {what}; got {value!r}"
            )
    real = isinstance(confidence, numbers.Real) and not isinstance(confidence, bool)
    if confidence is not None and not (real and 0 < confidence <= 1):
        raise InputError(
            "confidence must be a probability in (0, 1], or None to skip confident "
            f"disagreements; got {confidence!r}"
        )


def check_objects(objects: bool, min_object_recall: float) -> None:
    """``objects`` a bool, ``min_object_recall`` a share in (0, 1]."""
    if not isinstance(objects, bool):
        raise InputError(f"objects must be True or False; got {objects!r}")
    real = isinstance(min_object_recall, numbers.Real) and not isinstance(min_object_recall, bool)
    if not (real and 0 < min_object_recall <= 1):
        raise InputError(f"min_object_recall must be a share in (0, 1]; got {min_object_recall!r}")
