"""A per-image fingerprint of the truth mask, so two passes can prove they saw the same labels.

The fingerprint is the first 8 bytes (little-endian uint64) of BLAKE2b over
``b"segwidget-truth-v1"``, the mask's height and width as two little-endian uint32, and
the mask as little-endian uint16 with every invalid (ignored) pixel set to 65535. It
depends only on the valid truth pixels and the shape: not on batching, dtype, device,
process or the number of classes.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numpy.typing import NDArray

_DOMAIN = b"segwidget-truth-v1"
_VOID = 65535


def truth_fingerprint(truth: NDArray[np.integer], valid: NDArray[np.bool_]) -> np.uint64:
    """Fingerprint of one ``(H, W)`` truth mask whose valid pixels are ``valid``.

    Raises
    ------
    ValueError
        When a valid pixel's class does not fit below 65535.
    """
    if truth.ndim != 2 or truth.shape != valid.shape:
        raise ValueError(f"expected (H, W) truth and validity, got {truth.shape}, {valid.shape}")
    if valid.any() and int(truth[valid].max()) >= _VOID:
        raise ValueError("class indices must be below 65535 to fingerprint a mask")
    canonical = np.full(truth.shape, _VOID, dtype="<u2")
    canonical[valid] = truth[valid]
    digest = hashlib.blake2b(digest_size=8)
    digest.update(_DOMAIN)
    digest.update(np.array(truth.shape, dtype="<u4").tobytes())
    digest.update(canonical.tobytes())
    return np.frombuffer(digest.digest(), dtype="<u8")[0]
