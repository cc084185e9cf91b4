"""Shared fixtures for the kernel-side tests (helpers live in models.py and references.py)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last (a stable sort keeps every other order).

    Their Playwright session (sync API) leaves its asyncio loop marked as running in the main
    thread until the session ends; a later test of code that hands work to the caller's
    running loop (the failure map's worker, as in a kernel) would take it for the kernel's
    and wait for a loop that never turns.
    """
    items.sort(key=lambda item: item.nodeid.startswith("tests/browser/"))
