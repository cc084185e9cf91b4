"""Driving a SegExplorer the way a kernel does: comm messages in, recorded comm messages out."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import torch
from comm import DummyComm
from compare_references import fingerprinted

from segwidget import SegExplorer, analyze, compare
from segwidget.results import slices, tags
from segwidget.results.comparison import Comparison
from segwidget.results.core import Results
from segwidget.results.ranking import within_loss
from segwidget.view.compare import B_ARRAYS
from segwidget.view.slices import column_state

CLASSES = ["road", "sidewalk", "car", "<img src=x onerror=alert(1)>"]
CITIES = ["bonn", "ulm", "<b>köln</b>", "bonn"]


def small_batches(seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """16 images of 24×32 over CLASSES, some void pixels."""
    g = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(4):
        x = torch.rand(4, 3, 24, 32, generator=g)
        y = torch.randint(0, len(CLASSES), (4, 24, 32), generator=g)
        y[0, :3] = 255
        batches.append((x, y))
    return batches


def small_results(seed: int = 0, model_seed: int | None = None) -> Results:
    """``small_batches(seed)`` analysed by a random 3×3 conv (seeded by ``model_seed``, else
    ``seed``), with the truth fingerprints."""
    batches = small_batches(seed)
    torch.manual_seed(seed if model_seed is None else model_seed)
    model = torch.nn.Conv2d(3, len(CLASSES), 3, padding=1)
    exposure = np.linspace(0.5, 1.5, 16)
    exposure[5] = np.nan
    metadata = {"city": CITIES * 4, "night": np.arange(16) % 3 == 0, "exposure": exposure}
    results = analyze(model, batches, CLASSES, progress=False, metadata=metadata)
    return fingerprinted(results, torch.cat([y for _, y in batches]).numpy())


def small_comparison(seed: int = 0) -> Comparison:
    """Two random models over ``small_batches(seed)``, named "old" and "new"."""
    return compare(small_results(seed), small_results(seed, model_seed=seed + 1), ("old", "new"))


class RecordingComm(DummyComm):
    """A comm that keeps what the widget sends, after checking it would pack as a kernel's
    JSON does (no NaN, nothing that is not JSON)."""

    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], list[Any]]] = []
        super().__init__()

    def publish_msg(
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        if msg_type != "comm_msg":
            return
        if data.get("method") != "echo_update":  # ipywidgets echoes what the browser sent
            json.dumps(data, allow_nan=False)
        self.sent.append((data, list(buffers or [])))

    def resent_keys(self) -> list[list[str]]:
        """The trait names of each state update sent to the browser (binary ones included)."""
        out = []
        for data, _ in self.sent:
            if data.get("method") == "update":
                paths = [path[0] for path in data.get("buffer_paths", [])]
                out.append(sorted([*data["state"], *paths]))
        return out

    def custom(self) -> list[tuple[dict[str, Any], list[Any]]]:
        """The custom messages sent (replies to thumbnail and detail requests)."""
        return [(d["content"], buffers) for d, buffers in self.sent if d["method"] == "custom"]


def explorer_with_comm(results: Results | Comparison) -> tuple[SegExplorer, RecordingComm]:
    explorer = SegExplorer(results=results)
    comm = RecordingComm()
    explorer.comm = comm  # as a kernel would: the comm now delivers to explorer._handle_msg
    return explorer, comm


def comm_msg(data: Any, buffers: list[Any] | None = None) -> dict[str, Any]:
    """A comm message as ipykernel hands it to the widget."""
    return {"content": {"comm_id": "x", "data": data}, "buffers": buffers or []}


def update(state: Any, **extra: Any) -> dict[str, Any]:
    return comm_msg({"method": "update", "state": state, **extra})


def assert_consistent(explorer: SegExplorer) -> None:
    """Every synced trait valid, the kernel's own ones equal to the results, the gallery current."""
    r = explorer.results
    c, n = r.n_classes, r.n_images
    cell = explorer.selected_cell
    assert cell is None or (
        isinstance(cell, list) and len(cell) == 2 and all(type(v) is int for v in cell)
    ), cell
    assert cell is None or all(0 <= v < c for v in cell), cell
    image = explorer.selected_image
    assert image is None or (type(image) is int and 0 <= image < n), image
    loss_range = explorer.loss_range
    assert loss_range is None or (
        isinstance(loss_range, list)
        and len(loss_range) == 2
        and all(type(v) is float and np.isfinite(v) for v in loss_range)
        and loss_range[0] <= loss_range[1]
    ), loss_range
    assert explorer.order in ("share", "pixels", "confident")
    assert explorer.region in ("all", "interior", "boundary")
    assert explorer.normalize in ("true", "pred", "none", "mean")
    assert explorer.model in ("delta", "A", "B") and explorer.direction in ("worse", "better")
    comparison = explorer.comparison
    overlays = ["none", "prediction", "truth", "pair"]
    assert explorer.overlay in overlays + (["prediction-b", "difference"] if comparison else [])
    assert type(explorer.log_scale) is bool and type(explorer.hide_diagonal) is bool
    visible = explorer.visible_classes
    assert all(type(v) is int and 0 <= v < c for v in visible), visible
    assert len(set(visible)) == len(visible), visible
    assert explorer.zoom in (1, 2, 4, 8) and type(explorer.auto_focus) is bool
    assert explorer.classes == r.classes and explorer.colors == r.colors
    assert explorer.summary["n_images"] == n
    assert explorer.pooled == np.ascontiguousarray(r.confusion(), "<f8").tobytes()
    assert explorer.losses == np.ascontiguousarray(r.losses, "<f8").tobytes()
    spec = explorer.slice
    json.dumps(spec, allow_nan=False)  # the browser gets plain JSON
    slices.validate_slice(spec, slices.image_columns(r))
    assert explorer.tags == r.tags == tags.parse_tags(explorer.tags, n), explorer.tags
    picked = explorer.picked_images
    assert picked == sorted(set(picked)) and all(type(i) is int and 0 <= i < n for i in picked)
    assert (explorer.columns, explorer.column_data) == column_state(r)
    positions = slices.slice_indices(r, spec)
    if comparison is not None:
        assert r is comparison.a and explorer.comparison_summary["names"] == list(comparison.names)
        assert explorer.region == "all" and explorer.order != "confident"  # one model's views
        assert explorer.band_ptr == explorer.conf_ptr == b""
        b = comparison.b
        assert explorer.pooled_b == np.ascontiguousarray(b.confusion(), "<f8").tobytes()
        assert explorer.losses_b == np.ascontiguousarray(b.losses, "<f8").tobytes()
        ranked = comparison.rank(*(cell or (None, None)), direction=explorer.direction)
        if loss_range is not None:  # the range of the loss change, B − A
            ranked = within_loss(ranked, b.losses - r.losses, *loss_range)
        shown = ranked.indices[np.isin(ranked.indices, positions)]  # the slice's images, order kept
        if explorer.similar_to is not None:  # "more like this" on A's map, as for one model
            similar = r.similar(explorer.similar_to, explorer.map_k or 20).indices
            shown = similar[np.isin(similar, positions)]
        np.testing.assert_array_equal(explorer.shown_indices, _in_map(explorer, shown))
        return
    assert explorer.comparison_summary == {}
    assert all(getattr(explorer, name) == b"" for name in B_ARRAYS)
    band, confident = r.boundary_confusions is not None, r.confident_confusions is not None
    assert explorer.region == "all" or band, explorer.region
    assert explorer.order != "confident" or confident, explorer.order
    band_ptr = _i32(r.counts("boundary").cell_index.ptr) if band else b""
    conf_count = _i32(r.confident_counts().cell_index.count) if confident else b""
    assert (explorer.band_ptr, explorer.conf_count) == (band_ptr, conf_count)
    # the confident order ranks among all pixels: it takes no region (PROTOCOL.md)
    region = None if explorer.region == "all" or explorer.order == "confident" else explorer.region
    # the gallery: Results.where(slice).rank(...), mapped back to the full results' indices
    expected = r.where(spec).rank(
        None if cell is None else cell[0],
        None if cell is None else cell[1],
        by=explorer.order,
        loss_range=loss_range,
        region=region,
    )
    shown = positions[expected.indices]
    if explorer.similar_to is not None:  # "more like this" (one model): within the slice
        similar = r.similar(explorer.similar_to, explorer.map_k or 20).indices
        shown = similar[np.isin(similar, positions)]
    np.testing.assert_array_equal(explorer.shown_indices, _in_map(explorer, shown))


def _in_map(explorer: SegExplorer, shown: np.ndarray) -> np.ndarray:
    """``shown`` within the map selection (valid: distinct, sorted, in range), order kept."""
    picked, n = explorer.map_selection, explorer.results.n_images
    assert picked == sorted(set(picked)) and all(type(i) is int and 0 <= i < n for i in picked)
    similar = explorer.similar_to
    assert similar is None or (type(similar) is int and 0 <= similar < n), similar
    return shown[np.isin(shown, picked)] if picked else shown


def _i32(values: np.ndarray) -> bytes:
    return np.ascontiguousarray(values, "<i4").tobytes()
