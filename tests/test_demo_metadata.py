"""The demo's per-image metadata: honest scene parameters, and images left exactly as trained on."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from torch.utils.data import DataLoader, Subset

import segwidget
from segwidget.demo import (
    CLASSES,
    SCENE_PARAMETERS,
    StreetScenes,
    load_model,
    valid_loader,
    valid_metadata,
)
from segwidget.demo.dataset import render_scene

# sha256 of (image quantised to 8 bits) + mask, computed with the generator the shipped
# weights were trained on: the one with close-ups (a near pedestrian, a foreground pole, a
# sign board; demo/closeups.py). A change to the scenes must retrain the weights and update
# these. Quantised, so that a last-bit difference in a vectorised sin/cos on another CPU cannot
# break the test.
BEFORE = {
    (1, 0): "9f6190e79c0046354ae01c85909d3178f46b4f0be0ebd973640a749b3a40c788",
    (1, 1): "0921cea19042902a79173fd0b70b019f3a0210561be1295019cb347c7e5a57ae",
    (1, 17): "b7d0cb51922c307ea6749672b2bc48facc8affa54861ee3a0b85916bfae04b2d",
    (1, 159): "d58770063603a78c5f697721877e8f9be46c583ec1e34963ba42b2124ffb5311",
    (0, 0): "0a094c71f9f22422566d687dbce79de314fda6e14595b59b4e514c18b97f6791",
    (0, 3999): "607bccd9db04af3a2f5e64da0bd30b366cf6deb48f51157874cdcafdf9983c03",
}


@pytest.mark.parametrize(("split", "index"), sorted(BEFORE))
def test_images_and_masks_are_unchanged(split: int, index: int) -> None:
    image, mask = render_scene(0, split, index, (96, 128))
    quantised = np.round(image * 255).astype(np.uint8)
    digest = hashlib.sha256(quantised.tobytes() + mask.tobytes()).hexdigest()
    assert digest == BEFORE[split, index]


@pytest.fixture(scope="module")
def scenes() -> tuple[dict[str, np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
    data = StreetScenes("valid", n=60)
    return data.metadata(), [data.raw(i) for i in range(len(data))]


def test_columns_are_plain_aligned_and_in_range(
    scenes: tuple[dict[str, np.ndarray], list[tuple[np.ndarray, np.ndarray]]],
) -> None:
    meta, _ = scenes
    assert list(meta) == list(SCENE_PARAMETERS)
    assert all(column.shape == (60,) for column in meta.values())
    assert set(meta["sky"]) <= {"clear", "overcast"}
    for name in ("centre_line", "paving", "kerb", "shadow"):
        assert meta[name].dtype == np.bool_ and 0 < meta[name].sum() < 60
    for name, lo, hi in [
        ("horizon", 0.36, 0.5), ("road_grey", 0.3, 0.55), ("sidewalk_contrast", -0.03, 0.08),
        ("exposure", 0.7, 1.25), ("noise", 0.01, 0.04), ("shadow_share", 0.0, 1.0),
        ("posters", 0, 3), ("cars", 0, 3), ("pedestrians", 1, 7), ("trees", 0, 2),
        ("poles", 1, 6), ("near", 0, 3),
    ]:  # fmt: skip
        assert lo <= meta[name].min() and meta[name].max() <= hi, name
    assert (meta["signs"] <= meta["poles"]).all()
    assert ((meta["shadow_share"] > 0) <= meta["shadow"]).all()
    assert (meta["shadow_share"][~meta["shadow"]] == 0).all()


def test_columns_tell_the_truth_about_the_images(
    scenes: tuple[dict[str, np.ndarray], list[tuple[np.ndarray, np.ndarray]]],
) -> None:
    meta, samples = scenes
    present = np.array([[np.any(mask == c) for c in range(len(CLASSES))] for _, mask in samples])
    for name, cls in [("cars", "car"), ("trees", "tree"), ("signs", "sign")]:
        absent = meta[name] == 0
        assert absent.any() and not present[absent, CLASSES.index(cls)].any(), name
    # a clear sky is blue, an overcast one grey (up to the colour cast of at most 10%)
    sky = CLASSES.index("sky")
    blue = np.array([img[mask == sky][:, 2].mean() / img[mask == sky][:, 0].mean()
                     for img, mask in samples])  # fmt: skip
    assert (blue[meta["sky"] == "clear"] > 1.4).all()
    assert (blue[meta["sky"] == "overcast"] < 1.4).all()


def test_valid_metadata_aligns_with_valid_loader() -> None:
    meta, longer = valid_metadata(n=12), valid_metadata(n=20)
    assert all(column.shape == (12,) for column in meta.values())
    for name, column in meta.items():  # image i's parameters do not depend on n
        np.testing.assert_array_equal(column, longer[name][:12], strict=True)
    data = valid_loader(n=12).dataset
    assert (data.split, data.seed, data.size, len(data)) == ("valid", 0, (96, 128), 12)


def test_a_demo_slice_equals_a_pass_over_its_images() -> None:
    data = StreetScenes("valid", n=14)
    model = load_model()

    def run(dataset: object) -> segwidget.Results:
        loader = DataLoader(dataset, batch_size=7, shuffle=False)
        return segwidget.analyze(model, loader, CLASSES, keep_images=False, progress=False)

    results = run(data)
    results.metadata = data.metadata()
    part = results.where(kerb=False, sidewalk_contrast=[None, 0.05])
    idx = part.dataset_index()
    expected = np.flatnonzero(
        ~results.metadata["kerb"] & (results.metadata["sidewalk_contrast"] <= 0.05)
    )
    np.testing.assert_array_equal(idx, expected)
    assert 0 < idx.size < 14
    alone = run(Subset(data, idx.tolist()))
    np.testing.assert_array_equal(part.confusion(), alone.confusion())
    pd.testing.assert_frame_equal(part.class_table(), alone.class_table(), check_exact=True)
    by_kerb = results.class_table(by="kerb")
    pd.testing.assert_series_equal(
        by_kerb["iou"][False], results.where(kerb=False).class_table()["iou"], check_names=False
    )
