// The detail view's overlays (issue 11): the boundary band, computed here from the stored truth mask, and the
// confident disagreements, decoded from the mask the kernel stored. Each is drawn as its pixels highlighted over
// the dimmed image.

import type { Pixels, RGB } from "../data/colors";
import { decodeMask } from "../data/png";
import type { Mask, OverlayFields } from "../data/protocol";
import type { Paintable } from "./paint";

export type OverlayKind = "boundary" | "confident";

/** One overlay of an image: its pixels (1 = highlighted, one byte per pixel) and how many there are. */
export interface OverlayMask {
  pixels: Uint8Array;
  count: number;
  /** The caption's words: what the pixels are. */
  label: string;
}

export type Overlays = Partial<Record<OverlayKind, OverlayMask>>;

export const OVERLAY_COLORS: Record<OverlayKind, RGB> = {
  boundary: [255, 212, 0],
  confident: [255, 40, 200],
};

/** Share of each dimmed pixel's colour kept: dark enough for the highlight to stand out, light enough to read. */
const DIM_ALPHA = 170;
/** Below every class's −t: a void pixel's entry in the window maximum of −t. */
const LOWEST = -(2 ** 31);

/**
 * The boundary band of `truth` (issue 11, Python's boundary.boundary_band): a valid pixel is boundary when the
 * valid truth pixels of its (2d+1)×(2d+1) window, clipped at the border, are not all one class. Void pixels
 * (`voidValue`) are neither and create no boundary. Two separable window maxima: of t (void: −1) and of −t
 * (void: below any class); boundary ⇔ max t ≠ min t.
 */
export function boundaryBand(truth: Mask, width: number, height: number, voidValue: number, d: number): Uint8Array {
  const n = width * height;
  const hi = new Int32Array(n);
  const lo = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const valid = truth[i] !== voidValue;
    hi[i] = valid ? truth[i] : -1;
    lo[i] = valid ? -truth[i] : LOWEST;
  }
  for (const a of [hi, lo]) {
    windowMax(a, width, height, d, true);
    windowMax(a, width, height, d, false);
  }
  const band = new Uint8Array(n);
  for (let i = 0; i < n; i++) band[i] = truth[i] !== voidValue && hi[i] !== -lo[i] ? 1 : 0;
  return band;
}

/** In place: each value becomes the maximum over ±d along rows (`rows`) or columns, clipped at the ends. */
function windowMax(a: Int32Array, width: number, height: number, d: number, rows: boolean): void {
  const [lines, length, step, across] = rows ? [height, width, 1, width] : [width, height, width, 1];
  const line = new Int32Array(length);
  for (let l = 0; l < lines; l++) {
    const base = l * across;
    for (let k = 0; k < length; k++) line[k] = a[base + k * step];
    for (let k = 0; k < length; k++) {
      let m = LOWEST;
      const end = Math.min(length - 1, k + d);
      for (let j = Math.max(0, k - d); j <= end; j++) if (line[j] > m) m = line[j];
      a[base + k * step] = m;
    }
  }
}

/** Pixels set in a 0/1 mask. */
export function countSet(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return n;
}

/**
 * The overlays of one detail image: the band (when the pass had one and the truth decoded) and the confident
 * disagreements (when their mask came and decodes at the image's size).
 */
export async function detailOverlays(src: Paintable, fields: OverlayFields, voidValue: number): Promise<Overlays> {
  const out: Overlays = {};
  const { boundaryWidth: d, bandWidth, confidence, confident } = fields;
  if (src.truth && d !== null && bandWidth !== null) {
    const pixels = boundaryBand(src.truth, src.width, src.height, voidValue, bandWidth);
    const scaled = bandWidth === d ? "" : `; ${bandWidth} px at this size`;
    out.boundary = { pixels, count: countSet(pixels), label: `boundary band (d = ${d} px${scaled})` };
  }
  if (confident) {
    try {
      const m = await decodeMask(confident);
      if (m.width === src.width && m.height === src.height && m.dtype === "uint8") {
        const pixels = m.mask as Uint8Array;
        const tau = confidence === null ? "" : ` (confidence ≥ ${Math.round(confidence * 100)}%)`;
        out.confident = { pixels, count: countSet(pixels), label: `confident disagreements${tau}` };
      }
    } catch {
      // an undecodable mask: no overlay, the rest of the view stands
    }
  }
  return out;
}

/** RGBA over the image: highlighted pixels opaque in `color`, the rest darkened. */
export function overlayPixels(mask: Uint8Array, color: RGB, out: Pixels): Pixels {
  for (let i = 0; i < mask.length; i++) {
    const on = mask[i] !== 0;
    out[4 * i] = on ? color[0] : 0;
    out[4 * i + 1] = on ? color[1] : 0;
    out[4 * i + 2] = on ? color[2] : 0;
    out[4 * i + 3] = on ? 255 : DIM_ALPHA;
  }
  return out;
}

/** Draw the image, dimmed, with an overlay's pixels highlighted, into `canvas` (sized to the image's pixels). */
export function paintOverlay(canvas: HTMLCanvasElement, src: Paintable, mask: OverlayMask, kind: OverlayKind): void {
  const { width, height } = src;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext("2d");
  if (!ctx || width * height === 0) return;
  ctx.clearRect(0, 0, width, height);
  if (src.image) ctx.drawImage(src.image, 0, 0, width, height);
  else {
    ctx.fillStyle = "#808080";
    ctx.fillRect(0, 0, width, height);
  }
  const layer = document.createElement("canvas");
  layer.width = width;
  layer.height = height;
  const pixels = overlayPixels(mask.pixels, OVERLAY_COLORS[kind], new Uint8ClampedArray(4 * width * height));
  layer.getContext("2d")?.putImageData(new ImageData(pixels, width, height), 0, 0);
  ctx.drawImage(layer, 0, 0);
}
