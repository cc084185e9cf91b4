// The failure map's pixels (view/mapview.ts): every point a DOT-sized square of its colour, the gallery's images
// ringed, written straight into one ImageData and put on the canvas at once. At 10,000 points this takes about a
// millisecond where 10,000 fillRect calls took several, so a pan or zoom frame stays well inside 16 ms.

import type { View } from "../data/fmap";
import { packed } from "./mapcolors";

export const DOT = 4; // a point's side, CSS px (the ring around a gallery image: DOT + 4)

/** What one frame of the map shows. */
export interface MapFrame {
  xy: Float32Array;
  view: View;
  /** CSS size of the canvas and the device pixel ratio its backing store uses. */
  width: number;
  height: number;
  dpr: number;
  /** Each point's colour: an index into `shades` (CSS `rgb(...)`); points of higher shades are drawn on top. */
  shade: Uint16Array;
  shades: string[];
  /** The gallery's images, ringed (null: none). */
  ring: ArrayLike<number> | null;
  ringColor: string;
}

/** Points in drawing order: by shade, ascending (a counting sort), index order within a shade. */
export function drawOrder(shade: Uint16Array, nShades: number): Int32Array {
  const start = new Int32Array(nShades + 1);
  for (let i = 0; i < shade.length; i++) start[shade[i] + 1]++;
  for (let s = 0; s < nShades; s++) start[s + 1] += start[s];
  const out = new Int32Array(shade.length);
  for (let i = 0; i < shade.length; i++) out[start[shade[i]]++] = i;
  return out;
}

/** Paints frames on one canvas, keeping its ImageData and the drawing order while the colours do not change. */
export class MapPainter {
  private image: ImageData | null = null;
  private order: { shade: Uint16Array; order: Int32Array } | null = null;

  constructor(private readonly canvas: HTMLCanvasElement) {}

  paint(f: MapFrame): void {
    const c = this.canvas;
    const [w, h] = [Math.round(f.width * f.dpr), Math.round(f.height * f.dpr)];
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
      c.style.width = `${f.width}px`;
      c.style.height = `${f.height}px`;
    }
    const g = c.getContext("2d");
    if (!g || w === 0 || h === 0) return;
    if (this.image?.width !== w || this.image.height !== h) this.image = g.createImageData(w, h);
    const px = new Uint32Array(this.image.data.buffer); // RGBA bytes as little-endian words
    px.fill(0);
    if (this.order?.shade !== f.shade) this.order = { shade: f.shade, order: drawOrder(f.shade, f.shades.length) };
    const rgba = f.shades.map(packed);
    const [x0, y0, sx, sy] = f.view;
    const d = f.dpr;
    const side = Math.max(1, Math.round(DOT * d));
    const half = (DOT / 2) * d;
    const square = (i: number, color: number, grow: number, line: number) => {
      const left = Math.round((x0 + sx * f.xy[2 * i]) * d - half) - grow;
      const top = Math.round((y0 + sy * f.xy[2 * i + 1]) * d - half) - grow;
      const s = side + 2 * grow;
      if (left >= w || top >= h || left + s <= 0 || top + s <= 0 || !Number.isFinite(left + top)) return;
      const [a, b] = [Math.max(0, left), Math.min(w, left + s)];
      for (let y = Math.max(0, top); y < Math.min(h, top + s); y++) {
        const row = y * w;
        if (line === 0 || y < top + line || y >= top + s - line) {
          px.fill(color, row + a, row + b); // a filled square, or a ring's top and bottom edges
          continue;
        }
        for (let x = left; x < left + line; x++) if (x >= 0 && x < w) px[row + x] = color;
        for (let x = left + s - line; x < left + s; x++) if (x >= 0 && x < w) px[row + x] = color;
      }
    };
    for (const i of this.order.order) square(i, rgba[f.shade[i]], 0, 0);
    if (f.ring) {
      const color = packed(f.ringColor);
      const line = Math.max(1, Math.round(1.5 * d));
      for (let k = 0; k < f.ring.length; k++) square(f.ring[k], color, Math.round(2.75 * d), line);
    }
    g.putImageData(this.image, 0, 0);
  }
}
