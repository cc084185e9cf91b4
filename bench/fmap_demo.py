"""Does the failure map find something? On the shipped demo (``segwidget.demo``, metadata
column ``kerb``): for the scenes without kerb stones, the share of their 10 nearest
neighbours (``Results.similar(i, 10)``, exact, per embedding) that are kerb-less too,
against the base rate (the share of kerb-less scenes among the other images); the same for
the scenes with a pedestrian near the camera (a pedestrian object of 32² px or more).

With ``--shot PATH``: the demo's offline report opened in headless Chromium, the map panel
shown, a box dragged around the densest cluster of the map (the 16 points nearest, on the
map, to the point whose 8 nearest are closest), and a screenshot of the explorer with the box held
(drawn) over the selection it gave.

Run: ``python bench/fmap_demo.py [--embed bottom] [--shot docs/failure-map.png]``. Never asserts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

import segwidget
from segwidget import demo

K = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed", default="bottom", help="the demo U-Net's submodule")
    parser.add_argument("--shot", type=Path, help="write a screenshot of the map there")
    args = parser.parse_args()
    results = segwidget.analyze(
        demo.load_model(), demo.valid_loader(), demo.CLASSES,
        metadata=demo.valid_metadata(), progress=False, embed=args.embed,
    )  # fmt: skip
    kerb = results.metadata["kerb"]
    values, counts = np.unique(kerb, return_counts=True)
    print(f"kerb values: {dict(zip(values.tolist(), counts.tolist(), strict=True))}")
    without = np.flatnonzero(~kerb.astype(bool)) if kerb.dtype.kind == "b" else None
    if without is None:
        raise SystemExit(f"kerb is {kerb.dtype}; expected booleans")
    neighbours(results, without, "have no kerb", "kerb-less")
    # what the model sees: a pedestrian near the camera (a COCO-medium pedestrian object)
    rows = results.objects()
    near = rows[(rows["class"] == "pedestrian") & (rows["pixels"] >= 32**2)]["image"]
    neighbours(results, np.unique(near.to_numpy()), "have a pedestrian near the camera", "such")
    if args.shot:
        screenshot(results, args.shot)


def neighbours(results: segwidget.Results, members: np.ndarray, what: str, short: str) -> None:
    """Print, per embedding, the share of the members' K nearest that are members too."""
    n = results.n_images
    base = (members.size - 1) / (n - 1)  # a member's chance that another image is one too
    print(f"{members.size} of {n} scenes {what}; base rate {base:.3f}")
    for kind in ("errors", "features"):
        shares = [np.isin(results.similar(int(i), K, kind=kind).indices, members).mean()
                  for i in members]  # fmt: skip
        share = float(np.mean(shares))
        print(f"{kind:<9} share of the {K} nearest that are {short} too: {share:.3f} "
              f"({share / base:.2f}x the base rate)")  # fmt: skip


def screenshot(results: segwidget.Results, path: Path) -> None:
    """The report's map with a box dragged around its densest cluster, as a PNG."""
    from playwright.sync_api import sync_playwright

    xy = results.map().astype(np.float64)
    gaps = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    centre = int(np.argmin(np.sort(gaps, axis=1)[:, 8]))
    chosen = np.argsort(gaps[centre])[:16]
    near = xy[chosen]
    if "near" in results.metadata:  # the demo's close-ups (a pedestrian, a pole, a sign board)
        close = int((results.metadata["near"][chosen] > 0).sum())
        print(f"the box's cluster: images {sorted(chosen.tolist())}, {close} with a close-up")
    lo, hi = near.min(axis=0), near.max(axis=0)
    html = Path(tempfile.mkdtemp(prefix="segwidget-fmap-")) / "demo.html"
    explorer = segwidget.SegExplorer(results=results)
    explorer.height = 1150  # room for the slice filters, the heatmap and the map in the frame
    explorer.save_html(html, title="segwidget demo · a map of failures")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(html.as_uri())
        page.locator('[data-testid="segwidget-panel-tab"][data-panel="map"]').click()
        canvas = page.locator('[data-testid="segwidget-map"]')
        page.wait_for_function("(c) => c.dataset.points !== '0'", arg=canvas.element_handle())
        canvas.scroll_into_view_if_needed()
        x0, y0, sx, sy = json.loads(canvas.get_attribute("data-view"))
        pad = 6  # CSS px around the cluster's points

        def corners() -> tuple[tuple[float, float], tuple[float, float]]:
            box = canvas.bounding_box()  # where the canvas is now (the page may have moved)
            return (
                (box["x"] + x0 + sx * lo[0] - pad, box["y"] + y0 + sy * hi[1] - pad),
                (box["x"] + x0 + sx * hi[0] + pad, box["y"] + y0 + sy * lo[1] + pad),
            )

        a, b = corners()
        page.mouse.move(*a)
        page.mouse.down()
        page.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        page.mouse.move(*b)
        page.mouse.up()
        gallery = page.locator('[data-testid="segwidget-gallery"]')
        page.wait_for_function(
            f"(g) => g.dataset.count !== '{results.n_images}'", arg=gallery.element_handle()
        )
        page.wait_for_timeout(1000)  # thumbnails decoded
        a, b = corners()
        page.mouse.move(*a)  # the same box again, held, so that the picture shows it
        page.mouse.down()
        page.mouse.move(*b)
        page.locator('[data-testid="segwidget"]').screenshot(path=str(path))
        page.mouse.up()
        browser.close()
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
