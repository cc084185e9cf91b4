"""Hostile browser messages, one named case each, through the path ipywidgets takes
(``widget._handle_msg`` with comm messages): nothing raises into the kernel, a bad value is
refused and re-sent, the kernel's own traits stay the kernel's, logs stay short."""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import numpy as np
import pytest
import traitlets
from comm_helpers import (
    CLASSES,
    assert_consistent,
    comm_msg,
    explorer_with_comm,
    small_results,
    update,
)

from segwidget.results.core import Results

BIG = "x" * 10_000_000  # 10 MB of text
LOG_LIMIT = 1_000  # characters of one log message, whatever was sent


@pytest.fixture(scope="module")
def results() -> Results:
    return small_results()


@pytest.fixture
def ex(results: Results, caplog: pytest.LogCaptureFixture):
    explorer, comm = explorer_with_comm(results)
    explorer.selected_cell = (0, 1)
    comm.sent.clear()
    caplog.set_level(logging.INFO)
    yield explorer, comm
    for record in caplog.records:  # every case: whatever arrived, the logs stay short
        assert len(record.getMessage()) < LOG_LIMIT, record.getMessage()[:200]
    assert_consistent(explorer)


def _kernel_traits_in_protocol() -> list[str]:
    """The traits PROTOCOL.md lists as Python -> JS, read-only for the browser."""
    text = (Path(__file__).parents[2] / "PROTOCOL.md").read_text()
    block = text[text.index("Python -> JS") : text.index("Both ways")]
    return re.findall(r"^- (\w+):", block, flags=re.M)


KERNEL_TRAITS = _kernel_traits_in_protocol()


def test_protocol_lists_the_kernel_traits() -> None:
    expected = {"classes", "colors", "summary", "pooled", "mean_cm", "losses", "cell_ptr"}
    assert expected <= set(KERNEL_TRAITS), KERNEL_TRAITS


# -- validators: TraitError only, from Python and from the browser ---------------------------

BAD_LOSS_RANGES = {
    "huge int": [0, 10**400],
    "both huge": [10**400, 10**401],
    "nan": [math.nan, 1.0],
    "inf": [0.0, math.inf],
    "-inf": [-math.inf, 0.0],
    "reversed": [2.0, 1.0],
    "strings": ["0", "1"],
    "one bound": [0.5],
    "three bounds": [0, 1, 2],
    "text": "ab",
    "object": {"lo": 0, "hi": 1},
    "bools": [False, True],
    "nested": [[0], [1]],
    "10 MB": [BIG, 1],
}


@pytest.mark.parametrize("value", BAD_LOSS_RANGES.values(), ids=BAD_LOSS_RANGES.keys())
def test_bad_loss_range_from_python_is_a_trait_error(ex, value: object) -> None:
    explorer, _ = ex
    with pytest.raises(traitlets.TraitError, match="loss_range"):
        explorer.loss_range = value
    assert explorer.loss_range is None


@pytest.mark.parametrize("value", BAD_LOSS_RANGES.values(), ids=BAD_LOSS_RANGES.keys())
def test_bad_loss_range_from_the_browser_is_reverted(ex, value: object, caplog) -> None:
    explorer, comm = ex
    explorer.loss_range = (0.0, 50.0)
    comm.sent.clear()
    explorer._handle_msg(update({"loss_range": value}))
    assert explorer.loss_range == [0.0, 50.0]
    assert comm.resent_keys()[-1] == ["loss_range"]  # the browser is told the kept value
    assert "ignored a bad state update from the browser: TraitError: loss_range" in caplog.text
    explorer.loss_range = (0.0, 1.0)  # later assignments work
    assert explorer.loss_range == [0.0, 1.0]


