"""SegExplorer from Python: state, binary serialisation, messages, selection sync."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest
import torch
import traitlets

import segwidget
from segwidget import SegExplorer
from segwidget.results.imaging import decode

CLASSES = ["road", "sidewalk", "car", "<img src=x onerror=alert(1)>"]


def _batches(n_batches: int = 4, size: int = 4, seed: int = 0) -> list:
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n_batches):
        x = torch.rand(size, 3, 24, 32, generator=g)
        y = torch.randint(0, len(CLASSES), (size, 24, 32), generator=g)
        y[0, :3] = 255
        out.append((x, y))
    return out


@pytest.fixture(scope="module")
def explorer() -> SegExplorer:
    torch.manual_seed(0)
    model = torch.nn.Conv2d(3, len(CLASSES), 3, padding=1)
    return SegExplorer(model, _batches(), CLASSES, progress=False)


@pytest.fixture
def sent(explorer: SegExplorer, monkeypatch: pytest.MonkeyPatch) -> list:
    messages: list = []
    monkeypatch.setattr(
        explorer, "send", lambda content, buffers=None: messages.append((content, buffers))
    )
    yield messages
    explorer.selected_cell = None


def test_state_matches_results(explorer: SegExplorer) -> None:
    r = explorer.results
    c = len(CLASSES)
    state = explorer.get_state()
    assert state["classes"] == CLASSES
    assert isinstance(state["pooled"], bytes | memoryview)
    pooled = np.frombuffer(explorer.pooled, dtype="<f8").reshape(c, c)
    np.testing.assert_array_equal(pooled, r.confusion())
    np.testing.assert_array_equal(np.frombuffer(explorer.losses, "<f8"), r.losses)
    mean_cm = np.frombuffer(explorer.mean_cm, "<f8").reshape(c, c)
    np.testing.assert_array_equal(mean_cm, r.mean_confusion())
    ptr = np.frombuffer(explorer.cell_ptr, "<i4")
    image = np.frombuffer(explorer.cell_image, "<i4")
    count = np.frombuffer(explorer.cell_count, "<i4")
    assert ptr.size == c * c + 1 and ptr[-1] == image.size == count.size
    for t in range(c):
        for p in range(c):
            k = t * c + p
            imgs = image[ptr[k] : ptr[k + 1]]
            expected = [n for n in range(r.n_images) if r.image_confusion(n)[t, p] > 0]
            assert imgs.tolist() == expected
            assert count[ptr[k] : ptr[k + 1]].tolist() == [
                r.image_confusion(n)[t, p] for n in expected
            ]
    assert explorer.summary["n_images"] == r.n_images == 16
    assert explorer.summary["mean_iou"] == pytest.approx(r.mean_iou())
    assert explorer.summary["partial"] is False


def test_selection_by_name_and_index(explorer: SegExplorer, sent: list) -> None:
    explorer.selected_cell = ("road", "car")
    assert explorer.selected_cell == [0, 2]
    np.testing.assert_array_equal(explorer.shown_indices, explorer.rank(0, 2).indices)
    explorer.selected_cell = "sidewalk"
    assert explorer.selected_cell == [1, 1]
    np.testing.assert_array_equal(explorer.shown_indices, explorer.rank(1, 1).indices)
    explorer.selected_cell = None
    np.testing.assert_array_equal(explorer.shown_indices, explorer.top_losses()[1])


@pytest.mark.parametrize("bad", [("road", "lake"), (0, 9), (0,), "lake", 1.5, [0, 1, 2]])
def test_bad_selection_from_python_raises(explorer: SegExplorer, bad: object) -> None:
    with pytest.raises(traitlets.TraitError):
        explorer.selected_cell = bad


def test_observe_sees_shown_indices_change(explorer: SegExplorer, sent: list) -> None:
    seen: list = []
    explorer.observe(lambda ch: seen.append(ch["new"]), names="shown_indices")
    explorer.selected_cell = (1, 0)
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], explorer.rank(1, 0).indices)


def test_order_and_loss_range_from_the_browser(explorer: SegExplorer, sent: list) -> None:
    explorer.set_state({"selected_cell": [0, 1], "order": "pixels"})
    assert explorer.selected_cell == [0, 1]
    np.testing.assert_array_equal(explorer.shown_indices, explorer.rank(0, 1, by="pixels").indices)
    lo, hi = np.sort(explorer.results.losses)[[2, 10]]
    explorer.set_state({"loss_range": [lo, hi]})
    kept = explorer.shown_indices
    assert kept.size and all(lo <= explorer.results.losses[i] <= hi for i in kept)
    explorer.set_state({"order": "share", "loss_range": None})


@pytest.fixture
def resent(explorer: SegExplorer, monkeypatch: pytest.MonkeyPatch) -> list:
    """The keys the explorer sends back to the browser, with (0, 1) selected beforehand."""
    explorer.selected_cell = (0, 1)
    keys: list = []
    monkeypatch.setattr(explorer, "send_state", lambda key=None: keys.append(key))
    return keys


def test_bad_browser_state_is_logged_and_reverted(
    explorer: SegExplorer, sent: list, resent: list, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="segwidget"):
        explorer.set_state({"selected_cell": [0, 99]})
        explorer.set_state({"selected_image": -3})
        explorer.set_state({"loss_range": [2.0, 1.0]})
    assert explorer.selected_cell == [0, 1]
    assert explorer.selected_image is None
    assert resent == [["selected_cell"], ["selected_image"], ["loss_range"]]
    assert "class index 99 out of range" in caplog.text


def test_thumbs_request_answered_with_the_stored_bytes(explorer: SegExplorer, sent: list) -> None:
    explorer._on_message(explorer, {"kind": "thumbs", "request": 7, "indices": [3, 0]}, [])
    content, buffers = sent[-1]
    assert content["kind"] == "thumbs" and content["request"] == 7
    assert content["image_mime"] == "image/jpeg"
    assert [item["index"] for item in content["items"]] == [3, 0]
    store = explorer.results.images
    for k, i in enumerate([3, 0]):
        view = store.view(i, thumbnail=True)
        item = content["items"][k]
        assert (item["width"], item["height"]) == (32, 24)
        # exactly the store's bytes: the JPEG and the two PNG masks, nothing re-encoded
        parts = [bytes(b) for b in buffers[3 * k : 3 * k + 3]]
        assert parts == [
            store.parts[f"thumb_{name}"][i] for name in ("image", "truth", "prediction")
        ]
        np.testing.assert_array_equal(decode(parts[1]), view.truth)
        np.testing.assert_array_equal(decode(parts[2]), view.prediction)
    # image 0 of batch 0 has void rows: they travel as 255
    assert (decode(bytes(buffers[4]))[:3] == 255).all()
    assert sum(len(b) for b in buffers) == sum(
        len(store.parts[f"thumb_{name}"][i])
        for i in (3, 0)
        for name in ("image", "truth", "prediction")
    )


def test_detail_request_answered_with_sparse_integer_confusion(
    explorer: SegExplorer, sent: list
) -> None:
    explorer._on_message(explorer, {"kind": "detail", "request": 1, "index": 5}, [])
    content, buffers = sent[-1]
    assert content["index"] == 5 and content["loss"] == pytest.approx(explorer.results.losses[5])
    assert decode(buffers[0]).shape == (24, 32, 3)
    n = content["parts"]  # the cells and counts follow the image's parts
    cells = np.frombuffer(buffers[n], "<i4")
    counts = np.frombuffer(buffers[n + 1], "<i4")
    dense = np.zeros(len(CLASSES) ** 2, np.int64)
    dense[cells] = counts
    np.testing.assert_array_equal(dense.reshape(len(CLASSES), -1), explorer.image_confusion(5))
    assert (counts > 0).all() and len(buffers[n]) < 8 * len(CLASSES) ** 2


def _unpack(data: bytes) -> list[tuple[int, int, int, list[bytes]]]:
    """PROTOCOL.md's packed thumbnails, read field by field."""
    count, n_parts = np.frombuffer(data[:8], "<u4").tolist()
    width = 4 * (3 + n_parts)  # index, width, height, then each part's length
    fields = np.frombuffer(data[8 : 8 + width * count], "<u4").reshape(count, 3 + n_parts)
    at, out = 8 + width * count, []
    for index, width, height, *lengths in fields.tolist():
        parts = []
        for n in lengths:
            parts.append(data[at : at + n])
            at += n
        out.append((index, width, height, parts))
    assert at == len(data)
    return out


