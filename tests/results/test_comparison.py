"""``Comparison`` numbers and rankings against brute-force references of issue 10's rules."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import torch
from compare_references import fingerprinted, image_scores, most_changed, rank
from references import class_scores, dense_confusions, per_image_ce

import segwidget
from segwidget.results.sparse import SparseConfusion

C = 5
CLASSES = ["road", "car", "person", "sky", "never"]  # "never": absent from every truth


def _loader(seed: int, n: int = 26, batch: int = 8) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Blocky masks over classes 0..3 drawn in a colour per class plus noise (so random
    models predict several classes), a void border and one all-void image."""
    rng = np.random.default_rng(seed)
    masks = rng.integers(0, C - 1, (n, 6, 8)).repeat(4, 1).repeat(4, 2)
    masks[:, :, :2] = 255
    masks[5] = 255
    palette = rng.normal(0, 1.5, (256, 3))
    images = palette[masks] + rng.normal(0, 0.5, (*masks.shape, 3))
    x = torch.as_tensor(images, dtype=torch.float32).permute(0, 3, 1, 2).contiguous()
    y = torch.as_tensor(masks)
    return [(x[i : i + batch], y[i : i + batch]) for i in range(0, n, batch)]


def _model(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Conv2d(3, C, 3, padding=1).eval()


def _predict(model: torch.nn.Module, batches: list) -> tuple[np.ndarray, np.ndarray]:
    """The reference pass: predictions and per-image cross-entropy, straight from the model."""
    preds, losses = [], []
    with torch.no_grad():
        for x, y in batches:
            logits = model(x)
            preds.append(logits.argmax(1).numpy())
            losses.append(per_image_ce(logits, y, 255))
    return np.concatenate(preds), np.concatenate(losses)


@pytest.fixture(scope="module")
def pair() -> dict:
    """Two different random models analysed over the same loader, with the references."""
    batches = _loader(0)
    truth = np.concatenate([y.numpy() for _, y in batches])
    out: dict = {"truth": truth, "batches": batches}
    for key, seed in (("a", 1), ("b", 2)):
        model = _model(seed)
        results = segwidget.analyze(model, batches, CLASSES, progress=False)
        out[key] = fingerprinted(results, truth)
        pred, losses = _predict(model, batches)
        out[f"pred_{key}"], out[f"losses_{key}"] = pred, losses
        out[f"dense_{key}"] = dense_confusions(truth, pred, C, 255)
    out["comparison"] = segwidget.compare(out["a"], out["b"], names=("old", "new"))
    return out


def test_the_two_models_differ_enough_to_test_anything(pair: dict) -> None:
    changed = (pair["pred_a"] != pair["pred_b"]) & (pair["truth"] != 255)
    assert changed.mean() > 0.3
    for key in ("pred_a", "pred_b"):
        assert len(np.unique(pair[key])) >= 3


def _selections(c: int = C) -> list[tuple[int | None, int | None]]:
    return [(None, None)] + [(t, p) for t in range(c) for p in range(c)]


def test_image_scores_equal_brute_force(pair: dict) -> None:
    comparison = pair["comparison"]
    for t, p in _selections():
        ref = image_scores(
            pair["dense_a"], pair["dense_b"], comparison.a.losses, comparison.b.losses, t, p
        )
        got = comparison.image_scores(t, p)
        for array, expected in zip(got, ref, strict=True):
            assert array.dtype == np.float64 and array.shape == (comparison.n_images,)
            np.testing.assert_array_equal(array, np.array(expected), err_msg=f"{(t, p)}")
    # the losses the deltas start from are the model's own, not just the pass's
    np.testing.assert_allclose(comparison.a.losses, pair["losses_a"], rtol=1e-5)
    np.testing.assert_allclose(comparison.b.losses, pair["losses_b"], rtol=1e-5)
    np.testing.assert_array_equal(
        comparison.image_scores().delta, comparison.b.losses - comparison.a.losses
    )


@pytest.mark.parametrize("direction", ["worse", "better"])
def test_rank_equals_brute_force_on_two_real_passes(pair: dict, direction: str) -> None:
    comparison = pair["comparison"]
    nonempty = 0
    for t, p in _selections():
        ranked = comparison.rank(t, p, direction=direction)
        indices, scores = rank(
            pair["dense_a"], pair["dense_b"], comparison.a.losses, comparison.b.losses,
            t, p, direction,
        )  # fmt: skip
        assert ranked.indices.tolist() == indices, (t, p, direction)
        np.testing.assert_array_equal(ranked.scores, np.array(scores, dtype=float))
        nonempty += bool(indices) and t is not None
    assert nonempty > C  # the cells really had images to rank


def _tied(seed: int, n: int = 16) -> tuple[segwidget.Comparison, np.ndarray, np.ndarray]:
    """Two constructed Results over the same truth, small counts: many tied shares and IoUs."""
    gen = np.random.default_rng(seed)
    c = 4
    rows = gen.choice([0, 0, 2, 4], size=(n, c))  # true pixels of each class per image
    rows[:, 3] = 0  # class 3 never in truth, but predicted
    rows[0] = 0  # an image without a valid pixel
    dense = []
    for _ in range(2):
        d = np.zeros((n, c, c), np.int64)
        for i in range(n):
            for t in range(c):
                np.add.at(d[i, t], gen.choice(c, size=rows[i, t], p=[0.4, 0.2, 0.2, 0.2]), 1)
        dense.append(d)
    losses = [gen.choice([0.5, 1.0, 1.5, np.inf], size=n) for _ in range(2)]
    for loss in losses:
        loss[0] = np.nan
    prints = gen.integers(0, 2**63, n).astype(np.uint64)
    names, colors = ["a", "b", "c", "d"], ["#000000"] * c
    results = [
        segwidget.Results(
            names, loss, SparseConfusion.from_dense(d), None, colors, fingerprints=prints
        )
        for loss, d in zip(losses, dense, strict=True)
    ]
    return segwidget.compare(*results), dense[0], dense[1]


@pytest.mark.parametrize("seed", range(10))
def test_rank_with_ties_equals_brute_force(seed: int) -> None:
    comparison, dense_a, dense_b = _tied(seed)
    ties = 0
    for direction in ("worse", "better"):
        for t, p in _selections(4):
            ranked = comparison.rank(t, p, direction)
            indices, scores = rank(
                dense_a, dense_b, comparison.a.losses, comparison.b.losses, t, p, direction
            )
            assert ranked.indices.tolist() == indices, (t, p, direction)
            np.testing.assert_array_equal(ranked.scores, np.array(scores, dtype=float))
            ties += len(scores) - len(set(scores))
    assert ties > 0


def test_rank_by_loss_puts_undefined_changes_last() -> None:
    comparison, _, _ = _tied(3)
    with np.errstate(invalid="ignore"):  # inf − inf
        delta = comparison.b.losses - comparison.a.losses
    for direction in ("worse", "better"):
        ranked = comparison.rank(direction=direction)
        assert sorted(ranked.indices.tolist()) == list(range(comparison.n_images))
        known = ~np.isnan(ranked.scores)
        assert not known[known.argmin() :].any()  # all NaN at the end
        assert np.isnan(delta).sum() == (~known).sum() > 0


def test_rank_selection_forms_and_bad_direction(pair: dict) -> None:
    comparison = pair["comparison"]
    by_name = comparison.rank("car", "road", "better")
    by_index = comparison.rank(1, np.int64(0), direction="better")
    assert by_name.indices.tolist() == by_index.indices.tolist()
    assert comparison.rank("person").indices.tolist() == comparison.rank(2, 2).indices.tolist()
    assert comparison.rank(pred="person").indices.tolist() == comparison.rank(2, 2).indices.tolist()
    with pytest.raises(ValueError, match=r"direction must be one of \('worse', 'better'\)"):
        comparison.rank(0, 1, direction="up")
    with pytest.raises(KeyError, match="no class named 'bus'"):
        comparison.rank("bus")


@pytest.mark.parametrize("k", [1, 3, 10, 100])
def test_most_changed_equals_brute_force(pair: dict, k: int) -> None:
    comparison = pair["comparison"]
    grew, shrank = most_changed(pair["dense_a"].sum(0), pair["dense_b"].sum(0), CLASSES, k)
    got = comparison.most_changed(k)
    assert [tuple(change) for change in got.grew] == grew
    assert [tuple(change) for change in got.shrank] == shrank
    assert got.grew and got.shrank
    assert all(isinstance(change, segwidget.ConfusionChange) for change in got.grew)


@pytest.mark.parametrize("seed", range(4))
def test_most_changed_ties_in_class_order(seed: int) -> None:
    comparison, dense_a, dense_b = _tied(seed)
    grew, shrank = most_changed(dense_a.sum(0), dense_b.sum(0), comparison.classes, 50)
    got = comparison.most_changed(50)
    assert [tuple(c) for c in got.grew] == grew
    assert [tuple(c) for c in got.shrank] == shrank


def test_class_table_equals_per_pixel_scores(pair: dict) -> None:
    pd = pytest.importorskip("pandas")
    comparison = pair["comparison"]
    ref_a = class_scores(pair["truth"], pair["pred_a"], C, 255)
    ref_b = class_scores(pair["truth"], pair["pred_b"], C, 255)
    table = comparison.class_table()
    assert isinstance(table, pd.DataFrame) and table.index.tolist() == CLASSES
    for score in ("iou", "recall", "precision"):
        np.testing.assert_array_equal(table[f"{score}_a"], ref_a[score])
        np.testing.assert_array_equal(table[f"{score}_b"], ref_b[score])
        np.testing.assert_array_equal(table[f"{score}_delta"], ref_b[score] - ref_a[score])
    np.testing.assert_array_equal(table["support"], ref_a["support"])
    np.testing.assert_array_equal(table["images"], ref_a["images"])
    assert math.isnan(table.loc["never", "recall_a"])  # absent from truth: undefined, not 0
    assert table.attrs["names"] == ("old", "new")
    mean_a, mean_b, delta = table.attrs["mean_iou"]
    assert mean_a == pytest.approx(np.nanmean(ref_a["iou"]))
    assert mean_b == pytest.approx(np.nanmean(ref_b["iou"]))
    assert delta == mean_b - mean_a


def test_class_table_without_pandas_is_a_list_of_dicts(
    pair: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = pair["comparison"].class_table()
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    rows = pair["comparison"].class_table()
    assert [row.pop("class") for row in rows] == CLASSES
    for row, expected in zip(rows, frame.to_dict("records"), strict=True):
        assert list(row) == list(expected) == list(frame.columns)
        np.testing.assert_array_equal(list(row.values()), list(expected.values()))


def test_confusion_of_each_model_and_their_difference(pair: dict) -> None:
    comparison = pair["comparison"]
    pooled_a, pooled_b = pair["dense_a"].sum(0), pair["dense_b"].sum(0)

    def rows(cm: np.ndarray) -> np.ndarray:
        return np.array([[v / sum(r) if sum(r) else np.nan for v in r] for r in cm.tolist()])

    np.testing.assert_array_equal(comparison.confusion("A", None), pooled_a)
    np.testing.assert_array_equal(comparison.confusion("B", "true"), rows(pooled_b))
    np.testing.assert_array_equal(comparison.confusion(), rows(pooled_b) - rows(pooled_a))
    np.testing.assert_array_equal(
        comparison.confusion("delta", "pred"), rows(pooled_b.T).T - rows(pooled_a.T).T
    )
    np.testing.assert_array_equal(comparison.confusion("delta", None), pooled_b - pooled_a)
    with pytest.raises(ValueError, match=r"model must be one of \('A', 'B', 'delta'\)"):
        comparison.confusion("new")


def test_summary_and_repr(pair: dict) -> None:
    comparison = pair["comparison"]
    summary = comparison.summary()
    a, b = comparison.a, comparison.b
    assert summary["pixel_accuracy"] == (
        a.pixel_accuracy(),
        b.pixel_accuracy(),
        b.pixel_accuracy() - a.pixel_accuracy(),
    )
    assert summary["mean_loss"][:2] == (a.mean_loss(), b.mean_loss())
    text = repr(comparison)
    assert "'old' → 'new'" in text and f"{comparison.n_images} images" in text
