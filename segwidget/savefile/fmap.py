"""The failure map's members of a saved ``Results``: model features and the cached maps.

``features``: ``(N, D)`` float16 or float32, ``1 <= D <= MAX_WIDTH``, finite.
``map_errors``, ``map_features``: ``(N, 2)`` float32, finite, saved bit for bit (a map is
computed once with a fixed seed; loading never recomputes it). ``map_features`` needs
``features``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..results.embedding import KINDS, MAX_WIDTH
from .npz_reader import FileProblem, NpzReader, Spec, describe

if TYPE_CHECKING:
    from ..results.core import Results

MEMBERS = ("features", *(f"map_{kind}" for kind in KINDS))


def arrays(results: Results) -> dict[str, NDArray[Any]]:
    """What ``Results.save`` writes for the failure map."""
    out: dict[str, NDArray[Any]] = {f"map_{kind}": xy for kind, xy in results.maps.items()}
    if results.features is not None:
        out["features"] = results.features
    return out


def read(
    reader: NpzReader, prefix: str, n: int
) -> tuple[NDArray[Any] | None, dict[str, NDArray[np.float32]]]:
    """The checked features (or ``None``) and maps stored under ``prefix``."""
    features = None
    if prefix + "features" in reader.names:
        name = prefix + "features"
        shape = reader.header(name).shape  # the width first: the element cap would not name it
        if len(shape) == 2 and shape[1] > MAX_WIDTH:
            raise FileProblem(
                f"{describe(name)} has {shape[1]} features per image; at most {MAX_WIDTH}"
            )
        features = reader.read(name, Spec("f", (n, None), n * MAX_WIDTH))
        if features.dtype not in (np.float16, np.float32):
            raise FileProblem(f"{describe(name)} has dtype {features.dtype}; expected float16/32")
        if n and not 1 <= features.shape[1] <= MAX_WIDTH:
            raise FileProblem(
                f"{describe(name)} has {features.shape[1]} features per image; "
                f"expected 1 to {MAX_WIDTH}"
            )
        _finite(name, features)
    maps = {}
    for kind in KINDS:
        name = f"{prefix}map_{kind}"
        if name in reader.names:
            if kind == "features" and features is None:
                raise FileProblem(f"{describe(name)} is there but the features it maps are not")
            maps[kind] = reader.read(name, Spec("f", (n, 2), None, 4))
            _finite(name, maps[kind])
    return features, maps


def _finite(name: str, values: NDArray[Any]) -> None:
    if not np.isfinite(values).all():
        row = int(np.flatnonzero(~np.isfinite(values).reshape(len(values), -1).all(axis=1))[0])
        raise FileProblem(f"{describe(name)} has a NaN or infinite value (image {row})")
