"""Write the front end's fixtures from Python, so both sides are held to one answer.

``js/tests/fixtures/ranking.json``: a real ``Results``, its ``Results.rank`` answers and the
heatmap's focus classes (``class_focus.focus_classes``); ``js/tests/fixtures/masks.json``:
class-index masks as the image store encodes them (PNG), with their values, for the
browser's PNG decoder, and packed thumbnails; ``js/tests/fixtures/slices.json``: slices of a
``Results`` with metadata and what ``Results.where`` says of them (``slice_fixture.py``);
``js/tests/fixtures/comparison.json``: two models' results and a comparison's rankings
(``compare_fixture.py``); ``js/tests/fixtures/regions.json``: boundary-band and confident
counts and the region and confident rankings (``region_fixture.py``);
``js/tests/fixtures/overlays.json``: the boundary band, confident masks and a detail reply
for the detail view's overlays (``overlay_fixture.py``); ``js/tests/fixtures/calibration.json``:
calibration counts, reliability and ECE per slice and class, and the calibration rankings
(``calibration_fixture.py``); ``js/tests/fixtures/objects.json``: object records and the object
rankings and tables (``objects_fixture.py``); ``js/tests/fixtures/fmap.json``: the failure
map's arrays, selections and "more like this" (``fmap_fixture.py``).
``tests/results/test_js_fixtures.py`` fails when a committed file drifts from this script.

Run: ``python tests/make_js_fixtures.py``
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import compare_fixture
import numpy as np
import torch

import segwidget
from segwidget.results.imaging import encode_png
from segwidget.view.class_focus import focus_classes

FIXTURES = Path(__file__).parent.parent / "js" / "tests" / "fixtures"
FIXTURE = FIXTURES / "ranking.json"
MASKS = FIXTURES / "masks.json"
COMPARISON = FIXTURES / "comparison.json"
N_CLASSES = 6  # class 5 never appears: absent rows and columns
N_IMAGES = 48


class _Lookup(torch.nn.Module):
    """A "model" whose predictions are given: one-hot logits of the planned mask."""

    def __init__(self, predictions: torch.Tensor) -> None:
        super().__init__()
        self.predictions = predictions

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pred = self.predictions[x[:, 0, 0, 0].long()]
        return torch.nn.functional.one_hot(pred, N_CLASSES).permute(0, 3, 1, 2).float() * 4


def _data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Blocky masks (equal-sized blocks make ties in share and pixels), some all-ignored."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, N_CLASSES - 1, (N_IMAGES, 4, 4)).repeat(4, 1).repeat(4, 2)
    pred = truth.copy()
    flip = rng.random((N_IMAGES, 4, 4)).repeat(4, 1).repeat(4, 2) < 0.3
    pred[flip] = rng.integers(0, N_CLASSES - 1, flip.sum())
    truth[::11] = 255  # images without a valid pixel: NaN loss, ranked last
    truth[3, :2] = 255
    return torch.as_tensor(truth), torch.as_tensor(pred)


def build_results() -> segwidget.Results:
    truth, pred = _data()
    x = torch.arange(N_IMAGES, dtype=torch.float32).view(-1, 1, 1, 1).expand(-1, 3, 16, 16)
    batches = [(x[i : i + 8], truth[i : i + 8]) for i in range(0, N_IMAGES, 8)]
    classes = [f"class {c}" for c in range(N_CLASSES)]
    return segwidget.analyze(_Lookup(pred), batches, classes, progress=False, keep_images=False)


def _num(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def fixture() -> dict:
    results = build_results()
    index = results.cell_index
    losses = results.losses
    mid = float(np.nanmedian(losses))
    cells: list[tuple[int, int] | None] = [None, (0, 1), (1, 0), (2, 3), (4, 2), (0, 0), (3, 3)]
    cells += [(5, 5), (1, 5)]  # an absent class and an empty cell: nothing shown
    cases = []
    for cell in cells:
        for order in ("share", "pixels"):
            for loss_range in (None, (float(losses[~np.isnan(losses)].min()), mid)):
                ranked = results.rank(*(cell or (None, None)), by=order, loss_range=loss_range)
                cases.append(
                    {
                        "cell": list(cell) if cell else None,
                        "order": order,
                        "loss_range": list(loss_range) if loss_range else None,
                        "indices": ranked.indices.tolist(),
                        "scores": [_num(s) for s in ranked.scores],
                    }
                )
    return {
        "C": results.n_classes,
        "N": results.n_images,
        "cell_ptr": index.ptr.tolist(),
        "cell_image": index.image.tolist(),
        "cell_count": index.count.tolist(),
        "losses": [_num(v) for v in losses],
        "cases": cases,
        "most_confused": [
            [results.class_index(c.true), results.class_index(c.pred)]
            for c in results.most_confused(k=results.n_classes**2)
        ],
        "focus": _focus_cases(results.confusion()),
    }


def _focus_cases(fixture_pooled: np.ndarray) -> list[dict]:
    """``focus_classes`` on the fixture's matrix and on a sparse 40-class one, for many k."""
    rng = np.random.default_rng(3)
    big = rng.integers(0, 50, (40, 40)) * (rng.random((40, 40)) < 0.08)
    big[np.arange(40), np.arange(40)] = rng.integers(0, 5000, 40)
    big[[3, 17]] = 0  # classes absent from truth
    big[:, 17] = 0  # ...and from prediction
    return [
        {
            "pooled": m.reshape(-1).tolist(),
            "C": int(m.shape[0]),
            "k": k,
            "classes": focus_classes(m, k),
        }
        for m in (fixture_pooled, big)
        for k in (0, 1, 2, 3, 5, 10, 20, 38, 40, 41)
        if k <= m.shape[0] + 1
    ]


