"""The committed front-end ranking fixture must be what the Python ranking says today."""

from __future__ import annotations

import make_js_fixtures  # tests/ is on sys.path (pytest's rootdir-less test modules)
import slice_fixture


def test_committed_fixture_matches_python_ranking() -> None:
    assert make_js_fixtures.FIXTURE.read_text() == make_js_fixtures.render(), (
        "js/tests/fixtures/ranking.json is stale: run `python tests/make_js_fixtures.py`"
    )


def test_committed_mask_fixture_matches_the_image_store_encoder() -> None:
    assert make_js_fixtures.MASKS.read_text() == make_js_fixtures.render_masks(), (
        "js/tests/fixtures/masks.json is stale: run `python tests/make_js_fixtures.py`"
    )


def test_committed_slice_fixture_matches_results_where() -> None:
    assert slice_fixture.PATH.read_text(encoding="utf-8") == slice_fixture.render(), (
        "js/tests/fixtures/slices.json is stale: run `python tests/make_js_fixtures.py`"
    )


def test_slice_fixture_covers_every_kind_of_condition() -> None:
    cases = slice_fixture.fixture()["cases"]
    sizes = [len(c["members"]) for c in cases]
    assert 0 in sizes and max(sizes) > 128  # empty slices, and pairwise sums split in halves
    names = {name for c in cases for name in c["slice"]}
    assert {"city", "night", "exposure", "cars", "tag:relabel", "image:height"} <= names
    assert any(name.startswith("pixels:") for name in names)
    assert any(c["summary"]["mean_loss"] is None and c["members"] for c in cases)  # inf loss


def test_fixture_covers_every_kind_of_selection() -> None:
    cases = make_js_fixtures.fixture()["cases"]
    kinds = {
        "none" if c["cell"] is None else "diag" if c["cell"][0] == c["cell"][1] else "off"
        for c in cases
    }
    assert kinds == {"none", "diag", "off"}
    assert any(c["loss_range"] for c in cases)
    assert any(not c["indices"] for c in cases)  # empty selections are exercised too
    assert any(len(c["indices"]) > 10 for c in cases)