def test_state_preloads_the_first_thumbnails_as_stored(explorer: SegExplorer) -> None:
    items = _unpack(explorer.preload)
    first = explorer.results.rank().indices[:32]
    assert [index for index, *_ in items] == first.tolist()
    parts = explorer.results.images.parts
    for index, width, height, blobs in items:
        assert (width, height) == (32, 24)
        assert blobs == [parts[f"thumb_{n}"][index] for n in ("image", "truth", "prediction")]


def test_visible_classes_by_name_or_index_and_focus(explorer: SegExplorer) -> None:
    assert explorer.visible_classes == [] and explorer.auto_focus
    explorer.visible_classes = ["car", 0]
    assert explorer.visible_classes == [2, 0]
    assert not explorer.auto_focus  # a choice was made: the browser keeps it
    for bad in (["car", "car"], ["lorry"], [99], [True]):
        with pytest.raises(traitlets.TraitError):
            explorer.visible_classes = bad
    assert explorer.visible_classes == [2, 0]
    focused = explorer.focus(2)
    assert focused == explorer.visible_classes and len(focused) == 2
    top = explorer.most_confused(1)[0]  # two classes: the most confused pair's
    assert focused == sorted(CLASSES.index(name) for name in (top.true, top.pred))
    explorer.visible_classes = []