def masks() -> list[dict]:
    """Masks as ``ImageStore`` writes them: 8-bit (void 255) and 16-bit, odd sizes, noisy rows."""
    rng = np.random.default_rng(4)
    smooth = np.repeat(np.arange(12, dtype=np.uint8), 5).reshape(6, 10)
    noisy = rng.integers(0, 9, (33, 47), dtype=np.uint8)
    noisy[5:9] = 255
    wide = rng.integers(0, 300, (3, 301)).astype(np.uint16)
    wide[0, :7] = 65535
    cases = [
        smooth,
        noisy,
        wide,
        np.full((1, 1), 7, np.uint8),
        np.array([[1, 2], [3, 4]], np.uint16),
    ]
    return [
        {
            "png": base64.b64encode(encode_png(m)).decode(),
            "width": int(m.shape[1]),
            "height": int(m.shape[0]),
            "dtype": m.dtype.name,
            "values": m.reshape(-1).tolist(),
        }
        for m in cases
    ]


def render() -> str:
    return json.dumps(fixture(), indent=None, separators=(",", ":")) + "\n"


def packed(extra: bool = False) -> dict:
    """``protocol.pack_thumbs`` of two stored images, with what the browser must unpack;
    ``extra``: each with a fourth part (a second model's prediction, as in a comparison)."""
    from segwidget.results.image_store import ImageStore
    from segwidget.view.protocol import pack_thumbs

    store = ImageStore(3)
    for k in range(2):
        truth = np.full((5, 7), k, np.uint8)
        store.add(np.full((5, 7, 3), 40 * k, np.uint8), truth, (truth + 1) % 3)
    indices = [9, 4]
    parts = [store.encoded(i, thumbnail=True) for i in (1, 0)]
    if extra:
        parts = [
            (*p, store.encoded(1 - i, thumbnail=True)[2])
            for i, p in zip((1, 0), parts, strict=True)
        ]
    return {
        "data": base64.b64encode(pack_thumbs(indices, parts)).decode(),
        "items": [
            {
                "index": i,
                "width": 7,
                "height": 5,
                "parts": [base64.b64encode(part).decode() for part in p],
            }
            for i, p in zip(indices, parts, strict=True)
        ],
    }


def render_comparison() -> str:
    return json.dumps(compare_fixture.fixture(), indent=None, separators=(",", ":")) + "\n"


def render_masks() -> str:
    content = {"masks": masks(), "pack": packed(), "pack_extra": packed(extra=True)}
    return json.dumps(content, indent=None, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    import calibration_fixture  # beside this script
    import fmap_fixture
    import objects_fixture
    import overlay_fixture
    import region_fixture
    import slice_fixture

    FIXTURES.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(render())
    MASKS.write_text(render_masks())
    slice_fixture.PATH.write_text(slice_fixture.render(), encoding="utf-8")
    COMPARISON.write_text(render_comparison())
    region_fixture.PATH.write_text(region_fixture.render())
    fmap_fixture.PATH.write_text(fmap_fixture.render())
    overlay_fixture.PATH.write_text(overlay_fixture.render())
    calibration_fixture.PATH.write_text(calibration_fixture.render(), encoding="utf-8")
    objects_fixture.PATH.write_text(objects_fixture.render(), encoding="utf-8")
    print(
        f"wrote {FIXTURE}, {MASKS}, {slice_fixture.PATH}, {COMPARISON}, {region_fixture.PATH}, "
        f"{overlay_fixture.PATH}, {calibration_fixture.PATH} and {objects_fixture.PATH}"
    )
