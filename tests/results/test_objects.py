"""``Results``' object questions against loops written here: iIoU (Cityscapes' formula over
instance maps), missed objects and object recall, size bins on their edges, the rankings,
slices, comparisons, and a pass with ``objects=False``."""

from __future__ import annotations

import numpy as np
import pytest
from objects_cases import VOID, blob_scene, run

import segwidget


def test_iiou_equals_an_explicit_cityscapes_loop_over_instance_maps() -> None:
    rng = np.random.default_rng(3)
    n_classes = 4
    truth, pred, instances = blob_scene(rng, 7, n_classes)
    results = run(truth, pred, n_classes, instances)
    # the loop: objects are (image, id ≥ 1000) over valid pixels, class id // 1000
    objects = []  # (class, size, pixels predicted as the class)
    for i in range(truth.shape[0]):
        valid = truth[i] != VOID
        for ident in np.unique(instances[i][valid]):
            if ident < 1000:
                continue
            mine = valid & (instances[i] == ident)
            c = ident // 1000
            objects.append((c, int(mine.sum()), int((mine & (pred[i] == c)).sum())))
    valid = truth != VOID
    for avg in (None, {"c1": 40.0, "c2": 7.5}):
        got = results.iiou(avg)
        for c in range(n_classes):
            mine = [o for o in objects if o[0] == c]
            if avg is None:
                mean = sum(o[1] for o in mine) / len(mine) if mine else None
            else:
                mean = avg.get(f"c{c}")
            if not mine or mean is None:
                assert np.isnan(got[c])
                continue
            itp = sum(mean / s * hit for _, s, hit in mine)
            ifn = sum(mean / s * (s - hit) for _, s, hit in mine)
            fp = int((valid & (pred == c) & (truth != c)).sum())
            assert got[c] == pytest.approx(itp / (itp + fp + ifn), rel=1e-12)
    table = results.class_table()
    np.testing.assert_array_equal(table["iiou"].to_numpy(), results.iiou())
    assert table["objects"].tolist() == [sum(o[0] == c for o in objects) for c in range(n_classes)]


def test_missed_at_exactly_half_is_found_and_object_recall_counts_objects() -> None:
    truth = np.zeros((1, 6, 8), np.int64)
    truth[0, 1:3, 1:3] = 1  # 4 pixels, 2 predicted 1: recall 0.5, found
    truth[0, 1:3, 5:7] = 1  # 4 pixels, 1 predicted 1: missed, confused with 2 over 0 (tie: lower)
    pred = np.zeros_like(truth)
    pred[0, 1, 1:3] = 1
    pred[0, 1, 5] = 1
    pred[0, 2, 6] = 2
    results = run(truth, pred, 3)
    rows = results.objects()
    ones = rows[rows["class"] == "c1"].sort_values("x0")
    assert ones["recall"].tolist() == [0.5, 0.25]
    assert ones["missed"].tolist() == [False, True]
    assert ones["confused_with"].tolist() == ["c0", "c0"]  # 2 and 1 pixels; then 2 vs 1
    assert results.class_table().loc["c1", "object_recall"] == 0.5
    stricter = run(truth, pred, 3, min_object_recall=0.75)
    assert stricter.objects().query("`class` == 'c1'")["missed"].tolist() == [True, True]