def test_loss_range_accepts_numbers_of_any_kind(ex) -> None:
    explorer, _ = ex
    explorer.loss_range = (np.float32(0.25), 3)
    assert explorer.loss_range == [0.25, 3.0] and all(type(v) is float for v in explorer.loss_range)
    explorer.loss_range = np.array([1.0, 1.0])  # one loss exactly: inclusive both ends
    assert explorer.loss_range == [1.0, 1.0]
    explorer.loss_range = None


BAD_CELLS = {
    "huge index": [10**400, 0],
    "over 4300 digits": [0, 10**5000],  # int-to-text conversion itself raises ValueError
    "float": [0.5, 1],
    "null": [None, 1],
    "nested": [[0], 1],
    "object": {"t": 0},
    "unknown name": ["road", "lake"],
    "10 MB name": BIG,
}


@pytest.mark.parametrize("value", BAD_CELLS.values(), ids=BAD_CELLS.keys())
def test_bad_selected_cell_is_a_trait_error_and_reverted(ex, value: object, caplog) -> None:
    explorer, comm = ex
    with pytest.raises(traitlets.TraitError, match="selected_cell"):
        explorer.selected_cell = value
    if not (isinstance(value, list) and any(isinstance(v, int) and v > 10**4000 for v in value)):
        explorer._handle_msg(update({"selected_cell": value}))  # JSON cannot carry the other
        assert comm.resent_keys()[-1] == ["selected_cell"]
    assert explorer.selected_cell == [0, 1]


@pytest.mark.parametrize("value", [10**400, -1, 16, 1.0, True, "3", [3]])
def test_bad_selected_image_is_reverted(ex, value: object) -> None:
    explorer, comm = ex
    explorer._handle_msg(update({"selected_image": value}))
    assert explorer.selected_image is None
    assert comm.resent_keys() == [["selected_image"]]


def test_one_bad_key_reverts_the_whole_update(ex) -> None:
    explorer, comm = ex
    explorer._handle_msg(update({"selected_cell": [2, 3], "loss_range": [1.0, 0.0]}))
    assert explorer.selected_cell == [0, 1] and explorer.loss_range is None
    assert comm.resent_keys()[-1] == ["loss_range", "selected_cell"]


# -- the kernel's traits stay the kernel's -----------------------------------------------------

FRAMEWORK_TRAITS = ["_esm", "_css", "_model_name", "_view_module", "layout", "tabbable"]


@pytest.mark.parametrize("name", KERNEL_TRAITS + FRAMEWORK_TRAITS)
def test_browser_cannot_overwrite_a_kernel_trait(ex, name: str, caplog) -> None:
    explorer, comm = ex
    before = getattr(explorer, name)
    value = ["bogus"] if isinstance(before, list) else "bogus"
    explorer._handle_msg(update({name: value, "selected_cell": [2, 3]}))
    assert getattr(explorer, name) == before
    assert explorer.classes == explorer.results.classes
    assert explorer.selected_cell == [2, 3]  # the rest of the update still applies
    assert [name] in comm.resent_keys()  # the browser gets the kernel's value back
    assert f"ignored a browser update to {name}, which only the kernel sets" in caplog.text


def test_kernel_trait_sent_as_a_binary_buffer_is_refused(ex) -> None:
    explorer, comm = ex
    before = explorer.pooled
    msg = update({}, buffer_paths=[["pooled"]])
    msg["buffers"] = [memoryview(np.zeros(16).tobytes())]
    explorer._handle_msg(msg)
    assert explorer.pooled == before and comm.resent_keys() == [["pooled"]]


BOTH_WAYS = {
    "selected_cell": ([2, 1], [2, 1]),
    "selected_image": (5, 5),
    "order": ("pixels", "pixels"),
    "normalize": ("pred", "pred"),
    "log_scale": (True, True),
    "hide_diagonal": (True, True),
    "overlay": ("truth", "truth"),
    "loss_range": ([0, 100], [0.0, 100.0]),
    "visible_classes": ([3, 0, 1], [3, 0, 1]),
    "zoom": (4, 4),
    "auto_focus": (False, False),
    "slice": (
        {"city": ["bonn"], "exposure": [0.5, None]},
        {"city": ["bonn"], "exposure": [0.5, None]},
    ),
    "tags": ({"<b>x</b>": [1, 3]}, {"<b>x</b>": [1, 3]}),
    "picked_images": ([2, 5], [2, 5]),
    "model": ("B", "B"),  # a comparison's (kept, and inert, on one model: see test_widget_compare)
    "direction": ("better", "better"),
    "region": ("interior", "interior"),
}


