"""The detail overlays' fixture the front end replays (``js/tests/fixtures/overlays.json``).

- ``bands``: truth masks as the store keeps them (void 255 or 65535) with, for several
  widths ``d``, the boundary band of the pass's own function (``boundary.boundary_band``);
- ``confident``: confident-disagreement masks as ``ImageStore.encode`` writes them (1-bit
  PNGs, rows not a multiple of 8 pixels wide), with their values;
- ``reply``: a real detail reply (``SegExplorer._reply``) with its buffers, and what the
  browser must read from it.

Written by ``make_js_fixtures.py``; ``test_js_fixtures.py`` fails when it is stale.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

import segwidget
from segwidget.analysis.boundary import boundary_band
from segwidget.results.image_store import CONFIDENT, ImageStore
from segwidget.results.imaging import decode

PATH = Path(__file__).parent.parent / "js" / "tests" / "fixtures" / "overlays.json"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _truths() -> list[tuple[np.ndarray, int]]:
    """(truth with void at the dtype's maximum, C): blocks, void, edges at the border."""
    rng = np.random.default_rng(11)
    blocks = rng.integers(0, 4, (5, 6)).repeat(3, 0).repeat(3, 1)[:14, :17].astype(np.uint8)
    blocks[rng.random(blocks.shape) < 0.08] = 255
    stripes = np.zeros((9, 13), np.uint8)
    stripes[:, 6:] = 2
    stripes[:, 5] = 255  # a void column between two classes
    stripes[0, 0] = 1  # a corner pixel of another class
    many = rng.integers(250, 300, (4, 7)).repeat(2, 0).repeat(2, 1).astype(np.uint16)
    many[1, :3] = 65535
    return [(blocks, 4), (stripes, 3), (many, 300), (np.full((3, 5), 1, np.uint8), 2)]


def bands() -> list[dict[str, Any]]:
    out = []
    for truth, c in _truths():
        void = np.iinfo(truth.dtype).max
        target = torch.from_numpy(np.where(truth == void, c, truth).astype(np.int64))[None]
        out.append(
            {
                "width": int(truth.shape[1]),
                "height": int(truth.shape[0]),
                "void": int(void),
                "dtype": truth.dtype.name,
                "truth": truth.reshape(-1).tolist(),
                "bands": {
                    str(d): boundary_band(target, c, d)[0].numpy().astype(int).reshape(-1).tolist()
                    for d in (1, 2, 3, 5)
                },
            }
        )
    return out


def confident() -> list[dict[str, Any]]:
    rng = np.random.default_rng(12)
    out = []
    for h, w, side in [(5, 13, None), (7, 1, None), (3, 17, None), (20, 30, 12), (2, 8, None)]:
        mask = rng.random((h, w)) < 0.3
        store = ImageStore(3)
        truth = np.zeros((h, w), np.uint8)
        encoded = store.encode(np.zeros((h, w, 3), np.uint8), truth, truth, side, confident=mask)
        store.extend([encoded])
        stored = store.view(0).truth.shape
        values = decode(encoded[CONFIDENT]).astype(int)
        assert values.shape == stored
        out.append(
            {
                "png": _b64(encoded[CONFIDENT]),
                "width": int(stored[1]),
                "height": int(stored[0]),
                "values": values.reshape(-1).tolist(),
            }
        )
    return out


def reply() -> dict[str, Any]:
    rng = np.random.default_rng(13)
    torch.manual_seed(13)
    images = torch.from_numpy(rng.normal(0, 1, (2, 3, 6, 9)).astype(np.float32))
    masks = torch.from_numpy(rng.integers(0, 3, (2, 6, 9)))
    model = torch.nn.Conv2d(3, 3, 1)
    with torch.no_grad():
        model.weight.mul_(6.0)
    results = segwidget.analyze(model, [(images, masks)], progress=False, confidence=0.7)
    content, buffers = segwidget.SegExplorer(results=results)._reply(
        {"kind": "detail", "request": 3, "index": 1}
    )
    return {
        "content": content,
        "buffers": [_b64(bytes(b)) for b in buffers],
        "confident": _b64(results.images.confident(1)),
        "count": int(results.confident_confusions.image(1).sum()),
        "band_count": int(results.boundary_confusions.image(1).sum()),
    }


def fixture() -> dict[str, Any]:
    return {"bands": bands(), "confident": confident(), "reply": reply()}


def render() -> str:
    return json.dumps(fixture(), indent=None, separators=(",", ":")) + "\n"
