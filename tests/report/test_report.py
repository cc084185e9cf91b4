"""The offline report file (report/build.py): what it embeds, its caps, what it says it left
out, and that no user text can break out of the elements holding it. The page itself is
driven in a real browser by tests/browser/test_browser_report.py."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import sys
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import pytest
import torch
import traitlets
from PIL import Image
from report_reader import ReadReport, read_report

from segwidget import SegExplorer
from segwidget.report.page import LOADER
from segwidget.results.imaging import decode

STATIC = Path(__file__).parents[2] / "segwidget" / "static"
HOSTILE = [
    "road",
    "</script><script>window.__xss=1</script>",
    "<!--",
    "a & b \u2028 c </SCRIPT >",
    "<img src=x onerror=window.__xss=1>",
]
N = 20


def _batches() -> list:
    g = torch.Generator().manual_seed(3)
    out = []
    for _ in range(5):
        x = torch.rand(4, 3, 24, 40, generator=g)
        y = torch.randint(0, len(HOSTILE), (4, 24, 40), generator=g)
        y[0, :4] = 255
        out.append((x, y))
    return out


@pytest.fixture(scope="module")
def explorer() -> SegExplorer:
    torch.manual_seed(0)
    model = torch.nn.Conv2d(3, len(HOSTILE), 3, padding=1)
    return SegExplorer(model, _batches(), HOSTILE, progress=False)


def _report(
    explorer: SegExplorer, tmp_path: Path, name: str = "r.html", **options: Any
) -> ReadReport:
    return read_report(explorer.save_html(tmp_path / name, **options))


def _by_loss(losses: np.ndarray) -> list[int]:
    """Highest loss first, ties by index, NaN last (a loop, not the ranking code)."""
    finite = sorted(
        (i for i in range(losses.size) if not np.isnan(losses[i])), key=lambda i: (-losses[i], i)
    )
    return finite + [i for i in range(losses.size) if np.isnan(losses[i])]


def test_the_page_runs_the_built_esm_and_css(explorer: SegExplorer, tmp_path: Path) -> None:
    report = _report(explorer, tmp_path)
    assert report.esm == (STATIC / "widget.js").read_bytes()
    assert report.report_js == (STATIC / "report.js").read_bytes()
    assert report.styles == [(STATIC / n).read_text() for n in ("widget.css", "report.css")]


def test_every_synced_trait_travels_binary_ones_exactly(
    explorer: SegExplorer, tmp_path: Path
) -> None:
    explorer.selected_cell = (0, 3)
    explorer.loss_range = (0.1, 5.0)
    explorer.visible_classes = [3, 0, 1]
    try:
        state = _report(explorer, tmp_path).state()
    finally:
        explorer.selected_cell = explorer.loss_range = None
        explorer.visible_classes = []
    # the traits SegExplorer declares, none of the widget framework's (the page supplies those)
    declared = set(SegExplorer.class_trait_names(sync=True))
    declared -= set(anywidget.AnyWidget.class_trait_names(sync=True)) | {"_esm", "_css"}
    assert "selected_cell" in declared and "pooled" in declared
    assert set(state) == declared
    for name in ("pooled", "mean_cm", "losses", "cell_ptr", "cell_image", "cell_count", "preload"):
        assert state[name] == bytes(getattr(explorer, name)), name
    assert state["classes"] == HOSTILE
    assert state["selected_cell"] == [0, 3]
    assert state["loss_range"] == [0.1, 5.0]
    assert state["visible_classes"] == [3, 0, 1]
    assert state["summary"]["n_images"] == N


class _Later(SegExplorer):
    """A feature added after the report: new synced traits (one binary), a 4th reply part."""

    extra = traitlets.Bytes(b"\x00\x01\xff feature").tag(sync=True)
    nested = traitlets.Dict({"a": [1, "</script>"]}).tag(sync=True)

    def _reply(self, content: Any) -> Any:
        reply = super()._reply(content)
        if reply is None:
            return None
        header, buffers = reply
        parts = header["parts"]
        items = header["items"] if header["kind"] == "thumbs" else [header]
        out = []
        for k, item in enumerate(items):
            out += [*buffers[parts * k : parts * (k + 1)], f"B{item['index']}".encode()]
        out += buffers[parts * len(items) :]  # a detail reply's confusion buffers
        return {**header, "parts": parts + 1}, out


def test_new_traits_and_reply_parts_travel_without_report_changes(tmp_path: Path) -> None:
    later = _Later(
        results=SegExplorer(torch.nn.Conv2d(3, 5, 1), _batches(), HOSTILE, progress=False).results
    )
    report = _report(later, tmp_path, max_images=2)
    state = report.state()
    assert state["extra"] == b"\x00\x01\xff feature"
    assert state["nested"] == {"a": [1, "</script>"]}
    thumbs = report.data["thumbs"]
    assert thumbs["parts"] == 4
    for i, spans in enumerate(thumbs["spans"]):
        assert report.parts(spans)[3] == f"B{i}".encode()
    for key, detail in report.data["details"].items():
        parts = report.parts(detail["spans"])
        # JPEG, two masks, the confident-disagreement mask, the feature's part; cells, counts;
        # the objects' boxes (view/objects.py with_boxes)
        assert detail["header"]["parts"] == 5 and len(parts) == 8
        assert parts[4] == f"B{key}".encode()


def test_thumbnails_are_the_stores_own_bytes(explorer: SegExplorer, tmp_path: Path) -> None:
    report = _report(explorer, tmp_path)
    thumbs = report.data["thumbs"]
    store = explorer.results.images
    assert (
        thumbs["kind"] == "thumbs" and thumbs["parts"] == 3 and thumbs["image_mime"] == "image/jpeg"
    )
    assert [item["index"] for item in thumbs["items"]] == list(range(N))
    for i, (item, spans) in enumerate(zip(thumbs["items"], thumbs["spans"], strict=True)):
        assert tuple(report.parts(spans)) == store.encoded(i, thumbnail=True)
        height, width = decode(store.encoded(i, thumbnail=True)[1]).shape
        assert (item["width"], item["height"]) == (width, height)


def test_detail_views_of_the_highest_losses_and_the_open_image(
    explorer: SegExplorer, tmp_path: Path
) -> None:
    results = explorer.results
    order = _by_loss(results.losses)
    explorer.selected_image = order[-1]
    try:
        report = _report(explorer, tmp_path, max_images=5)
    finally:
        explorer.selected_image = None
    details = report.data["details"]
    assert [int(k) for k in details] == [*order[:5], order[-1]]
    for key, detail in details.items():
        i = int(key)
        parts = report.parts(detail["spans"])
        assert tuple(parts[:3]) == results.images.encoded(i)
        dense = np.zeros(len(HOSTILE) ** 2, dtype=np.int64)
        n = detail["header"]["parts"]  # the cells and counts follow the image's parts
        dense[np.frombuffer(parts[n], "<i4")] = np.frombuffer(parts[n + 1], "<i4")
        np.testing.assert_array_equal(dense.reshape(len(HOSTILE), -1), results.image_confusion(i))
        header = detail["header"]
        assert header["index"] == i and "request" not in header
        assert header["loss"] == float(results.losses[i])
    left_out = " ".join(report.meta["left_out"])
    assert "the 5 images with the highest loss and the one open" in left_out
    assert f"the other {N - 6} open at thumbnail size" in left_out
    assert f"Thumbnails for all {N} images" in left_out


def test_max_images_caps_and_the_statement_says_so(explorer: SegExplorer, tmp_path: Path) -> None:
    every = _report(explorer, tmp_path, "all.html", max_images=None)
    none = _report(explorer, tmp_path, "none.html", max_images=0)
    assert len(every.data["details"]) == N and len(none.data["details"]) == 0
    assert f"Full-size detail views for all {N} images." in every.meta["left_out"]
    assert any(
        f"no image; the other {N} open at thumbnail size" in s for s in none.meta["left_out"]
    )
    full = sum(len(b) for b in explorer.results.images.parts["image"])
    assert len(every.blob) - len(none.blob) >= full  # the full-size pictures, at least
    assert (tmp_path / "none.html").stat().st_size < (tmp_path / "all.html").stat().st_size


def _nearest(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-pixel resampling by definition: output pixel centres mapped back to the source."""
    rows = np.floor((np.arange(height) + 0.5) * mask.shape[0] / height).astype(int)
    cols = np.floor((np.arange(width) + 0.5) * mask.shape[1] / width).astype(int)
    return mask[rows][:, cols]


