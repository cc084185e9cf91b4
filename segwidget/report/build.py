"""The offline report: one HTML file that runs the explorer's own ES module without a kernel.

``save_html`` embeds every synced trait of the explorer (so a feature's new traits travel
with no change here), and the kernel's own replies to the browser's requests, asked through
``SegExplorer._reply`` exactly as the notebook asks: the thumbnail of every image and the
full-size detail of the first ``max_images`` by loss. The page (``js/src/report/report.ts``) gives
the module a stand-in for the anywidget model that answers those requests from the file.
``report_html.py`` writes the page.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np

from ..results.imaging import decode, encode_jpeg, encode_png, shrink
from ..view import protocol
from .page import Blob, page

if TYPE_CHECKING:
    from ..results.core import Results
    from ..view.widget import SegExplorer

DEFAULT_MAX_IMAGES = 200
DEFAULT_MAX_MB = 25.0
_MIN_SIDE = 32  # the smallest thumbnails max_mb shrinks to
_SAMPLE = 200  # thumbnails shrunk to estimate the size at a smaller side
# The widget framework's own traits (module code, view names, layout): the page supplies them.
_FRAMEWORK = frozenset(anywidget.AnyWidget.class_trait_names(sync=True)) | {
    "_esm",
    "_css",
    "_anywidget_id",
}
_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class Report:
    """What a report holds, before it is written as HTML (``report_html.page``)."""

    state: dict[str, Any] = field(default_factory=dict)
    buffers: list[dict[str, Any]] = field(default_factory=list)  # path, span into the blob
    thumbs: dict[str, Any] | None = None  # the reply header shared by all, items, their spans
    details: dict[int, dict[str, Any]] = field(default_factory=dict)  # index -> header, spans
    meta: dict[str, Any] = field(default_factory=dict)
    blob: Blob = field(default_factory=Blob)
    thumb_bytes: int = 0  # the blob's bytes that only the thumbnails use
    asked: list[tuple[dict[str, Any], list[bytes]]] = field(default_factory=list)  # as replied

    def html(self) -> str:
        return page(self.state, self.buffers, self.thumbs, self.details, self.meta, self.blob)


def save_html(
    explorer: SegExplorer,
    path: str | Path,
    *,
    max_images: int | None = DEFAULT_MAX_IMAGES,
    thumb_side: int | None = None,
    max_mb: float | None = DEFAULT_MAX_MB,
    title: str | None = None,
) -> Path:
    """Write the explorer as one self-contained HTML file (no kernel, no network).

    Parameters
    ----------
    explorer
        The explorer, in its current state (selection, classes shown, options).
    path
        The ``.html`` file to write.
    max_images
        Images whose full-size detail view is embedded: the ``max_images`` with the
        highest loss, and the one open now (``None``: every image). The others open
        at thumbnail size.
    thumb_side
        Shrink thumbnails to at most this many pixels on their longer side. ``None``:
        as stored (128 px), unless the file would exceed ``max_mb``: then as large as fits
        (down to 32 px).
    max_mb
        The size (MiB) that ``thumb_side=None`` keeps the file under; ``None``: no limit.
    title
        The page's title (text).

    Returns
    -------
    Path
        The file written; the page itself says what it holds and what was left out.
    """
    # booleans are ints to Python, but True is no number of images (nor a size)
    if max_images is not None and (_not_int(max_images) or max_images < 0):
        raise ValueError(f"max_images must be None or an int >= 0; got {max_images!r}")
    if thumb_side is not None and (_not_int(thumb_side) or thumb_side < 8):
        raise ValueError(f"thumb_side must be None or an int >= 8; got {thumb_side!r}")
    if max_mb is not None and (_not_number(max_mb) or not max_mb > 0):
        raise ValueError(f"max_mb must be None or a number > 0; got {max_mb!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string; got {type(title).__name__}")
    budget = None if thumb_side is not None or max_mb is None else int(max_mb * 2**20)
    side = thumb_side
    while True:
        report = build(explorer, max_images=max_images, thumb_side=side, title=title,
                       budget=budget)  # fmt: skip
        text = report.html()
        size = len(text.encode("utf-8"))
        if budget is None or size <= budget or report.thumbs is None or side == _MIN_SIDE:
            break
        side = _side_that_fits(report, size, budget, side)
    if budget is not None and size > budget:
        warnings.warn(
            f"the report is {size / 2**20:.1f} MiB, over max_mb={max_mb:g} even with "
            f"{_MIN_SIDE} px thumbnails: a smaller max_images makes it smaller",
            stacklevel=2,
        )
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path


def _not_int(value: Any) -> bool:
    return isinstance(value, bool) or not isinstance(value, int)


def _not_number(value: Any) -> bool:
    return isinstance(value, bool) or not isinstance(value, int | float)


def _side_that_fits(report: Report, size: int, budget: int, side: int | None) -> int:
    """The largest thumbnail side (a multiple of 8, below the current one) at which the file
    should fit: the thumbnails' bytes at each side estimated by shrinking an even sample."""
    asked = report.asked
    picks = sorted({round(k * (len(asked) - 1) / (_SAMPLE - 1)) for k in range(_SAMPLE)})
    sample = [asked[k] for k in picks if k < len(asked)]
    now = side or max(max(int(item["width"]), int(item["height"])) for item, _ in asked)

    def sample_bytes(at: int) -> int:
        return sum(len(p) for item, parts in sample for p in _shrunk(item, parts, at)[1])

    base = max(sample_bytes(now), 1)

    def fits(at: int) -> bool:
        thumbs = report.thumb_bytes * sample_bytes(at) / base
        return size - 4 / 3 * (report.thumb_bytes - thumbs) <= 0.97 * budget  # base64: 4/3

    sides = list(range(now - 8 - (now % 8), _MIN_SIDE - 1, -8))  # largest first
    lo, hi = 0, len(sides)  # the first side that fits lies in sides[lo:hi]
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(sides[mid]):
            hi = mid
        else:
            lo = mid + 1
    return sides[lo] if lo < len(sides) else _MIN_SIDE


