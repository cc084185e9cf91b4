"""The failure map's interaction timings, this front end against another commit's, in one session.

``bench_fmap.py`` times one front end; on a shared machine its figures drift from run to run,
so a before/after pair from two runs says little. This script builds the front end of
``--base`` (a git ref: its ``js/`` and ``package.json`` exported to a temporary folder and
bundled with this checkout's ``node_modules``), writes the same results' offline report twice
(once with each bundle), opens both in one headless Chromium and runs ``bench_fmap.py``'s box
selection, wheel and empty-frame scripts on them in turn, repeat after repeat, so that load
drift hits both alike. Prints medians and p95 per page; never asserts.

Run: ``python bench/bench_fmap_ab.py [--base main] [--images 10000] [--repeats 40]``
(build this checkout's front end first: ``npm run build``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "bench"))
import bench_fmap as fm  # noqa: E402
from sw_e2e import ade_like  # noqa: E402


def build_base(ref: str, where: Path) -> Path:
    """``ref``'s front end bundled into ``where/segwidget/static``; returns that folder."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "js", "package.json"],
        check=True,
        capture_output=True,
    ).stdout
    where.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    (where / "node_modules").symlink_to(ROOT / "node_modules")
    subprocess.run(["node", "js/build.mjs"], cwd=where, check=True, capture_output=True)
    return where / "segwidget" / "static"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git ref of the front end to compare with")
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    import segwidget.report.page as page_module

    tmp = Path(tempfile.mkdtemp(prefix="segwidget-fmap-ab-"))
    statics = {args.base: build_base(args.base, tmp / "base"), "this checkout": page_module._STATIC}
    results = ade_like(args.images, side=16)
    results.map()  # once, shared by both reports
    paths = {}
    for n, (name, static) in enumerate(statics.items()):
        page_module._STATIC = static  # the bundle the report embeds
        paths[name] = results.save_html(tmp / f"report-{n}.html", max_images=0)
    from playwright.sync_api import sync_playwright

    times: dict[str, dict[str, list[float]]] = {
        k: {"box": [], "wheel": [], "empty": []} for k in paths
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=fm.CHROMIUM, args=fm.ARGS)
        pages: dict[str, Any] = {}
        for name, path in paths.items():
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            page.route(
                "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
            )
            page.goto(path.as_uri())
            page.locator('[data-testid="segwidget-panel-tab"][data-panel="map"]').click()
            page.wait_for_function(
                f"() => document.querySelector('{fm.MAP}')?.dataset.points === '{args.images}'",
                timeout=120_000,
            )
            pages[name] = page
        for r in range(args.repeats):  # interleaved: drift hits both alike
            for name, page in pages.items():
                page.bring_to_front()
                times[name]["box"].append(page.evaluate(fm.BOX, [r + 1])[0])
                times[name]["wheel"].append(page.evaluate(fm.WHEEL, [r % 2 == 0]))
                times[name]["empty"].append(page.evaluate(fm.EMPTY))
        browser.close()
    for name, t in times.items():
        print(f"-- {name}")
        print(fm.line("box selection → gallery re-ranked, painted", t["box"], 50))
        print(fm.line("pan/zoom (wheel) → map redrawn, painted", t["wheel"], 16))
        print(fm.line("baseline: an empty frame", t["empty"], None))


if __name__ == "__main__":
    main()
