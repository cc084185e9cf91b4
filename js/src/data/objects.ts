// Objects in the browser (Python: segwidget/results/objects.py, objects_ranking.py, segwidget/view/objects.py):
// the truth objects and false predicted objects the kernel sent (objects_truth, objects_false), their size bins,
// the per-class recall of each bin, and the gallery's "missed" and "false" orders, under any slice, with no round
// trip. Every number is Python's to the last bit (tests/objects_fixture.py): counts, sums of integer pixels, and
// np.quantile's "linear" method written out.

import { int32s } from "./binary";
import type { Model } from "./protocol";
import type { Ranked } from "./ranking";

/** The records, column-major: truth objects (missed 0/1, other = confused-with class or -1) and false ones. */
export interface Objects {
  truth: { image: Int32Array; cls: Int32Array; pixels: Int32Array; missed: Int32Array; other: Int32Array };
  false: { image: Int32Array; cls: Int32Array; pixels: Int32Array; other: Int32Array };
}

export type ObjectOrder = "missed" | "false";
export type SizeBinning = "coco" | "terciles";
/** COCO's areas: small < 32², medium < 96², large otherwise (bins closed on the left). */
export const COCO_EDGES: readonly number[] = [0, 32 * 32, 96 * 96, Number.POSITIVE_INFINITY];
export const SIZE_LABELS: Record<SizeBinning, readonly string[]> = {
  coco: ["small", "medium", "large"],
  terciles: ["lower third", "middle third", "upper third"],
};

/** The two traits as records; null when the results have no objects (both empty). */
export function readObjects(model: Model): Objects | null {
  const truth = int32s(model.get("objects_truth"), "objects_truth");
  const false_ = int32s(model.get("objects_false"), "objects_false");
  if (truth.length === 0 && false_.length === 0) return null;
  return fromRows(truth, false_);
}

/** Row-major int32 rows (5 columns for truth objects, 4 for false ones) as column arrays. */
export function fromRows(truth: Int32Array, false_: Int32Array): Objects {
  if (truth.length % 5 !== 0 || false_.length % 4 !== 0) {
    throw new Error("segwidget: objects_truth / objects_false are not whole rows");
  }
  const column = (rows: Int32Array, width: number, k: number) =>
    Int32Array.from({ length: rows.length / width }, (_, i) => rows[i * width + k]);
  return {
    truth: {
      image: column(truth, 5, 0),
      cls: column(truth, 5, 1),
      pixels: column(truth, 5, 2),
      missed: column(truth, 5, 3),
      other: column(truth, 5, 4),
    },
    false: {
      image: column(false_, 4, 0),
      cls: column(false_, 4, 1),
      pixels: column(false_, 4, 2),
      other: column(false_, 4, 3),
    },
  };
}

/** np.quantile(values, q) with its default "linear" method, on values sorted ascending (bit for bit). */
export function quantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return sorted[n - 1];
  const lo = Math.floor(virtual);
  const gamma = virtual - lo;
  const a = sorted[lo];
  const b = sorted[lo + 1];
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/**
 * Per truth object, its size bin (0, 1, 2), or -1 when its image is outside the slice. "terciles": each class's
 * own objects in the slice, bins [.., q⅓), [q⅓, q⅔), [q⅔, ..) (np.quantile of the sizes, closed on the left).
 */
export function sizeBins(objects: Objects, binning: SizeBinning, slice: Uint8Array | null): Int32Array {
  const { image, cls, pixels } = objects.truth;
  const out = new Int32Array(image.length).fill(-1);
  const inSlice = (k: number) => slice === null || slice[image[k]] === 1;
  if (binning === "coco") {
    for (let k = 0; k < out.length; k++) {
      if (inSlice(k)) out[k] = pixels[k] < COCO_EDGES[1] ? 0 : pixels[k] < COCO_EDGES[2] ? 1 : 2;
    }
    return out;
  }
  // the slice's objects grouped by class (a counting sort), each class's sizes sorted in place
  let C = 0;
  for (let k = 0; k < out.length; k++) C = Math.max(C, cls[k] + 1);
  const start = new Int32Array(C + 1);
  for (let k = 0; k < out.length; k++) if (inSlice(k)) start[cls[k] + 1]++;
  for (let c = 0; c < C; c++) start[c + 1] += start[c];
  const sizes = new Float64Array(start[C]);
  const at = start.slice(0, C);
  for (let k = 0; k < out.length; k++) if (inSlice(k)) sizes[at[cls[k]]++] = pixels[k];
  const edges: [number, number][] = [];
  for (let c = 0; c < C; c++) {
    const own = sizes.subarray(start[c], start[c + 1]);
    edges.push(own.length ? terciles(own) : [0, 0]);
  }
  for (let k = 0; k < out.length; k++) {
    if (!inSlice(k)) continue;
    const [lo, hi] = edges[cls[k]];
    out[k] = (pixels[k] >= lo ? 1 : 0) + (pixels[k] >= hi ? 1 : 0);
  }
  return out;
}