@pytest.mark.parametrize(
    "content",
    [
        "garbage",
        None,
        {"kind": "thumbs", "request": 1, "indices": [0, 16]},
        {"kind": "thumbs", "request": 1, "indices": []},
        {"kind": "thumbs", "request": 1, "indices": list(range(65))},
        {"kind": "thumbs", "request": 1, "indices": ["0"]},
        {"kind": "thumbs", "request": "1", "indices": [0]},
        {"kind": "detail", "request": 1, "index": -1},
        {"kind": "detail", "request": 1, "index": True},
        {"kind": "delete", "request": 1},
    ],
)
def test_malformed_messages_are_ignored(
    explorer: SegExplorer, sent: list, content: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="segwidget"):
        explorer._on_message(explorer, content, [])
    assert sent == []
    assert "malformed" in caplog.text


def test_explorer_from_saved_results_and_update(tmp_path, explorer: SegExplorer) -> None:
    path = explorer.save(tmp_path / "run")
    from segwidget import load

    again = SegExplorer(results=load(path))
    assert again.pooled == explorer.pooled and again.cell_image == explorer.cell_image
    again.selected_cell = (0, 1)
    torch.manual_seed(1)
    other = torch.nn.Conv2d(3, len(CLASSES), 1)
    new = again.update(other, _batches(2), progress=False)
    assert again.selected_cell is None and again.summary["n_images"] == 8
    assert again.pooled == np.ascontiguousarray(new.confusion(), "<f8").tobytes()
    assert again.classes == CLASSES


def test_explorer_answers_the_results_api(explorer: SegExplorer) -> None:
    r = explorer.results
    losses, idx = explorer.top_losses(3)
    np.testing.assert_array_equal(idx, np.argsort(-r.losses, kind="stable")[:3])
    np.testing.assert_array_equal(losses, r.losses[idx])
    np.testing.assert_array_equal(explorer.image_confusion(4), r.image_confusion(4))
    assert explorer.most_confused(2) == r.most_confused(2)
    assert explorer.show(2).size == r.show(2).size
    ranked, expected = explorer.suspect_labels(), r.suspect_labels()
    np.testing.assert_array_equal(ranked.indices, expected.indices)
    np.testing.assert_array_equal(explorer.confident_confusion(), r.confident_confusion())
    np.testing.assert_equal(explorer.boundary_error_share(), r.boundary_error_share())


def test_browser_update_with_unknown_keys_never_raises(
    explorer: SegExplorer, sent: list, resent: list, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="segwidget"):
        explorer.set_state({"bogus": 1, "selected_cell": "nonsense"})
        explorer.set_state({"bogus": 1})
    assert explorer.selected_cell == [0, 1]
    assert resent == [["selected_cell"]]
    assert caplog.text.count("ignored a bad state update") == 1  # unknown keys alone: ignored