def test_thumb_side_shrinks_pictures_and_keeps_class_indices(
    explorer: SegExplorer, tmp_path: Path
) -> None:
    report = _report(explorer, tmp_path, thumb_side=10)
    store = explorer.results.images
    for i, (item, spans) in enumerate(
        zip(report.data["thumbs"]["items"], report.data["thumbs"]["spans"], strict=True)
    ):
        jpeg, truth, pred = report.parts(spans)
        assert max(item["width"], item["height"]) == 10
        assert Image.open(io.BytesIO(jpeg)).size == (item["width"], item["height"])
        for part, stored in ((truth, 1), (pred, 2)):
            small = decode(part)
            assert small.shape == (item["height"], item["width"])
            original = decode(store.encoded(i, thumbnail=True)[stored])
            np.testing.assert_array_equal(small, _nearest(original, *small.shape))
    assert "at most 10 px" in report.meta["left_out"][0]
    assert report.data["details"]  # detail views stay full size


def test_hostile_text_stays_inside_its_elements(explorer: SegExplorer, tmp_path: Path) -> None:
    title = "</title><script>window.__xss=1</script> & </SCRIPT"
    report = _report(explorer, tmp_path, title=title)
    ids = [attrs.get("id") for attrs, _ in report.scripts]
    assert ids == ["segwidget-meta", "segwidget-data", "segwidget-esm", "segwidget-report-js",
                   "segwidget-blob", None]  # fmt: skip
    assert report.scripts[-1][1] == LOADER  # the one script that runs, as written
    assert report.title == title
    assert report.meta["title"] == title
    assert report.state()["classes"] == HOSTILE
    for attrs, body in report.scripts[:2]:
        assert attrs["type"] == "application/json"
        assert not re.search(r"</script|<!--|<script", body, re.IGNORECASE)


