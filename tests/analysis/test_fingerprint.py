"""The truth fingerprint: equal for equal valid labels whatever their dtype, else different."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from segwidget.analysis.fingerprint import truth_fingerprint


def _reference(truth: np.ndarray, valid: np.ndarray) -> int:
    """The documented definition, written out pixel by pixel."""
    data = bytearray(b"segwidget-truth-v1")
    for side in truth.shape:
        data += int(side).to_bytes(4, "little")
    for value, ok in zip(truth.ravel().tolist(), valid.ravel().tolist(), strict=True):
        data += (int(value) if ok else 65535).to_bytes(2, "little")
    return int.from_bytes(hashlib.blake2b(bytes(data), digest_size=8).digest(), "little")


def test_matches_the_documented_definition(rng: np.random.Generator) -> None:
    truth = rng.integers(0, 150, (7, 9))
    valid = rng.random((7, 9)) > 0.2
    assert int(truth_fingerprint(truth, valid)) == _reference(truth, valid)


def test_depends_only_on_valid_pixels_and_shape(rng: np.random.Generator) -> None:
    truth = rng.integers(0, 9, (6, 8))
    valid = truth != 3
    base = truth_fingerprint(truth, valid)
    assert truth_fingerprint(truth.astype(np.uint8), valid) == base
    assert truth_fingerprint(np.where(valid, truth, 255), valid) == base  # void value is free
    changed = truth.copy()
    changed[np.argwhere(valid)[0][0], np.argwhere(valid)[0][1]] += 1
    assert truth_fingerprint(changed, valid) != base
    assert truth_fingerprint(truth.reshape(8, 6), valid.reshape(8, 6)) != base
    first = tuple(np.argwhere(valid)[0])
    more_void = valid.copy()
    more_void[first] = False
    assert truth_fingerprint(truth, more_void) != base


def test_refuses_classes_that_do_not_fit() -> None:
    with pytest.raises(ValueError, match="65535"):
        truth_fingerprint(np.full((2, 2), 70000), np.ones((2, 2), bool))
