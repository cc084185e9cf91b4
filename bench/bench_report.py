"""The offline report at 10,000 images × 150 classes: its size, and how long it takes to open.

Builds an ADE20K-like result (``tests/browser/sw_e2e.ade_like``), writes ``save_html`` at the
given caps, and opens the file from disk in Debian's Chromium (Playwright) with every network
request aborted. Measured in the page, from navigation start (``performance.now()``):

- ``drawn``: the widget's first full draw (heatmap, header; its ``segwidget:drawn`` mark);
- ``first row``: the gallery's first three thumbnails decoded and painted;
- baseline, interleaved with the report's runs: the same file with its one script removed,
  i.e. the browser reading and parsing those bytes (to its ``load`` event) and nothing else.

Prints medians and p95 over the repeats and the ratio of the report's open time to the
baseline; no assertion is made.

Run: ``python bench/bench_report.py [--images 10000] [--side 16] [--thumb-side N]
[--max-images 200] [--repeats 7] [--results saved.npz]`` (``--results``: your own results
instead of the synthetic ones).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from sw_e2e import ade_like  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# Installed before the page's scripts: notes when the first row of thumbnails is painted.
WATCH = """
window.__firstRow = null;
new MutationObserver((_, observer) => {
  if (document.querySelectorAll('[data-testid="segwidget-thumb"].sw-loaded').length >= 3) {
    window.__firstRow = performance.now();
    observer.disconnect();
  }
}).observe(document, { subtree: true, childList: true, attributes: true,
                       attributeFilter: ["class"] });
"""
OPENED = """
async () => {
  while (window.__firstRow === null) await new Promise((r) => requestAnimationFrame(r));
  const drawn = performance.getEntriesByName("segwidget:drawn")[0];
  return { drawn: drawn ? drawn.startTime : NaN, firstRow: window.__firstRow };
}
"""
LOADED = "() => performance.getEntriesByType('navigation')[0].loadEventEnd"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--side", type=int, default=16, help="image side of the synthetic result")
    parser.add_argument("--thumb-side", type=int, default=None, help="save_html's thumb_side")
    parser.add_argument("--max-images", type=int, default=200, help="save_html's max_images")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--results", type=Path, default=None, help="a saved .npz instead")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    if args.results is not None:
        from segwidget import load

        results = load(args.results)
        print(f"{args.results}: {results.n_images} images x {results.n_classes} classes")
    else:
        results = ade_like(args.images, side=args.side)
        print(f"{args.images} images x {results.n_classes} classes, {args.side} px: "
              f"built in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    report = folder / "report.html"
    t0 = time.perf_counter()
    results.save_html(report, max_images=args.max_images, thumb_side=args.thumb_side)
    written = time.perf_counter() - t0
    size = report.stat().st_size
    print(f"save_html(max_images={args.max_images}, thumb_side={args.thumb_side}): "
          f"{size / 2**20:.2f} MiB ({size:,} bytes), written in {written:.2f} s")  # fmt: skip
    bare = folder / "bare.html"
    text = report.read_text(encoding="utf-8")
    bare.write_text(re.sub(r'<script type="module">.*?</script>', "", text, flags=re.S))

    opened: list[float] = []
    drawn: list[float] = []
    parsed: list[float] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(args.repeats):
            for path in (report, bare):  # interleaved: both see the same machine load
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                page.route(
                    "**/*",
                    lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort(),
                )
                page.add_init_script(WATCH)
                page.goto(path.as_uri())
                if path == report:
                    times = page.evaluate(OPENED)
                    opened.append(times["firstRow"])
                    drawn.append(times["drawn"])
                else:
                    parsed.append(page.evaluate(LOADED))
                page.close()
        browser.close()

    def line(name: str, values: list[float]) -> str:
        med, top = statistics.median(values), p95(values)
        return f"  {name:<34} median {med:7.0f} ms   p95 {top:7.0f} ms"

    print(f"opening from disk, network blocked, {args.repeats} repeats:")
    print(line("widget drawn (heatmap, header)", drawn))
    print(line("first row of thumbnails painted", opened))
    print(line("baseline: the same bytes parsed", parsed))
    ratio = statistics.median(opened) / statistics.median(parsed)
    print(f"  open / parse: {ratio:.2f}x")


if __name__ == "__main__":
    main()
