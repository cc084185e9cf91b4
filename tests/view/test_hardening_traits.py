"""Issue 22 on the explorer: traits that took what they should not, a slice on a tag that only
arrives with it, a browser slice bounded by what it can select, ``save_html`` numbers."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import traitlets
from comm_helpers import CITIES, assert_consistent, explorer_with_comm, small_results, update

BIG = "x" * 10_000_000


@pytest.fixture
def ex(caplog: pytest.LogCaptureFixture):
    explorer, comm = explorer_with_comm(small_results())
    comm.sent.clear()
    caplog.set_level(logging.INFO)
    yield explorer, comm
    for record in caplog.records:
        assert len(record.getMessage()) < 1_000, record.getMessage()[:200]
    assert_consistent(explorer)


def test_zoom_refuses_true_from_python_and_the_browser(ex, caplog) -> None:
    explorer, comm = ex
    explorer.zoom = 2
    with pytest.raises(traitlets.TraitError, match="zoom must be 1, 2, 4 or 8; got True"):
        explorer.zoom = True
    explorer._handle_msg(update({"zoom": True}))
    assert explorer.zoom == 2 and type(explorer.zoom) is int
    assert comm.resent_keys()[-1] == ["zoom"]
    explorer.zoom = 8
    assert explorer.zoom == 8


def test_a_huge_class_index_is_a_trait_error(ex) -> None:
    explorer, _ = ex
    with pytest.raises(traitlets.TraitError, match=r"class index <int of 16610 bits> out of range"):
        explorer.visible_classes = [10**5000]
    with pytest.raises(traitlets.TraitError, match=r"list of classes; got <int of 16610 bits>"):
        explorer.visible_classes = 10**5000
    assert explorer.visible_classes == []


def test_one_update_with_a_new_tag_and_a_slice_on_it_is_applied_whole(ex) -> None:
    explorer, comm = ex
    explorer._handle_msg(update({"slice": {"tag:fix": [True]}, "tags": {"fix": [1, 4]}}))
    assert explorer.tags == {"fix": [1, 4]} and explorer.slice == {"tag:fix": [True]}
    assert sorted(explorer.shown_indices.tolist()) == [1, 4]
    assert comm.resent_keys() == []
    explorer.slice = {"tag:nobody": [True]}  # a tag no image has: none has it, as in JS
    assert explorer.shown_indices.size == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"city": [BIG]}, "a value of 10000000 characters"),
        ({"city": [*sorted(set(CITIES)), "x", "y"]}, "5 values given, but it has only 3 distinct"),
        ({"night": [True, False, True]}, "3 values given, but it has only 2 distinct"),
    ],
    ids=["10 MB value", "more values than the column has", "three booleans"],
)
def test_a_browser_slice_is_bounded_by_what_it_can_select(ex, value, message, caplog) -> None:
    explorer, comm = ex
    explorer.slice = {"city": ["ulm"]}
    comm.sent.clear()
    with pytest.raises(traitlets.TraitError, match=message):
        explorer.slice = value
    explorer._handle_msg(update({"slice": value}))
    assert explorer.slice == {"city": ["ulm"]}
    assert comm.resent_keys()[-1] == ["slice"]
    sent = [data for data, _ in comm.sent]
    assert all(len(repr(d)) < 10_000 for d in sent)  # the 10 MB value is not echoed back


@pytest.mark.parametrize("option", ["max_images", "thumb_side", "max_mb"])
def test_save_html_refuses_booleans_where_numbers_are_meant(ex, option, tmp_path: Path) -> None:
    explorer, _ = ex
    with pytest.raises(ValueError, match=f"^{option} must be None or an? (int|number)"):
        explorer.save_html(tmp_path / "r.html", **{option: True})
    assert not (tmp_path / "r.html").exists()


def test_python_where_still_takes_any_value(ex) -> None:
    """The bound is the browser's: ``where`` with a value no image has gives no image."""
    explorer, _ = ex
    assert explorer.results.where(city="x" * 50).n_images == 0
    assert np.array_equal(explorer.results.where(city=CITIES * 2).dataset_index(), np.arange(16))