def test_update_keeps_the_first_analysis_settings() -> None:
    torch.manual_seed(0)
    model = torch.nn.Conv2d(3, len(CLASSES), 3, padding=1)
    no_void = [(x, y.clamp(max=len(CLASSES) - 1)) for x, y in _batches(1)]
    explorer = SegExplorer(model, no_void, CLASSES, progress=False, ignore_index=0)
    assert explorer.results.ignore_index == 0
    new = explorer.update(torch.nn.Conv2d(3, len(CLASSES), 1))
    assert new.ignore_index == 0 and new.class_table()["support"].iloc[0] == 0
    assert explorer.update(model, ignore_index=255).ignore_index == 255


def test_select_returns_what_the_gallery_shows(explorer: SegExplorer, sent: list) -> None:
    shown = explorer.select("road", "car")
    assert explorer.selected_cell == [0, 2]
    np.testing.assert_array_equal(shown, explorer.rank("road", "car").indices)
    np.testing.assert_array_equal(explorer.select("car"), explorer.rank(2, 2).indices)
    assert explorer.select(None).size == explorer.results.n_images
    assert explorer.selected_cell is None


def test_the_objects_traits_are_the_records_as_int32_rows() -> None:
    """``objects_truth``/``objects_false``: one row per record, as ``view/objects.py`` says."""
    from segwidget.view.objects import FALSE_COLUMNS, TRUTH_COLUMNS
    from segwidget.view.objects import state as object_state

    results = _objects_results()
    explorer = SegExplorer(results=results)
    store = results.object_records
    truth = np.frombuffer(explorer.objects_truth, "<i4").reshape(-1, len(TRUTH_COLUMNS))
    false = np.frombuffer(explorer.objects_false, "<i4").reshape(-1, len(FALSE_COLUMNS))
    rows = results.objects()
    np.testing.assert_array_equal(truth[:, 0], rows["image"])
    np.testing.assert_array_equal(truth[:, 2], rows["pixels"])
    np.testing.assert_array_equal(truth[:, 3], rows["missed"].astype(int))
    np.testing.assert_array_equal(false[:, 1], store.false["cls"])
    assert len(false) == len(results.false_objects()) > 0
    off = dataclasses.replace(results, object_records=None)
    assert object_state(off) == {"objects_truth": b"", "objects_false": b""}


def _objects_results() -> segwidget.Results:
    rng = np.random.default_rng(2)
    truth = torch.as_tensor(rng.integers(0, 3, (4, 3, 3)).repeat(4, 1).repeat(4, 2))
    pred = torch.where(torch.as_tensor(rng.random((4, 12, 12))) < 0.2, 0, truth)
    logits = torch.nn.functional.one_hot(pred, 3).permute(0, 3, 1, 2).float()
    return segwidget.analyze(torch.nn.Identity(), [(logits, truth)], progress=False)


def test_the_objects_orders_follow_the_size_bin_and_the_detail_sends_the_boxes() -> None:
    results = _objects_results()
    explorer = SegExplorer(results=results)
    explorer.order = "missed"
    explorer.selected_cell = (1, 1)
    explorer.object_size = 0
    expected = results.rank_objects(1, by="missed", size=0).indices.tolist()
    assert explorer.shown_indices.tolist() == expected
    explorer.object_size = None
    assert explorer.shown_indices.tolist() == results.rank(1, by="missed").indices.tolist()
    for bad in (3, -1, True, "small", 1.0):
        with pytest.raises(traitlets.TraitError, match="object_size"):
            explorer.object_size = bad
    i = int(results.objects()["image"].iloc[0])
    content, buffers = explorer._reply({"kind": "detail", "request": 1, "index": i})
    rows = np.frombuffer(buffers[-1], "<i4").reshape(-1, 5)
    missed = results.objects().query(f"image == {i} and missed")
    false = results.false_objects().query(f"image == {i}")
    assert content["objects_boxes"] is True and content["objects_size"] == [12, 12]
    assert (rows[:, 0] == 0).sum() == len(missed) and (rows[:, 0] == 1).sum() == len(false)
    np.testing.assert_array_equal(rows[rows[:, 0] == 0, 1:], missed[["x0", "y0", "x1", "y1"]])
    off = SegExplorer(results=dataclasses.replace(results, object_records=None))
    with pytest.raises(traitlets.TraitError, match="objects=True"):
        off.order = "missed"
