"""segwidget: where is my segmentation model wrong, and on which images?"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .adapters import InputError
from .analysis import AnalysisError, analyze, analyze_models
from .comparison import Comparison, ConfusionChange, compare
from .exports import export, subset_dataset
from .npz_reader import SaveFileError
from .persist import load
from .ranking import Ranking
from .results import Confusion, Results
from .slices import SliceError, image_columns
from .tags import TagError, tag, untag

if TYPE_CHECKING:
    from .widget import SegExplorer

# Exports imported on first use: the widget pulls in anywidget, ipywidgets (and, once shown,
# bqplot and pandas), which a headless `analyze` never needs.
_LAZY = {"SegExplorer": ".widget"}

__all__ = [
    "AnalysisError",
    "Comparison",
    "Confusion",
    "ConfusionChange",
    "InputError",
    "Ranking",
    "Results",
    "SaveFileError",
    "SegExplorer",
    "SliceError",
    "TagError",
    "analyze",
    "analyze_models",
    "compare",
    "export",
    "image_columns",
    "load",
    "subset_dataset",
    "tag",
    "untag",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