@pytest.mark.parametrize("name", BOTH_WAYS)
def test_browser_still_sets_its_own_traits(ex, name: str) -> None:
    explorer, comm = ex
    value, expected = BOTH_WAYS[name]
    # the browser clears auto_focus whenever it sets visible_classes, in the same update
    extra = {"auto_focus": False} if name == "visible_classes" else {}
    explorer._handle_msg(update({name: value, **extra}))
    assert getattr(explorer, name) == expected
    assert comm.resent_keys() == []  # nothing to correct


@pytest.mark.parametrize("overlay", ["prediction-b", "difference"])
def test_comparison_overlay_is_refused_on_one_model(ex, overlay: str, caplog) -> None:
    explorer, comm = ex
    with pytest.raises(traitlets.TraitError, match="needs a comparison"):
        explorer.overlay = overlay
    explorer._handle_msg(update({"overlay": overlay}))
    assert explorer.overlay == "prediction" and comm.resent_keys() == [["overlay"]]
    assert "needs a comparison of two models" in caplog.text


# -- messages that are not updates at all ------------------------------------------------------

NOT_AN_OBJECT = {"null": None, "number": 5, "float": 1.5, "text": "x", "list": [1, 2], "bool": True}


@pytest.mark.parametrize("state", NOT_AN_OBJECT.values(), ids=NOT_AN_OBJECT.keys())
def test_update_whose_state_is_not_an_object(ex, state: object, caplog) -> None:
    explorer, comm = ex
    explorer._handle_msg(update(state))
    assert comm.sent == []
    assert "ignored a browser state update that is not an object" in caplog.text


MALFORMED = {
    "not a dict": "garbage",
    "none": None,
    "no content": {"buffers": []},
    "content not a dict": {"content": 5, "buffers": []},
    "data not a dict": {"content": {"data": [1]}, "buffers": []},
    "no method": comm_msg({"state": {"order": "pixels"}}),
    "method a number": comm_msg({"method": 7}),
    "unknown method": comm_msg({"method": "delete"}),
    "echo_update is the kernel's": comm_msg({"method": "echo_update", "state": {}}),
    "10 MB method": comm_msg({"method": BIG}),
    "no buffers": {"content": {"data": {"method": "custom", "content": {}}}},
    "buffers not bytes": comm_msg({"method": "custom", "content": {}}, buffers=[5]),
    "buffer_paths not a list": update({"order": "pixels"}, buffer_paths="order"),
    "more paths than buffers": update({"order": "pixels"}, buffer_paths=[["order"]]),
}


