"""The notebook charts' colours: marks at 3:1 or more on JupyterLab's light and dark
backgrounds (WCAG 2.1 contrast), and the IoU change's two colours apart under protanopia and
deuteranopia (Machado, Oliveira & Fernandes 2009, severity 1.0, on linear RGB; CIE L*a*b*
ΔE*ab). The browser's colours are checked the same way in js/tests/data/a11y-colors.test.ts."""

from __future__ import annotations

import numpy as np
import pytest

from segwidget.view import charts, objects_chart

LAB_BACKGROUNDS = {"light": "#ffffff", "dark": "#111111"}  # --jp-layout-color0
PROTANOPIA = np.array(
    [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ]
)
DEUTERANOPIA = np.array(
    [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]]
)
MIN_DELTA_E = 30.0


def linear(hex_color: str) -> np.ndarray:
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def contrast(a: str, b: str) -> float:
    la, lb = (float(linear(c) @ [0.2126, 0.7152, 0.0722]) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def lab(rgb: np.ndarray) -> np.ndarray:
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ rgb
    )
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 216 / 24389, np.cbrt(t), (24389 / 27 * t + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen(matrix: np.ndarray, hex_color: str) -> np.ndarray:
    return lab(np.clip(matrix @ linear(hex_color), 0.0, 1.0))


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("mark", ["_ALL_COLOR", "_MATCH_COLOR", "_BETTER_COLOR", "_WORSE_COLOR"])
def test_marks_reach_3_to_1_on_both_lab_themes(theme: str, mark: str) -> None:
    ratio = contrast(getattr(charts, mark), LAB_BACKGROUNDS[theme])
    assert ratio >= 3.0, f"{mark} {getattr(charts, mark)} on {theme}: {ratio:.2f}:1"


@pytest.mark.parametrize(
    "vision", [np.eye(3), PROTANOPIA, DEUTERANOPIA], ids=["normal", "protan", "deutan"]
)
def test_iou_change_colours_stay_apart(vision: np.ndarray) -> None:
    apart = np.linalg.norm(seen(vision, charts._BETTER_COLOR) - seen(vision, charts._WORSE_COLOR))
    assert apart >= MIN_DELTA_E
    # the old green / red fall below the same bar for a deuteranope: the test can fail
    old = np.linalg.norm(seen(DEUTERANOPIA, "#1a7f37") - seen(DEUTERANOPIA, "#cf222e"))
    assert old < MIN_DELTA_E


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_objects_chart_size_colours_reach_3_to_1(theme: str) -> None:
    for color in objects_chart.SIZE_COLORS:
        ratio = contrast(color, LAB_BACKGROUNDS[theme])
        assert ratio >= 3.0, f"{color} on {theme}: {ratio:.2f}:1"


@pytest.mark.parametrize(
    "vision", [np.eye(3), PROTANOPIA, DEUTERANOPIA], ids=["normal", "protan", "deutan"]
)
def test_the_objects_chart_size_colours_stay_apart(vision: np.ndarray) -> None:
    colors = objects_chart.SIZE_COLORS
    for i, a in enumerate(colors):
        for b in colors[i + 1 :]:
            assert np.linalg.norm(seen(vision, a) - seen(vision, b)) >= MIN_DELTA_E, (a, b)


def test_the_browser_objects_chart_uses_the_same_colours() -> None:
    from pathlib import Path

    source = Path(__file__).parents[2] / "js" / "src" / "report" / "objects-chart.ts"
    quoted = ", ".join(f'"{c}"' for c in objects_chart.SIZE_COLORS)
    assert f"SIZE_COLORS = [{quoted}] as const" in source.read_text(encoding="utf-8")
