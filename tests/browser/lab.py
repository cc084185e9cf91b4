"""The demo explorer open in JupyterLab, shared by the browser test modules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from checks import GALLERY, HEATMAP
from harness import NotebookDriver

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips these tests (or fails them in CI)
    expect = None

SETUP = """\
from segwidget import SegExplorer
from segwidget.demo import CLASSES, load_model, valid_loader
from sw_e2e import busiest_class, busiest_off_diagonal, emit, ranking, synthetic

explorer = SegExplorer(load_model(), valid_loader(), CLASSES)"""
XSS = "<img src=x onerror=window.__xss=1>"
WAIT = 20_000  # ms, for DOM state that follows a kernel round trip
ANY_VALUE = re.compile(".*")
CELL = "emit(cell=explorer.selected_cell)"
IMAGE = "emit(image=explorer.selected_image)"


@dataclass
class Lab:
    nb: NotebookDriver
    page: Any
    root: Any  # the explorer's widget root
    n_images: int
    classes: list[str]
    cell: tuple[int, int]  # an off-diagonal cell found in many (not all) images
    other: tuple[int, int]  # another one
    diagonal: int  # a class found in many (not all) images

    @property
    def heatmap(self) -> Any:
        return self.root.locator(HEATMAP)

    @property
    def gallery(self) -> Any:
        return self.root.locator(GALLERY)

    def rank(self, code: str) -> dict[str, Any]:
        """``Results.rank`` (or any ``Ranking`` expression) computed in the kernel."""
        return self.nb.value(f"emit(**ranking({code}))")

    def expect_selected(self, cell: tuple[int, int] | None) -> None:
        if cell is None:
            expect(self.root).not_to_have_attribute("data-selected-true", ANY_VALUE, timeout=WAIT)
            expect(self.root).not_to_have_attribute("data-selected-pred", ANY_VALUE, timeout=WAIT)
        else:
            expect(self.root).to_have_attribute("data-selected-true", str(cell[0]), timeout=WAIT)
            expect(self.root).to_have_attribute("data-selected-pred", str(cell[1]), timeout=WAIT)
