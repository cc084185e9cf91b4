"""The failure map's members of a save file (issue 20): features and the cached maps are
checked before use like every other member, and a bad one is refused naming it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from savefiles import members, valid_results, write

import segwidget


def _arrays(tmp_path: Path) -> dict[str, np.ndarray]:
    results = valid_results()
    n = results.n_images
    results.features = np.arange(n * 3, dtype=np.float16).reshape(n, 3)
    results.maps["errors"] = np.linspace(-1, 1, 2 * n, dtype=np.float32).reshape(n, 2)
    results.maps["features"] = np.ones((n, 2), np.float32)
    return members(results.save(tmp_path / "fmap"))


def test_features_and_maps_load_as_saved(tmp_path: Path) -> None:
    arrays = _arrays(tmp_path)
    loaded = segwidget.load(write(tmp_path / "again.npz", arrays))
    assert isinstance(loaded, segwidget.Results)
    np.testing.assert_array_equal(loaded.features, arrays["features"])
    assert loaded.features.dtype == np.float16 and loaded.maps["errors"].dtype == np.float32
    np.testing.assert_array_equal(loaded.maps["errors"], arrays["map_errors"])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda a: a.update(map_errors=a["map_errors"][:-1]), r"'map_errors'.*shape"),
        (lambda a: a["map_errors"].__setitem__((2, 1), np.nan), r"'map_errors'.*NaN.*image 2"),
        (lambda a: a.update(map_errors=a["map_errors"].astype(np.float64)), r"'map_errors'"),
        (lambda a: a.pop("features"), r"'map_features'.*features it maps are not"),
        (lambda a: a.update(features=a["features"].astype(np.int16)), r"'features'.*dtype"),
        (lambda a: a.update(features=a["features"].astype(np.float64)), r"'features'.*float16"),
        (lambda a: a["features"].__setitem__((0, 0), np.inf), r"'features'.*infinite.*image 0"),
        (lambda a: a.update(features=np.zeros((len(a["losses"]), 2049), np.float16)), "2049"),
    ],
)
def test_bad_failure_map_members_are_refused(tmp_path: Path, edit: object, message: str) -> None:
    arrays = _arrays(tmp_path)
    edit(arrays)  # type: ignore[operator]
    with pytest.raises(segwidget.SaveFileError, match=message):
        segwidget.load(write(tmp_path / "bad.npz", arrays))