def test_the_policy_allows_only_the_loader_and_no_network(
    explorer: SegExplorer, tmp_path: Path
) -> None:
    report = _report(explorer, tmp_path)
    rules = dict(rule.strip().split(" ", 1) for rule in report.policy.split(";"))
    digest = base64.b64encode(hashlib.sha256(LOADER.encode()).digest()).decode()
    assert rules["default-src"] == "'none'"
    assert rules["script-src"] == f"'sha256-{digest}' blob:"
    assert "connect-src" not in rules and "http" not in report.policy
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", report.html, re.IGNORECASE)


def test_results_save_html_is_a_fresh_explorers(explorer: SegExplorer, tmp_path: Path) -> None:
    a = explorer.results.save_html(tmp_path / "a.html", max_images=3)
    b = SegExplorer(results=explorer.results).save_html(tmp_path / "b.html", max_images=3)
    assert a.read_bytes() == b.read_bytes()


def test_results_without_images_say_so(tmp_path: Path) -> None:
    bare = SegExplorer(
        torch.nn.Conv2d(3, 5, 1), _batches(), HOSTILE, progress=False, keep_images=False
    )
    report = _report(bare, tmp_path)
    assert report.data["thumbs"] is None and report.data["details"] == {}
    assert "kept no images" in report.meta["left_out"][0]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_images": -1}, "max_images"),
        ({"max_images": 2.5}, "max_images"),
        ({"thumb_side": 4}, "thumb_side"),
        ({"max_mb": 0}, "max_mb"),
        ({"max_mb": "25"}, "max_mb"),
        ({"title": 3}, "title"),
    ],
)
def test_bad_options_are_refused(
    explorer: SegExplorer, tmp_path: Path, options: dict, message: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        explorer.save_html(tmp_path / "x.html", **options)
    assert not (tmp_path / "x.html").exists()


def test_a_10000_by_150_report_at_default_caps_is_under_25_mb(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "browser"))
    from sw_e2e import ade_like

    results = ade_like(10_000)
    report = read_report(results.save_html(tmp_path / "big.html"))
    size = (tmp_path / "big.html").stat().st_size
    assert size < 25 * 2**20, f"{size / 2**20:.1f} MiB"
    assert len(report.data["thumbs"]["items"]) == 10_000
    assert [int(k) for k in report.data["details"]] == _by_loss(results.losses)[:200]


@pytest.fixture(scope="module")
def demo() -> SegExplorer:
    from segwidget.demo import CLASSES, load_model, valid_loader

    return SegExplorer(load_model(), valid_loader(), CLASSES, progress=False)


def test_the_demo_report_at_default_settings_is_under_5_mb(
    demo: SegExplorer, tmp_path: Path
) -> None:
    path = demo.save_html(tmp_path / "demo.html")
    assert path.stat().st_size < 5 * 2**20, f"{path.stat().st_size / 2**20:.1f} MiB"
    report = read_report(path)
    assert len(report.data["details"]) == demo.results.n_images  # all 160 fit under the cap
    assert "(as stored)" in report.meta["left_out"][0]


def test_max_mb_shrinks_the_thumbnails_until_the_file_fits(
    demo: SegExplorer, tmp_path: Path
) -> None:
    full = demo.save_html(tmp_path / "full.html", max_mb=None)
    # the full-size detail views stay: the thumbnails alone can save about a fifth here
    budget = 0.85 * full.stat().st_size / 2**20
    small = demo.save_html(tmp_path / "small.html", max_mb=budget)
    assert small.stat().st_size <= budget * 2**20
    report = read_report(small)
    sides = [max(item["width"], item["height"]) for item in report.data["thumbs"]["items"]]
    assert 32 <= max(sides) < 128
    assert f"shrunk to keep the file under {budget:g} MiB" in report.meta["left_out"][0]
    detail = next(iter(report.data["details"].values()))
    assert (detail["header"]["width"], detail["header"]["height"]) == (128, 96)  # full size
    # an explicit thumb_side is kept whatever the size
    fixed = read_report(demo.save_html(tmp_path / "fixed.html", thumb_side=120, max_mb=0.1))
    assert max(max(i["width"], i["height"]) for i in fixed.data["thumbs"]["items"]) == 120


def test_max_mb_out_of_reach_warns_and_names_max_images(
    explorer: SegExplorer, tmp_path: Path
) -> None:
    with pytest.warns(UserWarning, match="smaller max_images"):
        path = explorer.save_html(tmp_path / "x.html", max_mb=0.01)
    assert path.stat().st_size > 0.01 * 2**20
