"""The bqplot charts linked to the explorer: bars select classes, the brush filters by loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from segwidget import SegExplorer
from segwidget.results import metrics
from segwidget.view.charts import loss_bins

CLASSES = ["sky", "road", "sidewalk", "car", "never-seen"]


def _batches(seed: int) -> list:
    g = torch.Generator().manual_seed(seed)
    return [
        (torch.rand(4, 3, 16, 20, generator=g), torch.randint(0, 4, (4, 16, 20), generator=g))
        for _ in range(5)
    ]


def _model(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = torch.nn.Conv2d(3, len(CLASSES), 3, padding=1)
    with torch.no_grad():
        model.bias[-1] = -50.0  # class 4: never predicted, never true → absent
    return model


@pytest.fixture
def explorer() -> SegExplorer:
    return SegExplorer(_model(0), _batches(0), CLASSES, progress=False)


def test_bars_show_iou_worst_first_and_absent_classes_as_absent(explorer: SegExplorer) -> None:
    bars = explorer.charts.iou_bars
    iou = metrics.iou(explorer.confusion())
    assert np.isnan(iou[4])
    assert list(bars.x[-1:]) == ["never-seen (absent)"]
    np.testing.assert_allclose(bars.y[:-1], np.sort(iou[:4]))
    explorer.charts.sort.value = "class"
    assert list(bars.x) == [*CLASSES[:4], "never-seen (absent)"]
    assert list(bars.colors) == explorer.colors


def test_clicking_a_bar_selects_the_class(explorer: SegExplorer) -> None:
    charts = explorer.charts
    charts.sort.value = "class"
    charts.iou_bars.selected = [2]  # what bqplot sets on a click
    assert explorer.selected_cell == [2, 2]
    np.testing.assert_array_equal(explorer.shown_indices, explorer.rank(2, 2).indices)
    assert charts.iou_bars.opacities[2] == 1.0
    assert all(o < 1.0 for i, o in enumerate(charts.iou_bars.opacities) if i != 2)
    charts.iou_bars.selected = [2]  # the same bar again clears
    assert explorer.selected_cell is None
    assert list(charts.iou_bars.opacities) == [1.0] * len(CLASSES)


def test_heatmap_selection_highlights_bars_and_matching_histogram(explorer: SegExplorer) -> None:
    charts = explorer.charts
    charts.sort.value = "class"
    explorer.selected_cell = ("road", "car")
    assert [i for i, o in enumerate(charts.iou_bars.opacities) if o == 1.0] == [1, 3]
    matching = explorer.rank("road", "car").indices
    assert charts.match_bars.y.sum() == matching.size
    expected, _ = np.histogram(
        explorer.results.losses[matching], bins=loss_bins(explorer.results.losses)
    )
    np.testing.assert_array_equal(charts.match_bars.y, expected)
    assert charts.loss_bars.y.sum() == explorer.results.n_images


def test_a_slice_shows_its_own_iou_and_its_images_on_the_histogram() -> None:
    batches = _batches(0)
    sunny = np.arange(20) % 3 != 0
    explorer = SegExplorer(_model(0), batches, CLASSES, progress=False, metadata={"sunny": sunny})
    charts = explorer.charts
    charts.sort.value = "class"
    explorer.slice = {"sunny": False}
    # the slice's IoU from its images' own pass: a brute-force pooled matrix
    pooled = sum(explorer.results.image_confusion(i) for i in np.flatnonzero(~sunny))
    np.testing.assert_allclose(charts.iou_bars.y[:4], metrics.iou(pooled)[:4])
    edges = loss_bins(explorer.results.losses)
    expected, _ = np.histogram(explorer.results.losses[~sunny], bins=edges)
    np.testing.assert_array_equal(charts.match_bars.y, expected)
    explorer.selected_cell = ("road", "car")  # the cell's images within the slice
    inside = [i for i in explorer.rank("road", "car").indices if not sunny[i]]
    expected, _ = np.histogram(explorer.results.losses[inside], bins=edges)
    np.testing.assert_array_equal(charts.match_bars.y, expected)
    explorer.slice = {}
    np.testing.assert_allclose(charts.iou_bars.y[:4], metrics.iou(explorer.confusion())[:4])


def test_brush_filters_by_loss_inclusive_and_intersects_the_cell(explorer: SegExplorer) -> None:
    charts = explorer.charts
    losses = explorer.results.losses
    explorer.selected_cell = (1, 0)
    cell_images = explorer.rank(1, 0).indices
    lo, hi = np.sort(losses[cell_images])[[1, -2]]  # bounds equal to real losses: kept
    charts.brush.brushing = True
    charts.brush.selected = np.array([hi, lo])  # dragged right to left
    assert explorer.loss_range is None  # nothing happens while dragging
    charts.brush.brushing = False
    assert explorer.loss_range == [lo, hi]
    shown = explorer.shown_indices
    expected = [i for i in cell_images if lo <= losses[i] <= hi]
    assert shown.tolist() == expected and len(expected) == cell_images.size - 2
    charts.brush.selected = None  # brush cleared
    assert explorer.loss_range is None
    np.testing.assert_array_equal(explorer.shown_indices, cell_images)


def test_loss_range_cleared_from_python_clears_the_brush(explorer: SegExplorer) -> None:
    charts = explorer.charts
    charts.brush.selected = np.array([0.0, 10.0])
    assert explorer.loss_range == [0.0, 10.0]
    explorer.loss_range = None
    assert charts.brush.selected is None


def test_replacing_results_rebuilds_both_charts(explorer: SegExplorer) -> None:
    charts = explorer.charts
    before = (list(charts.iou_bars.y), list(charts.loss_bars.x))
    charts.brush.selected = np.array([0.0, 10.0])
    new = explorer.update(_model(1), _batches(1), progress=False)
    assert explorer.loss_range is None and charts.brush.selected is None
    np.testing.assert_allclose(
        sorted(charts.iou_bars.y[:-1]), np.sort(metrics.iou(new.confusion())[:4])
    )
    assert (list(charts.iou_bars.y), list(charts.loss_bars.x)) != before
    np.testing.assert_array_equal(charts.loss_bars.x[[0, -1]] > 0, [True, True])
    assert charts.loss_bars.y.sum() == new.n_images


def test_display_is_the_explorer_with_the_charts_in_its_panel_area(explorer: SegExplorer) -> None:
    bundle = explorer._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.model_id
    panels = {p["id"]: p["widget"] for p in explorer.panels}
    assert explorer.charts.iou_scroll in panels["iou"].children
    assert explorer.charts.iou_scroll.children == (explorer.charts.iou_figure,)
    assert panels["loss"] is explorer.charts.loss_figure
    assert explorer.view.children == (explorer,)


def test_many_classes_draw_the_worst_n_bars_each_labelled() -> None:
    classes = [f"class {c}" for c in range(150)]
    model = torch.nn.Conv2d(3, 150, 1)
    y = torch.arange(150).repeat_interleave(4).view(1, 24, 25).expand(2, -1, -1)
    explorer = SegExplorer(model, [(torch.rand(2, 3, 24, 25), y)], classes, progress=False)
    charts = explorer.charts
    axis = charts.iou_figure.axes[0]
    iou = metrics.iou(explorer.results.confusion())
    worst = np.lexsort((np.arange(150), np.nan_to_num(iou, nan=np.inf)))
    assert charts.count.value == 25
    assert list(charts.iou_bars.x) == [classes[c] for c in worst[:25]]
    assert list(axis.tick_values) == list(charts.iou_bars.x)  # every drawn bar labelled
    charts.sort.value = "best"
    best = np.lexsort((np.arange(150), np.nan_to_num(-iou, nan=np.inf)))
    assert list(charts.iou_bars.x) == [classes[c] for c in best[:25]]
    charts.count.value = 150  # all: a taller chart in a scrolling box, still every label
    assert len(charts.iou_bars.x) == 150 == len(axis.tick_values)
    assert int(charts.iou_figure.layout.height.removesuffix("px")) >= 150 * 18
    assert charts.iou_scroll.layout.overflow == "auto"
