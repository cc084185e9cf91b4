"""Keyboard and assistive technology in a real JupyterLab and Chromium, and axe-core's audit.

- The key sequence the issue counts: from the explorer's first Tab stop to the cell 3 rows
  down and 2 columns right of the top-left drawn cell selected, and its first image open in
  the detail view, in at most 12 presses; the arrows move a focus cell without selecting, a
  live region names the focused cell's two classes, Space selects without scrolling.
- axe-core (npm devDependency, injected from node_modules) with the WCAG 2.1 A/AA and the
  WCAG 2.2 target-size rules on the explorer in Lab's light, dark and dark high-contrast
  themes, and on the whole offline report page: no critical and no serious violation.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from checks import DETAIL, HEATMAP, PANEL, ROOT, THUMB, shot
from lab import CELL, IMAGE, WAIT, Lab, expect
from report_page import open_report
from sw_e2e import busiest_off_diagonal, synthetic

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, and WCAG 2.2's target size (24 × 24 CSS px), which axe tags wcag22aa
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MAX_PRESSES = 12
LIVE = '[data-testid="segwidget-live"]'
# the first control of the explorer that Tab reaches from the page (its first Tab stop)
FIRST_STOP = """(root) => {
  const sel = 'a[href], button, input, select, textarea, [tabindex]';
  const el = [...root.querySelectorAll(sel)].find((e) => e.tabIndex >= 0 && !e.disabled &&
    !e.closest('[hidden]') && e.getClientRects().length > 0);
  el.focus();
  return el.outerHTML.slice(0, 80);
}"""
ACTIVE = "() => document.activeElement.outerHTML.slice(0, 160)"
SCROLLER = "() => document.querySelector('.jp-WindowedPanel-outer, .jp-Notebook').scrollTop"


def audit(page: Any, include: str | None) -> list[dict[str, Any]]:
    """axe-core's violations of TAGS in `include` (a selector) or the whole page."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    context = json.dumps({"include": [include]}) if include else "document"
    return page.evaluate(
        f"async () => (await axe.run({context}, {{runOnly: {{type: 'tag', values: {TAGS}}}}}))"
        ".violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map((n) => [n.target.join(' '), n.failureSummary])}))"
    )


def assert_no_serious(violations: list[dict[str, Any]], where: str) -> None:
    bad = [v for v in violations if v["impact"] in ("critical", "serious")]
    assert not bad, f"axe-core, {where}: " + json.dumps(bad, indent=1)


@pytest.mark.usefixtures("fresh")
def test_keyboard_reaches_a_cell_and_its_first_image_in_few_presses(lab: Lab) -> None:
    page, root = lab.page, lab.root
    rows, cols = lab.heatmap.evaluate(
        "(c) => [JSON.parse(c.dataset.rows), JSON.parse(c.dataset.cols)]"
    )
    assert len(rows) >= 4 and len(cols) >= 3, f"too few drawn classes: {rows}, {cols}"
    t, p = rows[3], cols[2]  # 3 rows down and 2 columns right of the top-left drawn cell
    root.scroll_into_view_if_needed()
    root.evaluate(FIRST_STOP)
    presses = 0

    def press(key: str) -> None:
        nonlocal presses
        presses += 1
        page.keyboard.press(key)

    press("Tab")  # the toolbar is one stop: the next is the heatmap
    expect(lab.heatmap).to_be_focused()
    expect(root).to_have_attribute("data-focus-true", str(rows[0]), timeout=WAIT)
    expect(root).to_have_attribute("data-focus-pred", str(cols[0]), timeout=WAIT)
    for key in ["ArrowDown"] * 3 + ["ArrowRight"] * 2:
        press(key)
    expect(root).to_have_attribute("data-focus-true", str(t), timeout=WAIT)
    expect(root).to_have_attribute("data-focus-pred", str(p), timeout=WAIT)
    assert root.get_attribute("data-selected-true") is None, "an arrow selected a cell"
    live = root.locator(LIVE)
    expect(live).to_have_attribute("aria-live", "polite")
    text = live.inner_text()
    name = lab.classes
    assert text.startswith(f"{name[t]} → {name[p]}:"), f"the live region reads {text!r}"
    shot(lab.heatmap.locator(".."), "a11y-00-focus-cell")  # the dashed focus cell and its tooltip
    scrolled = page.evaluate(SCROLLER)
    press(" ")  # Space selects, and does not scroll the notebook
    lab.expect_selected((t, p))
    assert page.evaluate(SCROLLER) == scrolled, "Space scrolled the page"
    # the gallery re-ranked with the selection (in the browser); the kernel is asked only after
    # the last key, since running a cell takes the focus
    first_tile = lab.gallery.locator(f'{THUMB}[data-rank="0"]')
    press("Tab")  # the gallery, its cursor on the first image
    active = page.evaluate(ACTIVE)
    assert "segwidget-gallery" in active, f"Tab from the heatmap went to {active}"
    cursor = lab.gallery.locator(f'{THUMB}[aria-selected="true"]')
    expect(cursor).to_have_attribute("data-rank", "0", timeout=WAIT)
    first = int(first_tile.get_attribute("data-index"))
    press("Enter")
    detail = root.locator(DETAIL)
    expect(detail).to_be_visible(timeout=WAIT)
    expect(detail).to_have_attribute("data-index", str(first), timeout=WAIT)
    expect(lab.gallery.locator(f'{THUMB}[aria-current="true"]')).to_have_attribute(
        "data-index", str(first), timeout=WAIT
    )
    assert lab.nb.wait_value(CELL, "cell", [t, p]) == [t, p]
    assert lab.rank(f"explorer.rank({t}, {p})")["indices"][0] == first
    assert lab.nb.wait_value(IMAGE, "image", first) == first
    assert presses <= MAX_PRESSES, f"{presses} key presses"
    shot(lab.nb.cell(1), "a11y-01-keyboard")


