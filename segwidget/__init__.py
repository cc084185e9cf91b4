"""segwidget: where is my segmentation model wrong, and on which images?"""

from .adapters import InputError
from .analysis import AnalysisError, analyze
from .comparison import Comparison, ConfusionChange, compare
from .exports import export, subset_dataset
from .npz_reader import SaveFileError
from .persist import load
from .ranking import Ranking
from .results import Confusion, Results
from .slices import SliceError, image_columns
from .tags import TagError, tag, untag
from .widget import SegExplorer

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
    "compare",
    "export",
    "image_columns",
    "load",
    "subset_dataset",
    "tag",
    "untag",
]
__version__ = "0.1.0"
