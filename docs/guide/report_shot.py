"""The screenshot of the demo's offline report in docs/guide/sharing-a-report.md.

The demo's report (road → sidewalk selected, metadata kept), opened from disk in headless
Chromium with every request but ``file://`` refused, the first image's detail view opened;
a 1400 × 900 screenshot of the page.

Run: ``python docs/guide/report_shot.py [docs/report.png]`` (Chromium at /usr/bin/chromium).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from segwidget import SegExplorer, analyze
from segwidget.demo import CLASSES, load_model, valid_loader, valid_metadata


def main(path: Path) -> None:
    results = analyze(
        load_model(), valid_loader(), CLASSES, metadata=valid_metadata(), progress=False
    )
    explorer = SegExplorer(results=results)
    explorer.selected_cell = (CLASSES.index("road"), CLASSES.index("sidewalk"))
    html = Path(tempfile.mkdtemp(prefix="segwidget-report-")) / "demo.html"
    explorer.save_html(html, title="segwidget demo")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith("file:") else route.abort()
            ),
        )
        page.goto(html.as_uri())
        page.locator('[data-testid="segwidget-thumb"]').first.click()
        detail = page.locator('[data-testid="segwidget-detail"]')
        detail.locator('[data-testid="segwidget-panel"][data-kind="image"]').wait_for()
        page.wait_for_timeout(1000)  # the detail's pictures decoded and painted
        page.screenshot(path=str(path))
        browser.close()
    print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report.png"))