@pytest.mark.usefixtures("fresh")
def test_axe_finds_nothing_serious_in_the_explorer_light_dark_and_high_contrast(lab: Lab) -> None:
    lab.root.scroll_into_view_if_needed()
    selector = f".jp-OutputArea-output {ROOT}"
    assert_no_serious(audit(lab.page, selector), "explorer, JupyterLab Light")
    # and with a cell selected and an image open: the detail's panels, tables and charts too
    t, p = lab.cell
    first = lab.rank(f"explorer.rank({t}, {p})")["indices"][0]
    lab.nb.run(f"explorer.selected_cell = ({t}, {p})\nexplorer.selected_image = {first}")
    expect(lab.root.locator(DETAIL)).to_have_attribute("data-index", str(first), timeout=WAIT)
    expect(lab.root.locator(f"{DETAIL} {PANEL}").first).to_be_visible(timeout=WAIT)
    _expect_loaded(lab.root.locator(DETAIL))
    assert_no_serious(audit(lab.page, selector), "explorer with a detail, JupyterLab Light")
    try:
        for theme in ("JupyterLab Dark", "JupyterLab Dark High Contrast"):
            lab.nb.command("apputils:change-theme", {"theme": theme})
            lab.page.wait_for_function(
                "(name) => document.body.dataset.jpThemeName === name", arg=theme
            )
            expect(lab.root).to_have_attribute("data-theme", "dark", timeout=WAIT)
            lab.page.wait_for_timeout(300)  # the theme's stylesheet applied
            assert_no_serious(audit(lab.page, selector), f"explorer with a detail, {theme}")
    finally:
        lab.nb.command("apputils:change-theme", {"theme": "JupyterLab Light"})
        lab.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")


@pytest.mark.usefixtures("artifacts")
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_offline_report(
    pages: Any, tmp_path_factory: pytest.TempPathFactory, scheme: str
) -> None:
    results = synthetic(240, ["road", "sidewalk", "building", "car", "sky", "person"], side=32)
    results.metadata = {"site": np.array(["depot", "yard", "street"] * 80)}
    path = results.save_html(tmp_path_factory.mktemp("a11y") / "report.html")
    # the report's CSP allows its own script only: axe's tag needs the context to bypass it
    opened = open_report(pages, f"report-a11y-{scheme}", path, scheme=scheme, bypass_csp=True)
    try:
        expect(opened.root.locator(HEATMAP)).to_be_visible(timeout=WAIT)
        assert_no_serious(audit(opened.page, None), f"offline report, {scheme}")
        # a cell selected (the IoU bars of other classes fade) and an image open
        t, p = busiest_off_diagonal(results)
        opened.click_cell(t, p)
        expect(opened.root).to_have_attribute("data-selected-true", str(t), timeout=WAIT)
        opened.root.locator(f'{THUMB}[data-rank="0"]').click()
        expect(opened.root.locator(DETAIL)).to_be_visible(timeout=WAIT)
        _expect_loaded(opened.root.locator(DETAIL))
        assert_no_serious(audit(opened.page, None), f"offline report with a detail, {scheme}")
    finally:
        pages.close(f"report-a11y-{scheme}")


def _expect_loaded(detail: Any) -> None:
    """The detail's image has arrived: while it loads, the previous image's panels stay
    dimmed in its place (no flicker), which is not the state to audit for contrast."""
    expect(detail).not_to_have_class(re.compile(r"\bsw-loading\b"), timeout=WAIT)
