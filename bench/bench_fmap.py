"""The failure map at 10,000 images × 150 classes: the projection, then the panel in Chromium.

Builds ADE20K-like results (``sw_e2e.ade_like``), times ``Results.map()`` the first time in
this process (openTSNE's import included) and the k-nearest lists, writes the offline
report and opens it in headless Chromium (``--disable-gpu``, every request but ``file://``
aborted). In the page, with ``performance.now()`` and ``requestAnimationFrame``:

- box selection: pointer events dragging a random box on the map → the gallery re-ranked
  (its ``data-count`` changed) and the next frame painted;
- pan/zoom: one wheel step (zooming in and out in turn) → the map redrawn and the next
  frame painted;
- baseline, in the same page: an empty frame (``requestAnimationFrame`` alone).

Prints medians and p95 over the repeats; never asserts.

Run: ``python bench/bench_fmap.py [--images 10000] [--repeats 40]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from sw_e2e import ade_like  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
MAP = '[data-testid="segwidget-map"]'

BOX = """
async ([seed]) => {
  const canvas = document.querySelector('[data-testid="segwidget-map"]');
  const gallery = document.querySelector('[data-testid="segwidget-gallery"]');
  const box = canvas.getBoundingClientRect();
  let s = seed;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const [x0, y0] = [box.width * (0.1 + 0.5 * rand()), box.height * (0.1 + 0.5 * rand())];
  const [x1, y1] = [x0 + box.width * (0.1 + 0.3 * rand()), y0 + box.height * (0.1 + 0.3 * rand())];
  const ev = (type, x, y) => canvas.dispatchEvent(new PointerEvent(type, { bubbles: true,
    clientX: box.left + x, clientY: box.top + y, button: 0, pointerId: 1 }));
  const before = gallery.dataset.count;
  ev("pointerdown", x0, y0);
  ev("pointermove", (x0 + x1) / 2, (y0 + y1) / 2);
  const t0 = performance.now();
  ev("pointerup", x1, y1);
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  for (let k = 0; k < 200 && gallery.dataset.count === before; k++) await frame();
  await frame();
  return [performance.now() - t0, Number(gallery.dataset.count)];
}
"""
WHEEL = """
async ([zoomIn]) => {
  const canvas = document.querySelector('[data-testid="segwidget-map"]');
  const box = canvas.getBoundingClientRect();
  const t0 = performance.now();
  canvas.dispatchEvent(new WheelEvent("wheel", { bubbles: true, cancelable: true,
    clientX: box.left + box.width / 2, clientY: box.top + box.height / 2,
    deltaY: zoomIn ? -100 : 100 }));
  await new Promise((r) => requestAnimationFrame(r));
  return performance.now() - t0;
}
"""
EMPTY = """
async () => {
  const t0 = performance.now();
  await new Promise((r) => requestAnimationFrame(r));
  return performance.now() - t0;
}
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(name: str, values: list[float], target: float | None) -> str:
    p95 = pct(values, 0.95)
    verdict = "" if target is None else ("  met" if p95 <= target else "  MISSED")
    goal = "" if target is None else f" (target p95 ≤ {target:g} ms)"
    median = statistics.median(values)
    return f"{name:<44} median {median:7.1f} ms  p95 {p95:7.1f} ms{goal}{verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    results = ade_like(args.images, side=16)
    start = time.perf_counter()
    results.map()
    projection = time.perf_counter() - start
    start = time.perf_counter()
    results.neighbours()
    lists = time.perf_counter() - start
    print(f"{args.images} images: projection {projection:.1f} s the first time (target ≤ 15 s); "
          f"k-nearest lists {lists:.1f} s")  # fmt: skip
    path = Path(tempfile.mkdtemp(prefix="segwidget-fmap-")) / "report.html"
    results.save_html(path, max_images=0)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1400})

        def route(r: Any) -> None:
            r.continue_() if r.request.url.startswith("file:") else r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri())
        page.locator('[data-testid="segwidget-panel-tab"][data-panel="map"]').click()
        page.wait_for_function(
            f"() => document.querySelector('{MAP}')?.dataset.points === '{args.images}'",
            timeout=120_000,
        )
        boxes, wheels, empty, counts = [], [], [], []
        for r in range(args.repeats):  # interleaved: drift hits all alike
            ms, count = page.evaluate(BOX, [r + 1])
            boxes.append(ms)
            counts.append(count)
            wheels.append(page.evaluate(WHEEL, [r % 2 == 0]))
            empty.append(page.evaluate(EMPTY))
        browser.close()
    print(f"boxes selected {min(counts)}..{max(counts)} images")
    print(line("box selection → gallery re-ranked, painted", boxes, 50))
    print(line("pan/zoom (wheel) → map redrawn, painted", wheels, 16))
    print(line("baseline: an empty frame", empty, None))


if __name__ == "__main__":
    main()