@pytest.mark.parametrize("msg", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_comm_message_is_dropped(ex, msg: object, caplog) -> None:
    explorer, comm = ex
    explorer._handle_msg(msg)
    assert comm.sent == [] and explorer.order == "share"
    assert "ignored a malformed browser message" in caplog.text or "ignored a browser state" in (
        caplog.text
    )


@pytest.mark.parametrize(
    "path", [["selected_cell", 5], ["order", "x"], [], [0], ["summary", "n_images", "x"], "order"]
)
def test_buffer_path_that_leads_nowhere(ex, path: object, caplog) -> None:
    explorer, _ = ex
    msg = update({"order": "pixels", "selected_cell": [1, 1]}, buffer_paths=[path])
    msg["buffers"] = [b"\x00" * 8]
    explorer._handle_msg(msg)
    assert explorer.order == "share" and explorer.selected_cell == [0, 1]
    assert "ignored a browser state update: buffer path" in caplog.text


def test_buffer_into_a_nested_list_reaches_the_validator(ex) -> None:
    explorer, comm = ex
    msg = update({"selected_cell": [0, None]}, buffer_paths=[["selected_cell", 1]])
    msg["buffers"] = [memoryview(b"\x01")]
    explorer._handle_msg(msg)  # a class cannot be bytes
    assert explorer.selected_cell == [0, 1] and comm.resent_keys() == [["selected_cell"]]


def test_state_request_is_answered(ex) -> None:
    explorer, comm = ex
    explorer._handle_msg(comm_msg({"method": "request_state"}))
    ((data, buffers),) = comm.sent
    assert data["state"]["classes"] == CLASSES
    assert len(buffers) == len(data["buffer_paths"]) >= 6  # the binary arrays


# -- 10 MB of text: logged in part, with its size ----------------------------------------------

HUGE = {  # where 10 MB of text goes, and what the log says
    "order": (update({"order": BIG}), "TraitError: The 'order' trait"),
    "selected_cell": (update({"selected_cell": [BIG, 0]}), "(10000000 characters)"),
    "unknown key": (update({BIG: 1}), None),  # ignored, as ipywidgets does
    "thumbs request": (
        comm_msg({"method": "custom", "content": {"kind": "thumbs", "indices": [BIG]}}),
        "ignored a malformed browser message",
    ),
    "request kind": (
        comm_msg({"method": "custom", "content": {"kind": BIG, "request": 1}}),
        "(10000000 characters)",
    ),
}


@pytest.mark.parametrize(("msg", "logged"), HUGE.values(), ids=HUGE.keys())
def test_ten_megabytes_of_text_is_logged_in_part(ex, msg: object, logged, caplog) -> None:
    explorer, comm = ex
    explorer._handle_msg(msg)
    assert comm.custom() == []
    # the ex fixture holds every log message under LOG_LIMIT characters
    if logged is None:
        assert caplog.records == []
    else:
        assert logged in caplog.text


def test_valid_requests_still_answered(ex) -> None:
    explorer, comm = ex
    explorer._handle_msg(
        comm_msg({"method": "custom", "content": {"kind": "thumbs", "request": 3, "indices": [2]}})
    )
    ((content, buffers),) = comm.custom()
    assert content["request"] == 3 and [i["index"] for i in content["items"]] == [2]
    assert bytes(buffers[0]) == explorer.results.images.view(2, thumbnail=True).image_jpeg


# -- the bqplot charts' observers ---------------------------------------------------------------


@pytest.mark.parametrize("picked", [[99], [-1], ["a"], [1.5], [np.nan]], ids=str)
def test_bad_bar_selection_is_ignored(ex, picked: list, caplog) -> None:
    explorer, _ = ex
    charts = explorer.charts
    charts.iou_bars.selected = picked
    assert explorer.selected_cell == [0, 1]
    assert charts.iou_bars.selected is None  # bqplot's own selection is reset either way
    assert "ignored a bar selection" in caplog.text
    charts.sort.value = "class"
    charts.iou_bars.selected = [len(CLASSES) - 1]  # the last bar is still reachable, by its index
    assert explorer.selected_cell == [len(CLASSES) - 1] * 2


@pytest.mark.parametrize(
    "brushed", [["a", "b"], [np.nan, 1.0], [0.0, np.inf], [0.0, 1.0, 2.0]], ids=str
)
def test_bad_brush_is_ignored(ex, brushed: list, caplog) -> None:
    explorer, _ = ex
    charts = explorer.charts
    charts.brush.selected = np.array([0.0, 50.0])
    charts.brush.selected = np.array(brushed)
    assert explorer.loss_range == [0.0, 50.0]
    assert list(charts.brush.selected) == [0.0, 50.0]  # the brush shows the filter kept
    assert "ignored a loss brush" in caplog.text
