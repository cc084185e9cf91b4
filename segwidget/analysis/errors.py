"""The pass's own error: where it stopped, and what it kept."""

from __future__ import annotations

from typing import Any


class AnalysisError(RuntimeError):
    """The pass stopped at a batch; ``.results`` holds the batches completed before it
    (for ``analyze_models``, a list with one ``Results`` per model)."""

    results: Any = None
