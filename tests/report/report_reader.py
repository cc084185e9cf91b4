"""Reads an offline report back the way a browser's HTML parser splits it (tests only)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np


class _Elements(HTMLParser):
    """Every ``<script>``, ``<style>`` and ``<title>`` with its attributes and raw text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None], str]] = []
        self.metas: list[dict[str, str | None]] = []
        self._open: tuple[str, dict[str, str | None]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self.metas.append(dict(attrs))
        if tag in ("script", "style", "title"):
            self._open, self._text = (tag, dict(attrs)), []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open[0]:
            self.found.append((tag, self._open[1], "".join(self._text)))
            self._open = None


@dataclass
class ReadReport:
    html: str
    scripts: list[tuple[dict[str, str | None], str]]
    styles: list[str]
    title: str
    policy: str
    meta: dict[str, Any]
    data: dict[str, Any]
    blob: bytes
    esm: bytes
    report_js: bytes

    def span(self, span: list[int]) -> bytes:
        offset, length = span
        return self.blob[offset : offset + length]

    def parts(self, spans: list[int]) -> list[bytes]:
        return [self.span(spans[i : i + 2]) for i in range(0, len(spans), 2)]

    def state(self) -> dict[str, Any]:
        """The embedded state with every binary trait put back (as bytes) at its path."""
        state = json.loads(json.dumps(self.data["state"]))
        for entry in self.data["buffers"]:
            *head, last = entry["path"]
            at = state
            for key in head:
                at = at[key]
            at[last] = self.span(entry["span"])
        return state

    def array(self, name: str, dtype: str) -> np.ndarray:
        return np.frombuffer(self.state()[name], dtype=dtype)


def read_report(path: Path) -> ReadReport:
    text = path.read_text(encoding="utf-8")
    parser = _Elements()
    parser.feed(text)
    parser.close()
    scripts = [(attrs, body) for tag, attrs, body in parser.found if tag == "script"]
    by_id = {attrs.get("id"): body for attrs, body in scripts}
    policy = next(
        m.get("content") or ""
        for m in parser.metas
        if m.get("http-equiv") == "Content-Security-Policy"
    )
    return ReadReport(
        html=text,
        scripts=scripts,
        styles=[body for tag, _, body in parser.found if tag == "style"],
        title=next(body for tag, _, body in parser.found if tag == "title"),
        policy=policy,
        meta=json.loads(by_id["segwidget-meta"]),
        data=json.loads(by_id["segwidget-data"]),
        blob=base64.b64decode(by_id["segwidget-blob"]),
        esm=base64.b64decode(by_id["segwidget-esm"]),
        report_js=base64.b64decode(by_id["segwidget-report-js"]),
    )
