// Palette helpers, heatmap normalisations and colour scales, and mask colouring into RGBA pixels.

import type { Cell, Mask, Normalize } from "./protocol";

export type RGB = readonly [number, number, number];
export type Theme = "light" | "dark";

export function parseHex(hex: string): RGB | null {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return null;
  const v = Number.parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export function toHex([r, g, b]: RGB): string {
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

/** One RGB per class: the given colour, else a golden-angle hue so that classes stay distinct. */
export function palette(colors: readonly string[], C: number): RGB[] {
  return Array.from({ length: C }, (_, c) => parseHex(colors[c] ?? "") ?? hsl((c * 137.508) % 360, 0.65, 0.5));
}

function hsl(h: number, s: number, l: number): RGB {
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

// ---- normalisations ----------------------------------------------------------------------------------

/** Heatmap values for a normalisation; NaN where undefined (0/0, or a class never present for "mean"). */
export function normalizeMatrix(pooled: Float64Array, meanCm: Float64Array, C: number, mode: Normalize): Float64Array {
  if (mode === "none") return pooled.slice();
  if (mode === "mean") return meanCm.length === C * C ? meanCm.slice() : new Float64Array(C * C).fill(Number.NaN);
  const sums = mode === "true" ? rowTotals(pooled, C) : colTotals(pooled, C);
  return pooled.map((v, k) => v / sums[mode === "true" ? Math.floor(k / C) : k % C]);
}

function rowTotals(m: Float64Array, C: number): Float64Array {
  const out = new Float64Array(C);
  m.forEach((v, k) => {
    out[Math.floor(k / C)] += v;
  });
  return out;
}

function colTotals(m: Float64Array, C: number): Float64Array {
  const out = new Float64Array(C);
  m.forEach((v, k) => {
    out[k % C] += v;
  });
  return out;
}

/** Cell (t,p) under every normalisation, for the tooltip. */
export function cellValues(
  pooled: Float64Array,
  meanCm: Float64Array,
  C: number,
  t: number,
  p: number,
): Record<Normalize, number> {
  const count = pooled[t * C + p];
  let row = 0;
  let col = 0;
  for (let q = 0; q < C; q++) {
    row += pooled[t * C + q];
    col += pooled[q * C + p];
  }
  return { true: count / row, pred: count / col, none: count, mean: meanCm[t * C + p] ?? Number.NaN };
}

// ---- colour scales -------------------------------------------------------------------------------------

export interface Scale {
  lo: number;
  hi: number;
  log: boolean;
  /** Signed values on a scale centred on zero, [lo, hi] = [−m, m] (a comparison's delta; compare-colors.ts). */
  diverging?: boolean;
}

/**
 * The colour domain of a matrix: [0, max] linear, or [smallest positive, max] log. The diagonal is left out
 * when hidden so that off-diagonal errors use the whole range.
 */
export function scaleFor(values: Float64Array, C: number, log: boolean, hideDiagonal: boolean): Scale {
  let hi = 0;
  let lo = Number.POSITIVE_INFINITY;
  values.forEach((v, k) => {
    if (!(v > 0) || !Number.isFinite(v) || (hideDiagonal && k % (C + 1) === 0)) return;
    hi = Math.max(hi, v);
    lo = Math.min(lo, v);
  });
  if (hi === 0) return { lo: 0, hi: 1, log };
  return log ? { lo, hi, log } : { lo: 0, hi, log };
}

/** One model's heatmap: the values of a normalisation and their colour scale. */
export function heatmapValues(
  pooled: Float64Array,
  meanCm: Float64Array,
  C: number,
  c: { normalize: Normalize; log_scale: boolean; hide_diagonal: boolean },
): { values: Float64Array; scale: Scale; legend?: string } {
  const values = normalizeMatrix(pooled, meanCm, C, c.normalize);
  return { values, scale: scaleFor(values, C, c.log_scale, c.hide_diagonal) };
}

/** Position of v in the scale, in [0, 1]; NaN for values drawn as empty (NaN, zero, or <= 0 on log). */
export function scalePosition(s: Scale, v: number): number {
  if (!(v > 0)) return Number.NaN;
  if (s.log) {
    if (s.hi <= s.lo) return 1;
    const x = (Math.log(v) - Math.log(s.lo)) / (Math.log(s.hi) - Math.log(s.lo));
    return Math.min(1, Math.max(0, x));
  }
  return Math.min(1, v / s.hi);
}

/** The value at position x of the scale: the legend's tick labels. */
export function scaleValue(s: Scale, x: number): number {
  return s.log ? Math.exp(Math.log(s.lo) + x * (Math.log(s.hi) - Math.log(s.lo))) : s.lo + x * (s.hi - s.lo);
}

// Ramps go from the background towards strong contrast, so that small values fade and large ones stand out.
const RAMPS: Record<Theme, RGB[]> = {
  // ColorBrewer Blues
  light: [
    [222, 235, 247],
    [158, 202, 225],
    [107, 174, 214],
    [66, 146, 198],
    [33, 113, 181],
    [8, 81, 156],
    [8, 48, 107],
  ],
  // inferno, from its dark end
  dark: [
    [40, 11, 84],
    [101, 21, 110],
    [159, 42, 99],
    [212, 72, 66],
    [245, 125, 21],
    [250, 193, 39],
    [252, 255, 164],
  ],
};

/** The ramp colour at x in [0, 1]. */
export function ramp(theme: Theme, x: number): RGB {
  const stops = RAMPS[theme];
  const f = Math.min(1, Math.max(0, x)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(f));
  const w = f - i;
  const [a, b] = [stops[i], stops[i + 1]];
  return [0, 1, 2].map((j) => Math.round(a[j] + w * (b[j] - a[j]))) as unknown as RGB;
}

// ---- masks ------------------------------------------------------------------------------------------------

/** RGBA bytes, as ImageData takes them. */
export type Pixels = Uint8ClampedArray<ArrayBuffer>;

/** Colours of the "pair" overlay. */
export const PAIR = {
  hit: [255, 0, 200] as RGB, // truth t predicted p (off-diagonal selection)
  // a class's three kinds of pixel apart for every colour vision (the difference layer's blue, vermillion, yellow)
  tp: [0, 114, 178] as RGB, // diagonal selection: truth c predicted c
  fn: [213, 94, 0] as RGB, // truth c predicted something else
  fp: [240, 228, 66] as RGB, // predicted c, truth something else
  error: [255, 0, 200] as RGB, // no selection: any wrong pixel
};
const DIM_ALPHA = 0.55;

/** RGBA of one mask: each class in its colour at `alpha`; void and out-of-range pixels transparent. */
export function colorMask(mask: Mask, pal: readonly RGB[], voidValue: number, alpha: number, out: Pixels) {
  const a = Math.round(255 * alpha);
  for (let i = 0; i < mask.length; i++) {
    const c = mask[i];
    const rgb = c !== voidValue ? pal[c] : undefined;
    const o = 4 * i;
    if (rgb === undefined) {
      out[o + 3] = 0;
      continue;
    }
    out[o] = rgb[0];
    out[o + 1] = rgb[1];
    out[o + 2] = rgb[2];
    out[o + 3] = a;
  }
  return out;
}

/**
 * RGBA of the selected pair: matching pixels in a bright colour, the rest dimmed. With (t,p), t≠p: pixels of
 * truth t predicted p. With (c,c): c's true positives, misses and false alarms. With nothing selected: every
 * wrong pixel.
 */
export function pairMask(truth: Mask, pred: Mask, cell: Cell | null, voidValue: number, alpha: number, out: Pixels) {
  const dim = Math.round(255 * DIM_ALPHA * alpha);
  const a = Math.round(255 * Math.max(alpha, 0.35));
  for (let i = 0; i < truth.length; i++) {
    const rgb = pairColor(truth[i], pred[i], cell, voidValue);
    const o = 4 * i;
    if (rgb === null) {
      out[o] = out[o + 1] = out[o + 2] = 0;
      out[o + 3] = dim;
      continue;
    }
    out[o] = rgb[0];
    out[o + 1] = rgb[1];
    out[o + 2] = rgb[2];
    out[o + 3] = a;
  }
  return out;
}

export function pairColor(t: number, p: number, cell: Cell | null, voidValue: number): RGB | null {
  if (t === voidValue) return null;
  if (cell === null) return t !== p ? PAIR.error : null;
  const [ct, cp] = cell;
  if (ct !== cp) return t === ct && p === cp ? PAIR.hit : null;
  if (t === ct) return p === ct ? PAIR.tp : PAIR.fn;
  return p === ct ? PAIR.fp : null;
}
