"""The committed front-end ranking fixture must be what the Python ranking says today."""

from __future__ import annotations

import calibration_fixture
import fmap_fixture
import make_js_fixtures  # tests/ is on sys.path (pytest's rootdir-less test modules)
import numpy as np
import objects_fixture
import overlay_fixture
import region_fixture
import slice_fixture


def test_committed_fixture_matches_python_ranking() -> None:
    assert make_js_fixtures.FIXTURE.read_text() == make_js_fixtures.render(), (
        "js/tests/fixtures/ranking.json is stale: run `python tests/make_js_fixtures.py`"
    )


def test_committed_calibration_fixture_matches_python() -> None:
    assert calibration_fixture.PATH.read_text(encoding="utf-8") == calibration_fixture.render(), (
        "js/tests/fixtures/calibration.json is stale: run `python tests/make_js_fixtures.py`"
    )


def test_calibration_fixture_covers_the_last_bin_empty_slices_and_absent_classes() -> None:
    fixture = calibration_fixture.fixture()
    per_class = fixture["slices"][0]["classes"]
    assert per_class[0]["table"]["count"][-1] > 0  # confidence exactly 1.0
    assert any(None in c["table"]["accuracy"] and c["ece"] is not None for c in per_class)
    assert [len(s["members"]) for s in fixture["slices"]][-1] == 0
    assert any(c["ece"] is None for c in fixture["slices"][0]["classes"])  # never predicted


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


def test_committed_comparison_fixture_matches_python() -> None:
    assert make_js_fixtures.COMPARISON.read_text() == make_js_fixtures.render_comparison(), (
        "js/tests/fixtures/comparison.json is stale: run `python tests/make_js_fixtures.py`"
    )


def test_comparison_fixture_covers_every_rule_both_ways_and_ties() -> None:
    fixture = make_js_fixtures.compare_fixture.fixture()
    kinds = set()
    for case in fixture["cases"]:
        cell = case["cell"]
        kind = "none" if cell is None else "diag" if cell[0] == cell[1] else "off"
        if case["indices"]:
            kinds.add((kind, case["direction"], case["loss_range"] is not None))
    assert kinds == {
        (k, d, f)
        for k in ("none", "diag", "off")
        for d in ("worse", "better")
        for f in (False, True)
    }
    tied = [
        c for c in fixture["cases"]
        if c["cell"] is not None and len(c["scores"]) > len(set(c["scores"]))
    ]  # fmt: skip
    assert len(tied) > 10  # equal deltas, ordered by index: the tie rule is exercised
    loss = [c for c in fixture["cases"] if c["cell"] is None and c["loss_range"] is None]
    assert all(None in c["scores"] and 0.0 in c["scores"] for c in loss)  # NaN last, zero deltas
    assert fixture["most_changed"]["grew"] and fixture["most_changed"]["shrank"]


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


def test_committed_region_fixture_matches_python() -> None:
    assert region_fixture.PATH.read_text() == region_fixture.render(), (
        "js/tests/fixtures/regions.json is stale: run `python tests/make_js_fixtures.py`"
    )


def test_region_fixture_covers_every_rule_with_ties() -> None:
    fixture = region_fixture.fixture()
    cases = fixture["cases"]
    shown = {
        (c["order"], c["region"], "none" if c["cell"] is None else
         "diag" if c["cell"][0] == c["cell"][1] else "off")
        for c in cases if c["indices"]
    }  # fmt: skip
    for order in ("share", "pixels"):
        for region in ("all", "interior", "boundary"):
            assert {(order, region, k) for k in ("none", "diag", "off")} <= shown
    assert {("confident", "all", k) for k in ("none", "diag", "off")} <= shown
    # regions change the answer, and equal scores are ordered by the tie rules
    by_key = {(str(c["cell"]), c["order"], c["region"], str(c["loss_range"])): c for c in cases}
    assert any(
        by_key[(str(c["cell"]), c["order"], "all", str(c["loss_range"]))]["indices"] != c["indices"]
        for c in cases if c["region"] == "interior"
    )  # fmt: skip
    confident = [c for c in cases if c["order"] == "confident"]
    assert sum(len(c["scores"]) > len(set(c["scores"])) for c in confident) > 5
    assert any(s["boundary_error_share"] is None for s in fixture["subsets"])


def test_committed_overlay_fixture_matches_python() -> None:
    assert overlay_fixture.PATH.read_text() == overlay_fixture.render(), (
        "js/tests/fixtures/overlays.json is stale: run `python tests/make_js_fixtures.py`"
    )


def test_overlay_fixture_has_bands_confident_pixels_and_a_reply_with_both() -> None:
    fixture = overlay_fixture.fixture()
    assert all(any(band) for case in fixture["bands"][:3] for band in case["bands"].values())
    assert not any(any(band) for band in fixture["bands"][3]["bands"].values())  # one class
    assert any(case["width"] % 8 for case in fixture["confident"])  # rows end mid-byte
    reply = fixture["reply"]
    assert reply["count"] > 0 and reply["band_count"] > 0
    assert reply["content"]["confident_part"] == 3


def test_committed_objects_fixture_matches_python() -> None:
    assert objects_fixture.PATH.read_text() == objects_fixture.render(), (
        "js/tests/fixtures/objects.json is stale: run `python tests/make_js_fixtures.py`"
    )


def test_objects_fixture_has_every_size_and_ties() -> None:
    fixture = objects_fixture.fixture()
    coco = next(t for t in fixture["tables"] if t["binning"] == "coco" and t["slice"] is None)
    per_bin = np.array(coco["objects"]).reshape(-1, 3).sum(axis=0)
    assert (per_bin > 0).all()  # small, medium and large objects
    assert any(len(set(c["scores"])) < len(c["scores"]) for c in fixture["cases"])  # tied counts
    assert all(c["indices"] for c in fixture["cases"] if c["t"] is None and c["slice"] is None)


def test_committed_fmap_fixture_matches_python() -> None:
    assert fmap_fixture.PATH.read_text() == fmap_fixture.render(), (
        "js/tests/fixtures/fmap.json is stale: run `python tests/make_js_fixtures.py`"
    )
