// Colours of a comparison: the heatmap's diverging scale for B − A (centred on zero; red = B worse), and the
// "difference" layer: the pixels where A's and B's predictions differ, coloured by which of them is right.

import type { Pixels, RGB, Scale, Theme } from "./colors";
import type { Mask } from "./protocol";

/** From B much better (−1) through no change (0) to B much worse (+1): ColorBrewer RdBu, blue to red. */
const DIVERGING: Record<Theme, RGB[]> = {
  light: [
    [5, 48, 97],
    [33, 102, 172],
    [67, 147, 195],
    [146, 197, 222],
    [209, 229, 240],
    [247, 247, 247],
    [253, 219, 199],
    [244, 165, 130],
    [214, 96, 77],
    [178, 24, 43],
    [103, 0, 31],
  ],
  // the same hues, from the dark background outwards: a change stands out as brightness
  dark: [
    [146, 197, 255],
    [90, 150, 230],
    [60, 110, 190],
    [45, 80, 140],
    [40, 55, 85],
    [38, 38, 44],
    [90, 45, 45],
    [150, 55, 50],
    [205, 70, 60],
    [245, 100, 80],
    [255, 160, 140],
  ],
};

/**
 * The colour domain of a delta matrix: symmetric about zero, [−m, m] with m the largest |Δ| off the diagonal. A
 * diagonal cell's change is minus the sum of its row's (for shares of true pixels), so it would take the whole
 * range and fade every confusion: diagonal cells beyond m are drawn at the ends. Without an off-diagonal change,
 * m comes from the diagonal.
 */
export function divergingScale(values: Float64Array, C: number): Scale {
  const largest = (diagonal: boolean) => {
    let m = 0;
    values.forEach((v, k) => {
      if (Number.isFinite(v) && (k % (C + 1) === 0) === diagonal) m = Math.max(m, Math.abs(v));
    });
    return m;
  };
  const hi = largest(false) || largest(true) || 1;
  return { lo: -hi, hi, log: false, diverging: true };
}

/** The ramp at x in [−1, 1] (−1 blue, 0 neutral, +1 red). */
export function divergingRamp(theme: Theme, x: number): RGB {
  const stops = DIVERGING[theme];
  const f = ((Math.min(1, Math.max(-1, x)) + 1) / 2) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(f));
  const w = f - i;
  const [a, b] = [stops[i], stops[i + 1]];
  return [0, 1, 2].map((j) => Math.round(a[j] + w * (b[j] - a[j]))) as unknown as RGB;
}

/**
 * The colour of a delta value, or null for an undefined one (drawn as empty). Red always means B is worse: more
 * confusion off the diagonal, so a diagonal cell (pixels got right) is drawn with its sign flipped.
 */
export function deltaColor(scale: Scale, theme: Theme, v: number, diagonal: boolean): RGB | null {
  if (Number.isNaN(v)) return null;
  const x = v / scale.hi;
  return divergingRamp(theme, diagonal ? -x : x);
}

/**
 * Colours of the "difference" layer, where A's and B's predictions differ: Okabe & Ito's blue, vermillion and
 * yellow, which stay apart for deuteranopes and protanopes (red and green did not: both turn olive).
 */
export const DIFFERENCE = {
  fixed: [0, 114, 178] as RGB, // B right, A wrong: blue, as "B better" on the heatmap's diverging scale
  broke: [213, 94, 0] as RGB, // A right, B wrong: vermillion, as "B worse"
  both: [240, 228, 66] as RGB, // both wrong, differently
};
const DIM_ALPHA = 0.55;

export function differenceColor(t: number, a: number, b: number, voidValue: number): RGB | null {
  if (t === voidValue || a === b) return null;
  if (b === t) return DIFFERENCE.fixed;
  return a === t ? DIFFERENCE.broke : DIFFERENCE.both;
}

/** RGBA of the difference layer: differing pixels in their colour, the rest dimmed (as the pair layer). */
export function differenceMask(truth: Mask, a: Mask, b: Mask, voidValue: number, alpha: number, out: Pixels): Pixels {
  const dim = Math.round(255 * DIM_ALPHA * alpha);
  const on = Math.round(255 * Math.max(alpha, 0.35));
  for (let i = 0; i < truth.length; i++) {
    const rgb = differenceColor(truth[i], a[i], b[i], voidValue);
    const o = 4 * i;
    out[o] = rgb ? rgb[0] : 0;
    out[o + 1] = rgb ? rgb[1] : 0;
    out[o + 2] = rgb ? rgb[2] : 0;
    out[o + 3] = rgb ? on : dim;
  }
  return out;
}
