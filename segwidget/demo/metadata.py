"""Honest per-image metadata for the demo: the parameters each scene was drawn with.

The values come from the very draws that render the image (``dataset._render``), so a
slice such as ``shadow == True`` selects exactly the scenes that got a cast shadow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .dataset import _render

# Column -> what it measures, in the order ``scene_metadata`` returns them.
SCENE_PARAMETERS: dict[str, str] = {
    "sky": "'clear' (blue) or 'overcast' (grey)",
    "horizon": "horizon row as a fraction of the height (camera pitch and height)",
    "road_grey": "grey level of the road surface before lighting",
    "sidewalk_contrast": "sidewalk grey minus road grey (near 0: the two look alike)",
    "centre_line": "a dashed centre line is painted on the road",
    "paving": "the sidewalk shows paving joints",
    "kerb": "bright kerb stones line the road",
    "posters": "shop boards and posters in sign colours on the facades",
    "cars": "cars drawn (nearer objects may hide some)",
    "pedestrians": "pedestrians drawn, the one near the camera included",
    "trees": "trees drawn",
    "poles": "poles drawn, the foreground one and a sign board's pair of posts included",
    "signs": "signs drawn: on poles, on the foreground pole, a sign board",
    "near": "close-ups drawn: a pedestrian near the camera, a foreground pole, a sign board",
    "shadow": "a cast shadow darkens part of the street",
    "shadow_share": "share of the image's pixels in that shadow (0 without one)",
    "exposure": "overall brightness factor (below 1: darker)",
    "noise": "standard deviation of the sensor noise",
}


def scene_metadata(seed: int, split: int, n: int, size: tuple[int, int]) -> dict[str, NDArray[Any]]:
    """The ``SCENE_PARAMETERS`` of scenes ``0..n-1`` as 1-D columns (text, bool, int, float)."""
    scenes = [_render(seed, split, i, size)[2] for i in range(n)]
    return {name: np.array([scene[name] for scene in scenes]) for name in SCENE_PARAMETERS}
