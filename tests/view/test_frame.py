"""The explorer's frame: its height trait and the panels listed in its panel area."""

from __future__ import annotations

import bqplot as bq
import ipywidgets as widgets
import pytest
import torch
import traitlets

from segwidget import SegExplorer
from segwidget.view.frame import DEFAULT_HEIGHT, MIN_HEIGHT

CLASSES = ["sky", "road", "car"]


def _explorer(**kwargs: object) -> SegExplorer:
    g = torch.Generator().manual_seed(0)
    batches = [(torch.rand(2, 3, 8, 10, generator=g), torch.randint(0, 3, (2, 8, 10), generator=g))]
    torch.manual_seed(0)
    return SegExplorer(torch.nn.Conv2d(3, 3, 1), batches, CLASSES, progress=False, **kwargs)


def test_height_defaults_to_a_900px_window_and_is_checked() -> None:
    assert _explorer().height == DEFAULT_HEIGHT
    explorer = _explorer(height=500)
    assert explorer.height == 500
    with pytest.raises(traitlets.TraitError, match=f"at least {MIN_HEIGHT}"):
        explorer.height = MIN_HEIGHT - 1
    assert explorer.height == 500


def test_displaying_lists_the_bqplot_charts_as_panels() -> None:
    explorer = _explorer()
    assert explorer.panels == []  # bqplot is imported when shown, not before
    explorer._repr_mimebundle_()
    # the pass keeps calibration counts and objects by default: their charts follow
    assert [p["id"] for p in explorer.panels] == ["iou", "loss", "calibration", "objects"]
    assert explorer.panels[1]["widget"] is explorer.charts.loss_figure
    assert explorer.charts.iou_figure in explorer.panels[0]["widget"].children[1].children


def test_panels_serialise_their_widget_as_a_model_reference() -> None:
    explorer = _explorer()
    figure = bq.Figure()
    explorer.add_panel("reliability", "reliability", figure, title="calibration")
    state = explorer.get_state("panels")["panels"]
    assert state == [
        {"id": "reliability", "label": "reliability", "title": "calibration",
         "widget": f"IPY_MODEL_{figure.model_id}"}
    ]  # fmt: skip


def test_add_panel_replaces_in_place_and_remove_panel_takes_out() -> None:
    explorer = _explorer()
    a, b, c = widgets.HTML("a"), widgets.HTML("b"), widgets.HTML("c")
    explorer.add_panel("first", "one", a)
    explorer.add_panel("second", "two", b)
    explorer.add_panel("first", "uno", c)
    assert [(p["id"], p["label"], p["widget"]) for p in explorer.panels] == [
        ("first", "uno", c),
        ("second", "two", b),
    ]
    explorer.remove_panel("first")
    assert [p["id"] for p in explorer.panels] == ["second"]
    with pytest.raises(KeyError, match="no listed panel 'first'"):
        explorer.remove_panel("first")


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (("Bad Id", "x"), ValueError, "panel id must be"),
        (("ok", ""), ValueError, "label must be a non-empty string"),
        (("ok", "x", "not a widget"), TypeError, "must be an ipywidgets DOMWidget"),
    ],
)
def test_add_panel_refuses_bad_input_by_name(args: tuple, error: type, match: str) -> None:
    explorer = _explorer()
    full = (*args, widgets.HTML("w")) if len(args) == 2 else args
    with pytest.raises(error, match=match):
        explorer.add_panel(*full)
    assert explorer.panels == []


def test_the_browser_cannot_set_the_frame_or_the_panels() -> None:
    explorer = _explorer()
    explorer.add_panel("a", "a", widgets.HTML("a"))
    before = list(explorer.panels)
    explorer.set_state({"panels": [], "height": 400})
    assert explorer.panels == before
    assert explorer.height == DEFAULT_HEIGHT
