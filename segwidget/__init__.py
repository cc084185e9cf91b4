"""segwidget: where is my segmentation model wrong, and on which images?"""

from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

from .analysis.adapters import InputError
from .analysis.analyze import analyze, analyze_models
from .analysis.errors import AnalysisError
from .results.comparison import Comparison, ConfusionChange, compare
from .results.core import Confusion, Results
from .results.exports import export, subset_dataset
from .results.ranking import Ranking
from .results.slices import SliceError, image_columns
from .results.tags import TagError, tag, untag
from .savefile.npz_reader import SaveFileError
from .savefile.persist import load

if TYPE_CHECKING:
    from .view.widget import SegExplorer

# Exports imported on first use: the widget pulls in anywidget, ipywidgets (and, once shown,
# bqplot and pandas), which a headless `analyze` never needs.
_LAZY = {"SegExplorer": ".view.widget"}

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
try:  # the version lives in pyproject.toml alone; this reads the installed package's
    __version__ = metadata.version(__name__)
except metadata.PackageNotFoundError:  # a source tree on sys.path, never installed
    __version__ = "0+unknown"


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
