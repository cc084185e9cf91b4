"""The calibration members of a saved file: saved, loaded equal, and each broken one refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from models import Passthrough, logit_batches
from savefiles import Arrays, C, N, editing, refused, replacing, valid_arrays, write

import segwidget

BINS = 4  # valid_results' calibration bins
KEYS = C * (BINS + 1) * 2


def test_a_pass_with_calibration_loads_equal(tmp_path: Path) -> None:
    batches = logit_batches(np.random.default_rng(1), [3, 2], 4)
    results = segwidget.analyze(Passthrough(), batches, progress=False, keep_images=False)
    loaded = segwidget.load(results.save(tmp_path / "run"))
    assert loaded.calibration_counts is not None and results.calibration_counts is not None
    for part in ("ptr", "key", "count", "conf_sum"):
        np.testing.assert_array_equal(
            getattr(loaded.calibration_counts, part), getattr(results.calibration_counts, part)
        )
    assert loaded.ece() == results.ece()
    off = segwidget.analyze(Passthrough(), batches, calibration_bins=None, progress=False)
    assert segwidget.load(off.save(tmp_path / "off")).calibration_counts is None


def _swap_keys(arrays: Arrays) -> None:
    key = arrays["calibration_key"].copy()
    key[[0, 1]] = key[[1, 0]]
    arrays["calibration_key"] = key


def _one_pixel_more(arrays: Arrays) -> None:
    """Entry 0 gains a pixel at its mean confidence: its image's pixels no longer match cm."""
    count, total = arrays["calibration_count"].copy(), arrays["calibration_sum"].copy()
    total[0] *= (count[0] + 1) / count[0]
    count[0] += 1
    arrays["calibration_count"], arrays["calibration_sum"] = count, total


def _flip_a_correct_entry(arrays: Arrays) -> None:
    """A correct entry marked wrong (keys stay increasing): correct pixels no longer match cm."""
    key, ptr = arrays["calibration_key"].copy(), arrays["calibration_ptr"]
    image = np.repeat(np.arange(N), np.diff(ptr))
    k = next(
        k
        for k in range(key.size)
        if key[k] % 2 == 1 and (k == 0 or image[k - 1] != image[k] or key[k - 1] != key[k] - 1)
    )
    key[k] -= 1
    arrays["calibration_key"] = key


CASES = [
    pytest.param(
        lambda a: a.pop("calibration_sum"), "'calibration_sum' is missing", id="one-missing"
    ),
    pytest.param(editing("calibration_bins", 0, 0), "says 0 bins; expected 1..", id="no-bins"),
    pytest.param(
        replacing("calibration_bins", lambda a: np.array([1.5])),
        "'calibration_bins' has dtype float64",
        id="bins-float",
    ),
    pytest.param(editing("calibration_ptr", 0, 1), "not pointers from 0", id="ptr-start"),
    pytest.param(
        editing("calibration_ptr", slice(2, None), 10**6),
        f"increasing by at most {KEYS} per image",
        id="ptr-too-many",
    ),
    pytest.param(
        editing("calibration_key", -1, KEYS),
        f"image {N - 1}, entry \\d+ has key {KEYS}, outside 0..{KEYS - 1}",
        id="key-out-of-range",
    ),
    pytest.param(_swap_keys, "image 0, entry 1 is not after the one before it", id="key-order"),
    pytest.param(
        replacing("calibration_key", lambda a: a["calibration_key"] + 0.0),
        "'calibration_key' has dtype float64",
        id="key-float",
    ),
    pytest.param(editing("calibration_count", 2, 0), "entry 2 has 0 pixels; ≥ 1", id="count-zero"),
    pytest.param(
        replacing("calibration_sum", lambda a: a["calibration_sum"] * 0 + 1e9),
        "image 0, entry 0 has mean confidence .* outside its bin",
        id="sum-outside-bin",
    ),
    pytest.param(
        replacing("calibration_sum", lambda a: a["calibration_sum"][:-1]),
        "'calibration_sum' has shape",
        id="sum-short",
    ),
    pytest.param(
        _one_pixel_more,
        "the pixels per image and predicted class disagree with the confusion counts",
        id="disagrees-with-cm",
    ),
    pytest.param(
        _flip_a_correct_entry,
        "the correct pixels per image and predicted class disagree",
        id="correct-disagrees-with-cm",
    ),
]


@pytest.mark.parametrize(("change", "message"), CASES)
def test_a_broken_calibration_member_is_refused(
    tmp_path: Path, change: Callable[[Arrays], None], message: str
) -> None:
    arrays = valid_arrays(tmp_path)
    change(arrays)
    refused(write(tmp_path / "broken.npz", arrays), message)
