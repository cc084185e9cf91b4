"""The committed front-end ranking fixture must be what the Python ranking says today."""

from __future__ import annotations

import make_js_fixtures  # tests/ is on sys.path (pytest's rootdir-less test modules)


def test_committed_fixture_matches_python_ranking() -> None:
    assert make_js_fixtures.FIXTURE.read_text() == make_js_fixtures.render(), (
        "js/tests/fixtures/ranking.json is stale: run `python tests/make_js_fixtures.py`"
    )


def test_committed_mask_fixture_matches_the_image_store_encoder() -> None:
    assert make_js_fixtures.MASKS.read_text() == make_js_fixtures.render_masks(), (
        "js/tests/fixtures/masks.json is stale: run `python tests/make_js_fixtures.py`"
    )


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