/** np.quantile(sizes, [1/3, 2/3]) (the default "linear" method) of one class's object sizes, bit for bit. */
export function tercileEdges(sizes: ArrayLike<number>): [number, number] {
  return terciles(Float64Array.from(sizes));
}

/** tercileEdges of `a` (non-empty, no NaN) by selection rather than a sort: O(n); reorders `a`. */
export function terciles(a: Float64Array): [number, number] {
  return [selectQuantile(a, 1 / 3), selectQuantile(a, 2 / 3)];
}

/** quantile(sorted copy of `a`, q), the same two order statistics found by quickselect (reorders `a`). */
export function selectQuantile(a: Float64Array, q: number): number {
  const n = a.length;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return select(a, n - 1);
  const lo = Math.floor(virtual);
  const gamma = virtual - lo;
  const x = select(a, lo);
  let y = Number.POSITIVE_INFINITY; // the next order statistic: the least of what lies right of lo
  for (let i = lo + 1; i < n; i++) if (a[i] < y) y = a[i];
  const diff = y - x;
  return gamma >= 0.5 ? y - diff * (1 - gamma) : x + diff * gamma;
}

/** The k-th smallest of `a` (Hoare's quickselect): afterwards a[..k] ≤ a[k] ≤ a[k..]. */
function select(a: Float64Array, k: number): number {
  let [lo, hi] = [0, a.length - 1];
  while (hi > lo) {
    const pivot = a[(lo + hi) >>> 1];
    let [i, j] = [lo, hi];
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        [a[i], a[j]] = [a[j], a[i]];
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break; // a[k] equals the pivot, between the two parts
  }
  return a[k];
}

/** The size binning a trait value names ("coco" for anything else). */
export function binningOf(value: unknown): SizeBinning {
  return value === "terciles" ? "terciles" : "coco";
}

/**
 * Per class (length C), the terciles' edges [lo, hi] of its truth objects in the slice (null: none there); the
 * bins are [.., lo), [lo, hi), [hi, ..). What the panel's tooltips and the gallery's caption say.
 */
export function tercileTable(objects: Objects, C: number, slice: Uint8Array | null): ([number, number] | null)[] {
  const sizes: number[][] = Array.from({ length: C }, () => []);
  const { image, cls, pixels } = objects.truth;
  for (let k = 0; k < image.length; k++) {
    if ((slice === null || slice[image[k]] === 1) && cls[k] >= 0 && cls[k] < C) sizes[cls[k]].push(pixels[k]);
  }
  return sizes.map((s) => (s.length === 0 ? null : tercileEdges(s)));
}

/** Per class and size bin (row-major C × 3): truth objects and missed ones in the slice (Results.object_table). */
export function objectTable(
  objects: Objects,
  C: number,
  binning: SizeBinning,
  slice: Uint8Array | null,
): { objects: Int32Array; missed: Int32Array } {
  const bins = sizeBins(objects, binning, slice);
  const total = new Int32Array(C * 3);
  const missed = new Int32Array(C * 3);
  for (let k = 0; k < bins.length; k++) {
    if (bins[k] < 0) continue;
    const at = objects.truth.cls[k] * 3 + bins[k];
    total[at] += 1;
    missed[at] += objects.truth.missed[k];
  }
  return { objects: total, missed };
}

/**
 * Results.rank(t, p, by="missed" | "false") (and rank_objects with a size bin) in the slice: images with a nonzero
 * count of the chosen objects, score = that count, ties by those objects' pixels (more first), then lower index.
 * "missed": missed truth objects of class t (p ≠ t: confused with p; t null: any); "false": false predicted
 * objects of class p (t ≠ p: whose truth class is t; null: any). `size`: a bin of `binning` (missed only).
 */
export function rankObjects(
  objects: Objects,
  N: number,
  order: ObjectOrder,
  t: number | null,
  p: number | null,
  slice: Uint8Array | null = null,
  size: number | null = null,
  binning: SizeBinning = "coco",
): Ranked {
  const records = order === "missed" ? objects.truth : objects.false;
  const [own, other] = order === "missed" ? [t, p] : [p, t];
  const bins = size === null ? null : sizeBins(objects, binning, slice);
  const count = new Float64Array(N);
  const pixels = new Float64Array(N);
  for (let k = 0; k < records.image.length; k++) {
    const n = records.image[k];
    if (slice !== null && slice[n] !== 1) continue;
    if (order === "missed" && objects.truth.missed[k] !== 1) continue;
    if (own !== null && records.cls[k] !== own) continue;
    if (own !== null && other !== null && other !== own && records.other[k] !== other) continue;
    if (bins !== null && bins[k] !== size) continue;
    count[n] += 1;
    pixels[n] += records.pixels[k];
  }
  const images: number[] = [];
  for (let n = 0; n < N; n++) if (count[n] > 0) images.push(n);
  images.sort((a, b) => count[b] - count[a] || pixels[b] - pixels[a] || a - b);
  return { indices: Int32Array.from(images), scores: Float64Array.from(images, (n) => count[n]) };
}
