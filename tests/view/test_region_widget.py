"""The explorer's ``region`` trait, the confident order and their state (segwidget/view/regions.py).

The arrays sent to the browser and the header's share are checked against loops over each
image's dense counts written here; the gallery (``shown_indices``) against ``Results.rank``
and, for one cell per rule, against the rule computed by hand.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest
import traitlets
from comm_helpers import assert_consistent, explorer_with_comm, small_comparison, update
from region_fixture import build_results

from segwidget import SegExplorer
from segwidget.results.core import Results


@pytest.fixture(scope="module")
def results() -> Results:
    return build_results()


@pytest.fixture
def ex(results: Results):
    explorer, comm = explorer_with_comm(results)
    yield explorer, comm
    assert_consistent(explorer)


def _dense(results: Results, region: str | None) -> np.ndarray:
    """(N, C, C): each image's counts of the region (boundary: the band; interior: all − band)."""
    return np.stack([results.image_confusion(i, region) for i in range(results.n_images)])


def _confident(results: Results) -> np.ndarray:
    assert results.confident_confusions is not None
    return np.stack([results.confident_confusions.image(i) for i in range(results.n_images)])


def _cell_major(dense: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """PROTOCOL.md's cell_ptr / cell_image / cell_count, by loops."""
    n, c, _ = dense.shape
    ptr, image, count = [0], [], []
    for t in range(c):
        for p in range(c):
            for i in range(n):
                if dense[i, t, p] > 0:
                    image.append(i)
                    count.append(int(dense[i, t, p]))
            ptr.append(len(image))
    return ptr, image, count


def _ints(data: bytes) -> list[int]:
    return np.frombuffer(data, "<i4").tolist()


def test_band_and_confident_arrays_are_the_counts_cell_major(ex, results: Results) -> None:
    explorer, _ = ex
    band = _dense(results, "boundary")
    whole = _dense(results, None)
    assert (band <= whole).all() and band.sum() < whole.sum()
    got = (_ints(explorer.band_ptr), _ints(explorer.band_image), _ints(explorer.band_count))
    assert got == _cell_major(band)
    conf = _confident(results)
    got = (_ints(explorer.conf_ptr), _ints(explorer.conf_image), _ints(explorer.conf_count))
    assert got == _cell_major(conf)


def test_summary_has_the_share_of_errors_in_the_band(ex, results: Results) -> None:
    explorer, _ = ex
    off = ~np.eye(results.n_classes, dtype=bool)
    band, whole = _dense(results, "boundary"), _dense(results, None)
    share = band[:, off].sum() / whole[:, off].sum()
    assert explorer.summary["boundary_error_share"] == share
    assert 0 < share < 1


def _share_rule(count: np.ndarray, total: np.ndarray) -> list[int]:
    """Images with count > 0 by share desc, count desc, index asc (PROTOCOL.md), sorting tuples."""
    keyed = [(-(count[i] / total[i]), -count[i], i) for i in range(count.size) if count[i] > 0]
    return [i for _, _, i in sorted(keyed)]


def test_region_ranks_the_gallery_by_the_region_counts(ex, results: Results) -> None:
    explorer, _ = ex
    explorer.region = "interior"
    explorer.selected_cell = (0, 1)
    interior = _dense(results, None) - _dense(results, "boundary")
    expected = _share_rule(interior[:, 0, 1], interior[:, 0, :].sum(axis=1))
    assert explorer.shown_indices.tolist() == expected
    assert expected != results.rank(0, 1).indices.tolist()  # the region changed the gallery
    for region in ("all", "interior", "boundary"):
        explorer.region = region
        for cell in [None, (2, 2), (1, 0), (0, 3)]:
            for order in ("share", "pixels"):
                explorer.order = order
                explorer.selected_cell = cell
                want = results.rank(
                    *(cell or (None, None)), by=order, region=None if region == "all" else region
                )
                np.testing.assert_array_equal(explorer.shown_indices, want.indices)


def test_confident_order_ranks_among_all_pixels_whatever_the_region(ex, results: Results) -> None:
    explorer, _ = ex
    explorer.order = "confident"
    conf, whole = _confident(results), _dense(results, None)
    # nothing selected: label suspicion, confident pixels / valid pixels
    suspicion = _share_rule(conf.sum(axis=(1, 2)), whole.sum(axis=(1, 2)))
    assert explorer.shown_indices.tolist() == suspicion
    explorer.selected_cell = (1, 0)
    expected = _share_rule(conf[:, 1, 0], whole[:, 1, :].sum(axis=1))
    assert explorer.shown_indices.tolist() == expected
    for region in ("interior", "boundary"):
        explorer.selected_cell = (1, 0)
        explorer.region = region  # the heatmap's: the confident gallery stays
        assert explorer.shown_indices.tolist() == expected
        for cell in [None, (2, 2), (3, 1)]:
            explorer.selected_cell = cell
            want = results.rank(*(cell or (None, None)), by="confident")
            np.testing.assert_array_equal(explorer.shown_indices, want.indices)


def test_the_browser_sets_region_and_confident_order_together(ex) -> None:
    explorer, comm = ex
    explorer._handle_msg(
        update({"order": "confident", "region": "boundary", "selected_cell": [2, 0]})
    )
    assert (explorer.order, explorer.region) == ("confident", "boundary")
    assert comm.resent_keys() == []
    explorer._handle_msg(update({"order": "share"}))  # the region applies again
    want = explorer.results.rank(2, 0, region="boundary")
    np.testing.assert_array_equal(explorer.shown_indices, want.indices)


def test_without_band_counts_a_region_is_refused(results: Results, caplog) -> None:
    caplog.set_level(logging.INFO)
    explorer, comm = explorer_with_comm(dataclasses.replace(results, boundary_confusions=None))
    refused = r"region 'interior' needs boundary-band.*boundary_width"
    with pytest.raises(traitlets.TraitError, match=refused):
        explorer.region = "interior"
    explorer._handle_msg(update({"region": "boundary"}))
    assert explorer.region == "all" and comm.resent_keys() == [["region"]]
    assert "TraitError: region 'boundary' needs boundary-band counts" in caplog.text
    assert explorer.band_ptr == b"" and explorer.summary["boundary_error_share"] is None
    explorer.order = "confident"  # confident counts are still there
    assert_consistent(explorer)


def test_without_confident_counts_the_confident_order_is_refused(results: Results) -> None:
    explorer, comm = explorer_with_comm(dataclasses.replace(results, confident_confusions=None))
    with pytest.raises(traitlets.TraitError, match=r"order 'confident'.*confidence="):
        explorer.order = "confident"
    explorer._handle_msg(update({"order": "confident"}))
    assert explorer.order == "share" and comm.resent_keys() == [["order"]]
    assert explorer.conf_ptr == b""
    explorer.region = "boundary"
    assert_consistent(explorer)


def test_a_comparison_offers_neither() -> None:
    explorer = SegExplorer(results=small_comparison())
    for name, value in (("region", "interior"), ("order", "confident")):
        with pytest.raises(traitlets.TraitError, match="a comparison shows none"):
            setattr(explorer, name, value)
    assert explorer.band_ptr == explorer.conf_ptr == b""
    assert explorer.summary["boundary_error_share"] is None
    assert_consistent(explorer)


def test_new_results_without_the_counts_reset_region_and_order(ex, results: Results) -> None:
    explorer, _ = ex
    explorer.region, explorer.order = "boundary", "confident"
    explorer.update(results=results)  # both still possible: kept
    assert (explorer.region, explorer.order) == ("boundary", "confident")
    bare = dataclasses.replace(results, boundary_confusions=None, confident_confusions=None)
    explorer.update(results=bare)
    assert (explorer.region, explorer.order) == ("all", "share")
    assert explorer.band_ptr == explorer.conf_count == b""
    assert_consistent(explorer)
    explorer.update(results=results)
    assert _ints(explorer.band_ptr) == _cell_major(_dense(results, "boundary"))[0]
