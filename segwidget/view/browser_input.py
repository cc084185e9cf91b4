"""Untrusted input from the browser: the shape of a widget comm message, its binary buffers,
read without raising (summaries of what it sent come from ``results/summary.py``).

Anything that speaks the widget protocol may send any JSON and any buffers. Nothing here
raises on them: a message is either read or refused with a reason, and a summary never
grows with the value it describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..results.summary import summarize

# The methods ipywidgets answers from a browser; anything else is refused before it is logged whole.
METHODS = ("update", "request_state", "custom")


@dataclass(frozen=True)
class CommMessage:
    """A widget comm message whose envelope has the expected shape (its payload may not)."""

    method: str
    data: dict[str, Any]
    buffers: list[bytes | memoryview]


def read_comm_message(msg: Any) -> CommMessage | str:
    """The parts of a comm message (``{"content": {"data": {"method": ...}}, "buffers": [...]}``),
    or why it is not one a widget answers."""
    content = msg.get("content") if isinstance(msg, dict) else None
    data = content.get("data") if isinstance(content, dict) else None
    if not isinstance(data, dict):
        return "no message data"
    method = data.get("method")
    if method not in METHODS:
        return f"unknown method {summarize(method)}"
    buffers = msg.get("buffers")  # a kernel always sets it, maybe to []
    if not isinstance(buffers, list) or not all(_is_buffer(b) for b in buffers):
        return "buffers are not a list of bytes"
    return CommMessage(method, data, buffers)


def place_buffers(
    state: dict[str, Any], paths: Any, buffers: list[bytes | memoryview]
) -> str | None:
    """Put each binary buffer into ``state`` at its path (ipywidgets' ``buffer_paths``).

    Returns why the paths cannot be followed (then ``state`` must be dropped), else ``None``.
    """
    if not isinstance(paths, list) or len(paths) > len(buffers):
        return "buffer_paths must be a list with one path per buffer"
    for path, buffer in zip(paths, buffers, strict=False):
        if not isinstance(path, list) or not path:
            return f"buffer path {summarize(path)} is not a list of keys"
        parent: Any = state
        for key in path[:-1]:
            parent = _child(parent, key)
            if parent is None:
                return f"buffer path {summarize(path)} leads nowhere"
        last = path[-1]
        into_dict = isinstance(parent, dict) and isinstance(last, str)
        if not (into_dict or (isinstance(parent, list) and _is_position(last, len(parent)))):
            return f"buffer path {summarize(path)} leads nowhere"
        parent[last] = buffer
    return None


def _child(parent: Any, key: Any) -> Any:
    if isinstance(parent, dict) and isinstance(key, str):
        return parent.get(key)
    if isinstance(parent, list) and _is_position(key, len(parent)):
        return parent[key]
    return None


def _is_position(key: Any, size: int) -> bool:
    return isinstance(key, int) and not isinstance(key, bool) and 0 <= key < size


def _is_buffer(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | memoryview)
