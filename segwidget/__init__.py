"""segwidget: where is my segmentation model wrong, and on which images?"""

from .adapters import InputError
from .analysis import AnalysisError, analyze
from .persist import load
from .ranking import Ranking
from .results import Confusion, Results
from .widget import SegExplorer

__all__ = [
    "AnalysisError",
    "Confusion",
    "InputError",
    "Ranking",
    "Results",
    "SegExplorer",
    "analyze",
    "load",
]
__version__ = "0.1.0"
