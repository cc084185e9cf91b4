"""Bounded summaries of any value, for error messages and logs: a value from a user or a
browser is described in at most ``SUMMARY_CHARS`` characters, however large it is.
"""

from __future__ import annotations

import reprlib
from typing import Any

SUMMARY_CHARS = 300  # the longest summary of one value


def summarize(value: Any) -> str:
    """A short ``repr`` of ``value``: long strings, containers and numbers shown in part."""
    text = _BOUNDED.repr(value)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 3] + "..."


def describe_error(err: BaseException) -> str:
    """``Type: message``, the message cut short (a TraitError quotes the value it refused)."""
    message = str(err)
    if len(message) > SUMMARY_CHARS:
        message = message[: SUMMARY_CHARS - 3] + "..."
    return f"{type(err).__name__}: {message}"


class _BoundedRepr(reprlib.Repr):
    """``reprlib`` with bounds for what a browser can send: huge strings, ints and buffers."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = 80
        self.maxother = 80
        self.maxlevel = 3
        self.maxdict = 6
        self.maxlist = 6

    def repr_str(self, x: str, level: int) -> str:
        text = super().repr_str(x, level)
        return text if len(x) <= self.maxstring else f"{text} ({len(x)} characters)"

    def repr_int(self, x: int, level: int) -> str:
        # repr() of an int over 4300 digits raises; the size is what matters here anyway
        return (
            super().repr_int(x, level)
            if x.bit_length() <= 128
            else f"<int of {x.bit_length()} bits>"
        )

    def repr_bytes(self, x: bytes, level: int) -> str:
        return f"<{len(x)} bytes>"

    repr_bytearray = repr_bytes

    def repr_memoryview(self, x: memoryview, level: int) -> str:
        return f"<{x.nbytes} bytes>"


_BOUNDED = _BoundedRepr()
