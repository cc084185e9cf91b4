"""mkdocs hook: the site's wire-protocol page shows PROTOCOL.md as it is in the repository.

PROTOCOL.md is written line by line for both sides' implementers (rules as lists that follow
their paragraph directly, continuation lines aligned in columns), which Markdown would reflow
into one paragraph. Each section's body is kept as preformatted text under its heading, so
the page reads as the file does and the headings still make the page's table of contents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PROTOCOL = Path(__file__).resolve().parents[2] / "PROTOCOL.md"


def as_page(text: str) -> str:
    """PROTOCOL.md's headings as headings, every section's body in a ``text`` block."""
    out: list[str] = []
    body: list[str] = []

    def flush() -> None:
        while body and not body[-1].strip():
            body.pop()
        while body and not body[0].strip():
            body.pop(0)
        if body:
            out.extend(["", "```text", *body, "```", ""])
        body.clear()

    for line in text.splitlines():
        if line.startswith("#"):
            flush()
            out.extend(["", line, ""])
        else:
            body.append(line)
    flush()
    return "\n".join(out).strip() + "\n"


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if page.file.src_uri != "protocol.md":
        return markdown
    return as_page(PROTOCOL.read_text(encoding="utf-8"))
