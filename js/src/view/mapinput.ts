// The failure map's input (view/mapview.ts): a drag selects (a box or a lasso, the panel's mode), shift-drag
// pans, the wheel zooms, a click opens the image under the pointer. From the keyboard: arrows move the map under
// a box at the canvas' centre (shown while the canvas has keyboard focus), + and − zoom, Enter selects the points
// in that box, Escape clears the selection. Selections use data/fmap.ts' inBox and inLasso, the rules that
// segwidget/results/fmap.py's in_box and in_lasso follow.

import { inBox, inLasso, toMap, type View } from "../data/fmap";

export type Mode = "box" | "lasso";

/** What the input asks of the map. */
export interface MapHost {
  view(): View | null;
  setView(view: View): void;
  xy(): Float32Array | null;
  mode(): Mode;
  /** The points chosen (ascending indices). */
  select(indices: number[]): void;
  /** Clear the selection; false when there was none (Escape then goes on to the widget). */
  clear(): boolean;
  open(index: number): void;
  hover(px: number, py: number): void;
  unhover(): void;
}

const SVG = "http://www.w3.org/2000/svg";
const CLICK_PX = 3; // a press and release closer than this is a click
const STEP_PX = 20; // an arrow key pans this far
const KEY_BOX = 0.3; // the keyboard's box: this share of the canvas' smaller side

/** The keyboard's box at the centre of a `width`×`height` canvas, in CSS px: [left, top, right, bottom]. */
export function keyBox(width: number, height: number): [number, number, number, number] {
  const half = (KEY_BOX * Math.min(width, height)) / 2;
  return [width / 2 - half, height / 2 - half, width / 2 + half, height / 2 + half];
}

/** Zoom `view` by `f` keeping CSS pixel (px, py) in place. */
export function zoomed(v: View, px: number, py: number, f: number): View {
  return [px - (px - v[0]) * f, py - (py - v[1]) * f, v[2] * f, v[3] * f];
}

/** Wire the canvas; `band` shows a box being dragged (and the keyboard's box), `lasso` the lasso being drawn. */
export function wireMap(canvas: HTMLCanvasElement, band: HTMLElement, lasso: SVGSVGElement, host: MapHost): void {
  const path = document.createElementNS(SVG, "polyline");
  lasso.append(path);
  let drag: { x: number; y: number; pan: boolean; view: View; ring: [number, number][] } | null = null;
  const at = (e: PointerEvent | WheelEvent) => {
    const box = canvas.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  };
  const showBand = (l: number, t: number, r: number, b: number) => {
    Object.assign(band.style, { left: `${l}px`, top: `${t}px`, width: `${r - l}px`, height: `${b - t}px` });
    band.hidden = false;
  };
  const keyBand = () => {
    if (canvas.matches(":focus-visible") && host.view()) showBand(...keyBox(canvas.clientWidth, canvas.clientHeight));
    else band.hidden = true;
  };
  canvas.addEventListener("pointerdown", (e) => {
    const view = host.view();
    if (!view || e.button !== 0) return;
    try {
      canvas.setPointerCapture(e.pointerId); // the drag goes on outside the canvas
    } catch {
      // a synthetic pointer (tests, benchmarks) cannot be captured; the drag still works inside
    }
    const p = at(e);
    drag = { ...p, pan: e.shiftKey, view: [...view], ring: [[p.x, p.y]] };
  });
  canvas.addEventListener("pointermove", (e) => {
    const p = at(e);
    if (!drag) return host.hover(p.x, p.y);
    host.unhover();
    if (drag.pan) {
      const v = drag.view;
      return host.setView([v[0] + p.x - drag.x, v[1] + p.y - drag.y, v[2], v[3]]);
    }
    if (host.mode() === "lasso") {
      const last = drag.ring[drag.ring.length - 1];
      if (Math.hypot(p.x - last[0], p.y - last[1]) >= 1) drag.ring.push([p.x, p.y]);
      path.setAttribute("points", drag.ring.map(([x, y]) => `${x},${y}`).join(" "));
      lasso.style.display = "";
      return;
    }
    showBand(Math.min(p.x, drag.x), Math.min(p.y, drag.y), Math.max(p.x, drag.x), Math.max(p.y, drag.y));
  });
  canvas.addEventListener("pointerup", (e) => {
    const d = drag;
    drag = null;
    band.hidden = true;
    lasso.style.display = "none";
    const [view, xy] = [host.view(), host.xy()];
    if (!d || d.pan || !view || !xy) return;
    const p = at(e);
    const last = d.ring[d.ring.length - 1];
    if (Math.hypot(p.x - last[0], p.y - last[1]) >= 1) d.ring.push([p.x, p.y]);
    if (d.ring.every(([x, y]) => Math.abs(x - d.x) < CLICK_PX && Math.abs(y - d.y) < CLICK_PX)) {
      const i = nearestPoint(xy, view, p.x, p.y, 8);
      if (i !== null) host.open(i);
      return;
    }
    if (host.mode() === "lasso") {
      if (d.ring.length >= 3)
        host.select(
          inLasso(
            xy,
            d.ring.map(([x, y]) => toMap(view, x, y)),
          ),
        );
      return;
    }
    const [u0, v0] = toMap(view, d.x, d.y);
    const [u1, v1] = toMap(view, p.x, p.y);
    host.select(inBox(xy, u0, v0, u1, v1));
  });
  canvas.addEventListener("pointerleave", () => host.unhover());
  canvas.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      const view = host.view();
      const p = at(e);
      if (view) host.setView(zoomed(view, p.x, p.y, e.deltaY < 0 ? 1.25 : 0.8));
    },
    { passive: false },
  );
  canvas.addEventListener("focus", keyBand);
  canvas.addEventListener("blur", () => {
    band.hidden = true;
  });
  canvas.addEventListener("keydown", (e) => {
    const [v, xy] = [host.view(), host.xy()];
    if (!v) return;
    const [w, h] = [canvas.clientWidth, canvas.clientHeight];
    const pans: Record<string, [number, number]> = {
      ArrowLeft: [STEP_PX, 0],
      ArrowRight: [-STEP_PX, 0],
      ArrowUp: [0, STEP_PX],
      ArrowDown: [0, -STEP_PX],
    };
    if (e.key in pans) host.setView([v[0] + pans[e.key][0], v[1] + pans[e.key][1], v[2], v[3]]);
    else if (e.key === "+" || e.key === "=") host.setView(zoomed(v, w / 2, h / 2, 1.25));
    else if (e.key === "-") host.setView(zoomed(v, w / 2, h / 2, 0.8));
    else if (e.key === "Enter" && xy) {
      const [l, t, r, b] = keyBox(w, h);
      host.select(inBox(xy, ...toMap(v, l, t), ...toMap(v, r, b)));
    } else if (e.key !== "Escape" || !host.clear()) return;
    e.preventDefault();
    e.stopPropagation();
    keyBand();
  });
}

/** The point drawn nearest to CSS pixel (px, py), within `radius` pixels; null when none. */
export function nearestPoint(xy: Float32Array, v: View, px: number, py: number, radius: number): number | null {
  let best: number | null = null;
  let bestD = radius * radius;
  for (let i = 0; i < xy.length / 2; i++) {
    const dx = v[0] + v[2] * xy[2 * i] - px;
    const dy = v[1] + v[3] * xy[2 * i + 1] - py;
    if (dx * dx + dy * dy <= bestD) [best, bestD] = [i, dx * dx + dy * dy];
  }
  return best;
}
