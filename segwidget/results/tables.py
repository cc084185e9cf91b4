"""Per-class tables: the numbers of ``Results.class_table``, as a DataFrame or plain rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import calibration, metrics, objects, regions

if TYPE_CHECKING:
    from .core import Results


def class_columns(results: Results) -> dict[str, NDArray[Any]]:
    """Per-class columns: IoU, recall, precision, support, images, and band columns if any."""
    cm = results.confusion()
    return {
        "iou": metrics.iou(cm),
        "recall": metrics.recall(cm),
        "precision": metrics.precision(cm),
        "support": metrics.support(cm),
        "images": (results.true_totals > 0).sum(axis=0),
        **regions.band_columns(results),
        **calibration.class_columns(results),
        **objects.object_columns(results),
    }


def as_table(classes: list[str], columns: dict[str, NDArray[Any]], **attrs: float) -> Any:
    """Rows indexed by class name: a pandas DataFrame (with ``attrs``), else a list of dicts."""
    rows = [
        {"class": name, **{k: np.asarray(v)[c].item() for k, v in columns.items()}}
        for c, name in enumerate(classes)
    ]
    try:
        import pandas as pd
    except ImportError:
        return rows
    table = pd.DataFrame(rows).set_index("class")
    table.attrs.update(attrs)
    return table


def class_table(results: Results) -> Any:
    """See ``Results.class_table``."""
    return as_table(
        results.classes,
        class_columns(results),
        mean_iou=results.mean_iou(),
        pixel_accuracy=results.pixel_accuracy(),
    )
