// The failure map's point colours (view/mapview.ts): by loss, by the gallery's score, by a metadata column or by
// a tag. A continuous value is drawn in STEPS shades of the heatmap's ramp, so the map sets few fill styles.

import { type RGB, ramp } from "../data/colors";
import type { Column, Tags } from "../data/slices";
import type { PanelContext } from "./panels";

const STEPS = 32;
const GREY: RGB = [150, 150, 150]; // no value (NaN loss, not in the gallery, not tagged)
// Okabe–Ito: told apart without red/green vision
const CATEGORIES: RGB[] = [[0, 114, 178], [230, 159, 0], [0, 158, 115], [204, 121, 167], [86, 180, 233],
  [213, 94, 0], [240, 228, 66], [0, 0, 0]]; // biome-ignore format: a table

const css = ([r, g, b]: RGB) => `rgb(${r},${g},${b})`;

/** A CSS `rgb(r,g,b)` (what `pointColors` gives) as an opaque RGBA pixel packed for a little-endian Uint32Array. */
export function packed(color: string): number {
  const [r, g, b] = (color.match(/\d+/g) ?? ["0", "0", "0"]).map(Number);
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Each point's shade (an index into `shades`, 0 = grey) for `by`: "loss", "score", "column:<name>", "tag:<name>". */
export function pointColors(
  by: string,
  ctx: PanelContext,
  tags: Tags,
  column: Column | null,
): { shade: Uint16Array; shades: string[] } {
  const N = ctx.data.N;
  const shade = new Uint16Array(N);
  const continuous = (v: ArrayLike<number>) => {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < N; i++) if (Number.isFinite(v[i])) [lo, hi] = [Math.min(lo, v[i]), Math.max(hi, v[i])];
    for (let i = 0; i < N; i++) {
      const x = Number.isFinite(v[i]) ? (v[i] - lo) / Math.max(hi - lo, 1e-12) : Number.NaN;
      shade[i] = Number.isNaN(x) ? 0 : 1 + Math.min(STEPS - 1, Math.floor(x * STEPS));
    }
    const shades = [css(GREY)];
    for (let s = 0; s < STEPS; s++) shades.push(css(ramp(ctx.theme, (s + 0.5) / STEPS)));
    return { shade, shades };
  };
  if (by === "score") {
    const v = new Float64Array(N).fill(Number.NaN);
    ctx.ranked.indices.forEach((img, n) => {
      v[img] = ctx.ranked.scores[n];
    });
    return continuous(v);
  }
  if (by.startsWith("tag:")) {
    for (const i of tags[by.slice(4)] ?? []) if (i < N) shade[i] = 1;
    return { shade, shades: [css(GREY), css(CATEGORIES[1])] };
  }
  if (column?.values) return continuous(column.values);
  if (column?.codes) {
    for (let i = 0; i < N; i++) shade[i] = column.codes[i] < 0 ? 0 : 1 + (column.codes[i] % CATEGORIES.length);
    return { shade, shades: [css(GREY), ...CATEGORIES.map(css)] };
  }
  return continuous(ctx.counts.losses); // "loss", or a column no longer there
}
