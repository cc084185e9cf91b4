"""The offline report's page: the widget's ES module and CSS, the state and the images in one
HTML file, with a Content-Security-Policy that lets it reach nothing outside itself.

Every payload sits in a non-executed ``<script>`` element: JSON with ``<``, ``>`` and ``&``
escaped (a class name such as ``</script>`` stays inside its element), and base64 for the
two ES modules and the binary data. The one inline script is the fixed loader below, allowed
by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from pathlib import Path
from typing import Any

_STATIC = Path(__file__).parent.parent / "static"
# Imports the report's module (js/src/report/report.ts) from its base64 text, as anywidget imports a
# widget's ESM: through a blob URL.
LOADER = (
    'const text = document.getElementById("segwidget-report-js").textContent;'
    "const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));"
    'const url = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));'
    "const { open } = await import(url);"
    "await open(document);"
)


class Blob:
    """The report's binary data: byte strings appended once each (identical ones shared)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._at: dict[bytes, int] = {}
        self._size = 0

    def add(self, data: bytes) -> list[int]:
        """Add ``data`` (or find it) and return its ``[offset, length]``."""
        at = self._at.get(data)
        if at is None:
            at = self._at[data] = self._size
            self._chunks.append(data)
            self._size += len(data)
        return [at, len(data)]

    def __len__(self) -> int:
        return self._size

    def tobytes(self) -> bytes:
        return b"".join(self._chunks)


def script_json(value: Any) -> str:
    """JSON that cannot end the ``<script>`` element holding it (nor open a comment in it)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(char, escape)
    return text


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _hash(text: str) -> str:
    return "'sha256-" + _b64(hashlib.sha256(text.encode("utf-8")).digest()) + "'"


def _static(name: str) -> Path:
    path = _STATIC / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: build the front end (npm run build)")
    return path


def _css(name: str) -> str:
    text = _static(name).read_text(encoding="utf-8")
    if "</style" in text.lower():  # our own build; it would end the element early
        raise RuntimeError(f"{name} contains '</style'")
    return text


def page(
    state: dict[str, Any],
    buffers: list[dict[str, Any]],
    thumbs: dict[str, Any] | None,
    details: dict[int, dict[str, Any]],
    meta: dict[str, Any],
    blob: Blob,
) -> str:
    """The whole HTML document."""
    styles = [_css("widget.css"), _css("report.css")]
    policy = "; ".join([
        "default-src 'none'",
        f"script-src {_hash(LOADER)} blob:",
        "style-src " + " ".join(_hash(s) for s in styles),
        "img-src blob: data:",
    ])  # fmt: skip
    data = {
        "state": state,
        "buffers": buffers,
        "thumbs": thumbs,
        "details": {str(k): v for k, v in details.items()},
    }
    scripts: dict[str, tuple[str, str]] = {
        "segwidget-meta": ("application/json", script_json(meta)),
        "segwidget-data": ("application/json", script_json(data)),
        "segwidget-esm": ("text/plain", _b64(_static("widget.js").read_bytes())),
        "segwidget-report-js": ("text/plain", _b64(_static("report.js").read_bytes())),
        "segwidget-blob": ("text/plain", _b64(blob.tobytes())),
    }
    payloads = list(scripts.items())
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        '<meta name="generator" content="segwidget">',
        f"<title>{html.escape(str(meta['title']))}</title>",
        *(f"<style>{s}</style>" for s in styles),
        "</head>",
        "<body>",
        '<div id="segwidget-report"><noscript>This report needs JavaScript.</noscript></div>',
        *(f'<script type="{kind}" id="{name}">{text}</script>' for name, (kind, text) in payloads),
        f'<script type="module">{LOADER}</script>',
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