def save_results_html(results: Results, path: str | Path, **options: Any) -> Path:
    """``save_html`` of an explorer showing ``results`` as it first opens."""
    from ..view.widget import SegExplorer

    explorer = SegExplorer(results=results)
    try:
        return save_html(explorer, path, **options)
    finally:
        explorer.close()


def build(
    explorer: SegExplorer,
    *,
    max_images: int | None = DEFAULT_MAX_IMAGES,
    thumb_side: int | None = None,
    title: str | None = None,
    budget: int | None = None,
) -> Report:
    """The report's content: state, replies and the statement of what it holds."""
    results = explorer.results
    report = Report()
    explorer._fill_map()  # the failure map's coordinates and k-nearest lists travel too
    report.state = _state(explorer.get_state(), report)
    has_images = results.images is not None
    n = results.n_images
    detailed: list[int] = []
    if has_images and n > 0:
        detailed = _detailed(explorer, max_images)
        for i in detailed:
            report.details[i] = _detail(explorer, i, report.blob)
        before = len(report.blob)  # what only the thumbnails need (bytes are stored once)
        report.thumbs = _thumbs(explorer, n, thumb_side, report)
        report.thumb_bytes = len(report.blob) - before
    sizes = _thumb_sizes(thumb_side, budget)
    report.meta = {
        "title": title if title is not None else f"segwidget report · {n:,} images",
        "left_out": _left_out(n, len(detailed), has_images, max_images, sizes),
        "n_images": n,
        "detailed": len(detailed),
        "thumb_side": thumb_side,
    }
    return report


def _thumb_sizes(side: int | None, budget: int | None) -> str:
    if side is None:
        return "as stored"
    if budget is None:
        return f"at most {side} px"
    return f"at most {side} px, shrunk to keep the file under {budget / 2**20:g} MiB"


def _state(state: dict[str, Any], report: Report) -> dict[str, Any]:
    """Every synced trait but the framework's; binary values move to the blob (by path)."""
    kept = {k: v for k, v in state.items() if k not in _FRAMEWORK}
    return {k: _without_buffers(v, [k], report) for k, v in kept.items()}


def _without_buffers(value: Any, path: list[Any], report: Report) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        report.buffers.append({"path": path, "span": report.blob.add(bytes(value))})
        return None
    if isinstance(value, dict):
        return {k: _without_buffers(v, [*path, k], report) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_buffers(v, [*path, i], report) for i, v in enumerate(value)]
    return value


