"""Does the failure map find something? On the shipped demo (``segwidget.demo``, metadata
column ``kerb``): for the scenes without kerb stones, the share of their 10 nearest
neighbours (``Results.similar(i, 10)``, exact, per embedding) that are kerb-less too,
against the base rate (the share of kerb-less scenes among the other images); the same for
the scenes with a pedestrian near the camera (a pedestrian object of 32² px or more).

With ``--shot PATH``: the demo's offline report opened in headless Chromium, the map panel
shown, a lasso drawn around the densest cluster of the map (the 16 points nearest, on the
map, to the point whose 8 nearest are closest: their convex hull, widened a little), and a
screenshot of the explorer with the lasso held (drawn) over the selection it gave.

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


def hull(points: np.ndarray) -> np.ndarray:
    """The convex hull's vertices, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(map(tuple, points.tolist()))

    def turns_left(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> bool:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]) > 0

    def half(seq: list[tuple[float, float]]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for p in seq:
            while len(out) >= 2 and not turns_left(out[-2], out[-1], p):
                out.pop()
            out.append(p)
        return out[:-1]

    return np.array(half(pts) + half(pts[::-1]))


def screenshot(results: segwidget.Results, path: Path) -> None:
    """The report's map with a lasso drawn around its densest cluster, as a PNG."""
    from playwright.sync_api import sync_playwright

    from segwidget.results.fmap import in_lasso

    xy = results.map().astype(np.float64)
    gaps = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    centre = int(np.argmin(np.sort(gaps, axis=1)[:, 8]))
    cluster = xy[np.argsort(gaps[centre])[:16]]
    middle = cluster.mean(axis=0)
    ring = hull(cluster)
    ring = middle + (ring - middle) * 1.25 + 0.02 * np.ptp(xy, axis=0) * np.sign(ring - middle)
    chosen = in_lasso(results.map(), ring)
    close = ""
    if "near" in results.metadata:  # the demo's close-ups (a pedestrian, a pole, a sign board)
        close = f", {int((results.metadata['near'][chosen] > 0).sum())} with a close-up"
    print(f"the lasso's images: {sorted(chosen.tolist())} ({chosen.size}{close})")
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
        page.locator(".sw-map-mode", has_text="lasso").click()
        x0, y0, sx, sy = json.loads(canvas.get_attribute("data-view"))

        def draw(release: bool) -> None:
            box = canvas.bounding_box()  # where the canvas is now (the page may have moved)
            at = [(box["x"] + x0 + sx * u, box["y"] + y0 + sy * v) for u, v in ring]
            page.mouse.move(*at[0])
            page.mouse.down()
            for a, b in zip(at, at[1:] + at[:1], strict=True):  # small steps: the lasso follows
                for t in np.linspace(0, 1, 6)[1:]:
                    page.mouse.move(a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
            if release:
                page.mouse.up()

        draw(release=True)
        gallery = page.locator('[data-testid="segwidget-gallery"]')
        page.wait_for_function(
            f"(g) => g.dataset.count === '{chosen.size}'", arg=gallery.element_handle()
        )
        page.wait_for_timeout(1000)  # thumbnails decoded
        draw(release=False)  # the same lasso again, held, so that the picture shows it
        page.locator('[data-testid="segwidget"]').screenshot(path=str(path))
        page.mouse.up()
        browser.close()
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
