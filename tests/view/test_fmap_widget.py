"""The failure map's traits in ``SegExplorer`` (issue 20), driven as the browser does: the map's
arrays filled when the panel is first shown (in the background: test_fmap_background.py),
``map_selection`` and ``similar_to`` from the browser ranking the gallery (``shown_indices``)
like ``Results.rank`` restricted to the selection and like ``Results.similar``, composing with
a slice; hostile values refused."""

from __future__ import annotations

import numpy as np
import pytest
from comm_helpers import (
    assert_consistent,
    explorer_with_comm,
    small_comparison,
    small_results,
    update,
)

from segwidget.results.fmap import restrict


def test_the_map_arrives_when_the_panel_is_shown() -> None:
    explorer, _ = explorer_with_comm(small_results())
    r = explorer.results
    assert explorer.map_xy == b""  # not computed until the browser asks
    explorer._handle_msg(update({"map_shown": True}))
    assert explorer._map_worker.join(120)  # computed on a background thread
    assert explorer.map_kind == "errors" and explorer.map_k == 20 and explorer.map_status == "ready"
    xy = np.frombuffer(explorer.map_xy, "<f4").reshape(-1, 2)
    np.testing.assert_array_equal(xy, r.map())
    idx = np.frombuffer(explorer.map_neighbors, "<i4").reshape(r.n_images, 20)
    for i in range(r.n_images):
        want = r.similar(i).indices
        assert idx[i, : want.size].tolist() == want.tolist() and (idx[i, want.size :] == -1).all()


def test_map_selection_and_similar_to_rank_the_gallery() -> None:
    explorer, _ = explorer_with_comm(small_results())
    r = explorer.results
    explorer._handle_msg(update({"map_selection": [9, 2, 4, 11]}))
    assert explorer.map_selection == [2, 4, 9, 11]
    want = restrict(r.rank(), np.array([2, 4, 9, 11]))
    assert explorer.shown_indices.tolist() == want.indices.tolist()
    explorer._handle_msg(update({"slice": {"night": [True]}}))  # composes with a slice
    night = np.flatnonzero(r.metadata["night"])
    both = restrict(r.rank(), np.intersect1d(night, [2, 4, 9, 11]))
    assert explorer.shown_indices.tolist() == both.indices.tolist()
    explorer._handle_msg(update({"slice": {}, "map_selection": [], "similar_to": 3}))
    assert explorer.shown_indices.tolist() == r.similar(3).indices.tolist()
    explorer._handle_msg(update({"similar_to": None}))  # back to the ranking the cell gives
    assert_consistent(explorer)


def test_a_comparison_gallery_follows_the_map_selection_and_more_like_this() -> None:
    explorer, _ = explorer_with_comm(small_comparison())
    comparison = explorer.comparison
    picked = [1, 5, 8, 12]
    explorer._handle_msg(update({"map_selection": picked}))
    want = [i for i in comparison.rank(direction="worse").indices.tolist() if i in picked]
    assert explorer.shown_indices.tolist() == want
    # "more like this" ranks a comparison's gallery as one model's: the map's (A's) embedding
    explorer._handle_msg(update({"map_selection": [], "similar_to": 3}))
    near = comparison.a.similar(3)
    assert near.indices.size > 0 and explorer.shown_indices.tolist() == near.indices.tolist()
    explorer._handle_msg(update({"map_selection": picked}))  # then restricted to the selection
    assert explorer.shown_indices.tolist() == [i for i in near.indices.tolist() if i in picked]
    explorer._handle_msg(update({"similar_to": None, "map_selection": []}))
    assert explorer.shown_indices.tolist() == comparison.rank(direction="worse").indices.tolist()


HOSTILE = [
    {"map_selection": [1, 1]},
    {"map_selection": [99]},
    {"map_selection": "x"},
    {"map_selection": [True]},
    {"similar_to": -1},
    {"similar_to": 16},
    {"similar_to": "3"},
    {"map_xy": [1, 2]},
    {"map_status": "ready"},
    {"map_status": "failed", "map_error": "<b>x</b>"},
]


@pytest.mark.parametrize("state", HOSTILE)
def test_hostile_values_are_refused_and_the_gallery_stays(state: dict) -> None:
    explorer, _ = explorer_with_comm(small_results())
    before = explorer.shown_indices.tolist()
    explorer._handle_msg(update(state))
    assert explorer.map_selection == [] and explorer.similar_to is None
    assert explorer.map_xy == b"" and explorer.shown_indices.tolist() == before
    assert explorer.map_status == "" and explorer.map_error == ""  # the kernel's to say