def square_scene(sides: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """One image per side: a side × side square of class 1 (recall 0: missed) on class 0."""
    size = max(sides) + 2
    truth = np.zeros((len(sides), size, size), np.int64)
    for i, side in enumerate(sides):
        truth[i, 1 : 1 + side, 1 : 1 + side] = 1
    return truth, np.zeros_like(truth)


def test_size_bins_on_their_edges() -> None:
    sides = [31, 32, 33, 95, 96, 97]  # 961, 1024, 1089, 9025, 9216, 9409 pixels
    results = run(*square_scene(sides), 2, batch=2)
    coco = results.object_table("coco").loc["c1"]
    assert coco["objects"].tolist() == [1, 3, 2]  # < 32², 32² ≤ a < 96², ≥ 96²
    assert coco["missed"].tolist() == [1, 3, 2]
    edges = [961, 1089, 9216]  # [961, 1089), [1089, 9216]: the last edge is in, 9409 is out
    table = results.object_table(edges).loc["c1"]
    assert table["objects"].tolist() == [2, 3]
    sizes = np.array([s * s for s in sides], np.float64)
    lo, hi = np.quantile(sizes, [1 / 3, 2 / 3])
    expected = [(sizes < lo).sum(), ((sizes >= lo) & (sizes < hi)).sum(), (sizes >= hi).sum()]
    assert results.object_table("terciles").loc["c1"]["objects"].tolist() == expected
    for bad in ("deciles", [5], [3, 2]):
        with pytest.raises(ValueError, match="bin"):
            results.object_table(bad)


def ranked(results: segwidget.Results, by: str, t: int, p: int | None, size: int | None = None):
    """The ranking rule by a loop over the rows: count, then pixels, then index."""
    rows = results.objects() if by == "missed" else results.false_objects()
    per_image: dict[int, list[int]] = {}
    for row in rows.itertuples(index=False):
        cls = int(row[1][1:])
        if by == "missed":
            other = int(row.confused_with[1:]) if isinstance(row.confused_with, str) else None
            wanted = row.missed and cls == t and (p in (None, t) or other == p)
            if size is not None:
                area = row.pixels
                wanted &= [area < 1024, 1024 <= area < 9216, area >= 9216][size]
        else:
            truth = int(row.truth[1:]) if isinstance(row.truth, str) else None
            wanted = cls == (p if p is not None else t) and (p in (None, t) or truth == t)
        if wanted:
            count, pixels = per_image.get(row.image, [0, 0])
            per_image[row.image] = [count + 1, pixels + row.pixels]
    order = sorted(per_image, key=lambda i: (-per_image[i][0], -per_image[i][1], i))
    return order, [float(per_image[i][0]) for i in order]


@pytest.mark.parametrize("seed", range(4))
def test_rankings_follow_the_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth, pred, _ = blob_scene(rng, 12, 3, hw=(16, 20))
    results = run(truth, pred, 3)
    for by in ("missed", "false"):
        for t, p in [(0, None), (1, None), (2, 0), (1, 2)]:
            got = results.rank(t, p, by=by)
            order, scores = ranked(results, by, t, p)
            assert got.indices.tolist() == order and got.scores.tolist() == scores
    for size in range(3):
        got = results.rank_objects(1, by="missed", size=size)
        assert got.indices.tolist() == ranked(results, "missed", 1, None, size)[0]


def test_a_slice_and_a_subset_answer_from_their_own_objects() -> None:
    rng = np.random.default_rng(5)
    truth, pred, instances = blob_scene(rng, 9, 3)
    results = run(truth, pred, 3, instances)
    keep = [7, 2, 4]
    part = results.subset(keep)
    rows = results.objects()
    expected = rows[rows["image"].isin(keep)].copy()
    expected["image"] = expected["image"].map({i: k for k, i in enumerate(keep)})
    expected = expected.sort_values(["image", "x0", "y0"]).reset_index(drop=True)
    got = part.objects().sort_values(["image", "x0", "y0"]).reset_index(drop=True)
    assert got.astype(str).equals(expected.astype(str))
    own = run(truth[keep], pred[keep], 3, instances[keep])  # s̄_c of the slice's own objects
    np.testing.assert_allclose(part.iiou(), own.iiou(), rtol=1e-12)


def test_objects_false_turns_them_off_and_the_questions_say_so() -> None:
    truth, pred = square_scene([3, 4])
    results = run(truth, pred, 2, objects=False)
    assert results.object_records is None
    assert "objects" not in results.class_table().columns
    for question in (results.objects, results.false_objects, results.iiou, results.object_table):
        with pytest.raises(ValueError, match="objects=False"):
            question()
    with pytest.raises(ValueError, match="objects=False"):
        results.rank(1, by="missed")
    with pytest.raises(segwidget.InputError, match="min_object_recall"):
        run(truth, pred, 2, min_object_recall=0)


def test_a_comparison_lists_the_objects_one_model_misses_that_the_other_found() -> None:
    rng = np.random.default_rng(8)
    truth, pred_a, _ = blob_scene(rng, 6, 3)
    pred_b = np.where(rng.random(truth.shape) < 0.3, 0, pred_a)
    a, b = run(truth, pred_a, 3), run(truth, pred_b, 3)
    b_worse, a_worse = segwidget.compare(a, b).object_changes()
    rows_a, rows_b = a.objects(), b.objects()
    assert rows_a[["image", "class", "pixels", "x0", "y0"]].equals(
        rows_b[["image", "class", "pixels", "x0", "y0"]]
    )
    expected_b = rows_b[rows_b["missed"] & ~rows_a["missed"]].reset_index(drop=True)
    expected_a = rows_a[rows_a["missed"] & ~rows_b["missed"]].reset_index(drop=True)
    assert len(expected_b) > 0
    assert b_worse.astype(str).equals(expected_b.astype(str))
    assert a_worse.astype(str).equals(expected_a.astype(str))
