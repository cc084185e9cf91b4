"""The demo's second weights: the same U-Net trained half as long, for a real comparison."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compare_references import fingerprinted

import segwidget
from segwidget.demo import CLASSES, load_model, valid_loader
from segwidget.demo.train import (
    EARLY_STEPS,
    EARLY_WEIGHTS,
    STEPS,
    WEIGHTS,
    confusion_matrix,
    main,
    per_class_iou,
)

N = 48  # a third of the split keeps the two passes quick


def test_early_weights_ship_small_as_float16_and_load_as_float32() -> None:
    assert EARLY_WEIGHTS.stat().st_size < 1 * 2**20
    stored = torch.load(EARLY_WEIGHTS, weights_only=True)
    assert {v.dtype for v in stored.values() if v.is_floating_point()} == {torch.float16}
    assert stored.keys() == torch.load(WEIGHTS, weights_only=True).keys()  # the same model
    early = load_model(early=True)
    assert not early.training
    assert all(p.dtype == torch.float32 for p in early.parameters())
    final = load_model()
    assert not all(
        torch.equal(p, q) for p, q in zip(early.parameters(), final.parameters(), strict=True)
    )


def test_train_command_line_chooses_the_early_run(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_train(steps: int, *args: object) -> None:
        calls.append((steps, args[-1]))
        raise SystemExit  # stop before evaluating: only the arguments matter here

    monkeypatch.setattr("segwidget.demo.train.train", fake_train)
    for argv, expected in [([], (STEPS, WEIGHTS)), (["--early"], (EARLY_STEPS, EARLY_WEIGHTS))]:
        with pytest.raises(SystemExit):
            main(argv)
        assert calls.pop() == expected
    assert EARLY_STEPS < STEPS


@pytest.fixture(scope="module")
def demo_comparison() -> segwidget.Comparison:
    masks = np.concatenate([y.numpy() for _, y in valid_loader(n=N)])
    early, final = (
        fingerprinted(segwidget.analyze(model, valid_loader(n=N), CLASSES, progress=False), masks)
        for model in (load_model(early=True), load_model())
    )
    return segwidget.compare(early, final, names=("early", "final"))


def test_the_longer_training_is_better_per_class(demo_comparison: segwidget.Comparison) -> None:
    # the class IoUs by the training script's own direct count, independent of the pass
    iou = {
        name: per_class_iou(confusion_matrix(load_model(early=name == "early"), valid_loader(n=N)))
        for name in ("early", "final")
    }
    table = demo_comparison.class_table()
    np.testing.assert_allclose(table["iou_a"], iou["early"], atol=1e-3)
    np.testing.assert_allclose(table["iou_delta"], iou["final"] - iou["early"], atol=1e-3)
    mean_early, mean_final, _ = demo_comparison.summary()["mean_iou"]
    assert mean_final - mean_early > 0.1
    assert mean_early > 0.3  # still a decent model on the large classes


def test_the_demo_comparison_shows_fixes_and_regressions(
    demo_comparison: segwidget.Comparison,
) -> None:
    grew, shrank = demo_comparison.most_changed(5)
    assert len(shrank) == 5 and shrank[0].delta < -0.1  # confusions the longer run fixed
    assert grew  # and confusions it made worse
    # per image, the change cuts both ways for some cell: a gallery in each direction
    sidewalk_as_road = [
        len(demo_comparison.rank("sidewalk", "road", direction))
        for direction in ("worse", "better")
    ]
    assert min(sidewalk_as_road) > 0