def _ask(explorer: SegExplorer, content: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
    reply = explorer._reply(content)
    if reply is None:
        raise RuntimeError(f"the explorer did not answer {content}")
    return reply


def _thumbs(explorer: SegExplorer, n: int, side: int | None, report: Report) -> dict[str, Any]:
    """Every image's thumbnail reply item, asked in requests of the protocol's largest size."""
    shared: dict[str, Any] | None = None
    items: list[dict[str, Any]] = []
    spans: list[list[int]] = []
    step = protocol.MAX_THUMBS_PER_REQUEST
    for start in range(0, n, step):
        indices = list(range(start, min(n, start + step)))
        header, buffers = _ask(explorer, {"kind": "thumbs", "request": 0, "indices": indices})
        parts = int(header["parts"])
        rest = {k: v for k, v in header.items() if k not in ("items", "request")}
        if shared is None:
            shared = rest
        elif rest != shared:
            raise RuntimeError(f"thumbnail replies differ in their header: {rest} vs {shared}")
        for k, item in enumerate(header["items"]):
            own = buffers[parts * k : parts * (k + 1)]
            report.asked.append((item, own))
            if side is not None:
                item, own = _shrunk(item, own, side)
            items.append(item)
            spans.append([x for part in own for x in report.blob.add(part)])
    assert shared is not None
    return {**shared, "items": items, "spans": spans}


def _shrunk(
    item: dict[str, Any], parts: list[bytes], side: int
) -> tuple[dict[str, Any], list[bytes]]:
    """An item's pictures at most ``side`` px: JPEGs resampled, PNG masks by nearest pixel."""
    if max(int(item["width"]), int(item["height"])) <= side:
        return item, parts
    out = []
    for part in parts:
        if part.startswith(_JPEG):
            out.append(encode_jpeg(shrink(decode(part), side, nearest=False), quality=85))
        elif part.startswith(_PNG):
            mask = decode(part)
            if mask.ndim == 2 and mask.dtype != np.uint8:  # 16-bit masks decode as int32
                mask = mask.astype(np.uint16)
            out.append(encode_png(shrink(mask, side, nearest=True)))
        else:  # a part of a kind we cannot resize travels as it is
            out.append(part)
    height, width = decode(next(p for p in out if p.startswith(_PNG))).shape[:2]
    return {**item, "width": int(width), "height": int(height)}, out


def _detailed(explorer: SegExplorer, max_images: int | None) -> list[int]:
    """The images with a full-size detail view: highest loss first, and the open one."""
    order: list[int] = explorer.results.rank().indices.tolist()
    chosen = order if max_images is None else order[:max_images]
    open_now = explorer.selected_image
    if open_now is not None and open_now not in chosen:
        chosen.append(int(open_now))
    return chosen


def _detail(explorer: SegExplorer, index: int, blob: Blob) -> dict[str, Any]:
    header, buffers = _ask(explorer, {"kind": "detail", "request": 0, "index": index})
    header = {k: v for k, v in header.items() if k != "request"}
    return {"header": header, "spans": [x for part in buffers for x in blob.add(part)]}


def _left_out(
    n: int, detailed: int, has_images: bool, max_images: int | None, sizes: str
) -> list[str]:
    """What the page says it holds and leaves out, one sentence each."""
    if not has_images:
        return ["These results kept no images: the gallery and the detail view have none to show."]
    lines = [f"Thumbnails for all {n:,} images ({sizes})."]
    if detailed >= n:
        lines.append(f"Full-size detail views for all {n:,} images.")
    else:
        first = f"the {max_images:,} images with the highest loss" if max_images else "no image"
        extra = detailed - (max_images or 0)
        also = " and the one open when the report was saved" if extra > 0 else ""
        lines.append(
            f"Full-size detail views for {first}{also}; the other {n - detailed:,} open at "
            "thumbnail size (max_images= sets how many)."
        )
    lines.append(
        "Without a kernel, Python calls (explorer.rank, class_table, ...) are not available; "
        "the IoU chart and the loss histogram are drawn by the page."
    )
    return lines
