// A comparison's data in the browser: model B's binary traits (the *_b traits, laid out as A's), the two models'
// summary, the heatmap's matrix for the shown model (A, B, or the delta B − A), and the most changed confusions.

import { float64s, int32s } from "../data/binary";
import { normalizeMatrix } from "../data/colors";
import type { Counts } from "../data/counts";
import { type Data, type Model, type Normalize, oneOf, type SparseIndex } from "../data/protocol";
import type { Direction } from "./ranking";

export type Shown = "delta" | "A" | "B";
export const SHOWN: readonly Shown[] = ["delta", "A", "B"];

/** One number of both models: A's, B's and B − A (null where undefined). */
export type Paired = readonly [number | null, number | null, number | null];

/** The comparison_summary trait: {} for one model. */
export interface ComparisonSummary {
  names?: [string, string];
  mean_iou?: Paired;
  pixel_accuracy?: Paired;
  mean_loss?: Paired;
}

export interface Comparison {
  names: [string, string];
  summary: ComparisonSummary;
  /** Model B's counts, shaped as A's. */
  b: Counts;
}

/** The comparison's controls, each a synced trait (unknown values fall back to the default). */
export function readCompareControls(model: Model): { shown: Shown; direction: Direction } {
  return {
    shown: oneOf(model.get("model"), SHOWN, "delta"),
    direction: oneOf(model.get("direction"), ["worse", "better"] as const, "worse"),
  };
}

/** B's decoded state, or null when the explorer shows one model. Sizes that disagree with A's throw. */
export function readComparison(model: Model, a: Data): Comparison | null {
  const summary = (model.get("comparison_summary") ?? {}) as ComparisonSummary;
  if (!Array.isArray(summary.names)) return null;
  const b: Counts = {
    C: a.C,
    N: 0,
    pooled: float64s(model.get("pooled_b"), "pooled_b"),
    meanCm: float64s(model.get("mean_cm_b"), "mean_cm_b"),
    losses: float64s(model.get("losses_b"), "losses_b"),
    cellPtr: int32s(model.get("cell_ptr_b"), "cell_ptr_b"),
    cellImage: int32s(model.get("cell_image_b"), "cell_image_b"),
    cellCount: int32s(model.get("cell_count_b"), "cell_count_b"),
  };
  b.N = b.losses.length;
  const cc = a.C * a.C;
  const nnz = b.cellImage.length;
  const ok =
    b.N === a.N &&
    b.pooled.length === cc &&
    b.cellPtr.length === cc + 1 &&
    b.cellCount.length === nnz &&
    b.cellPtr[cc] === nnz;
  if (!ok) throw new Error("segwidget: model B's binary traits are inconsistent with model A's");
  return { names: [String(summary.names[0]), String(summary.names[1])], summary, b };
}

/** The heatmap's values: one model's normalised matrix, or B's minus A's (NaN where either is undefined). */
export function comparisonValues(a: Counts, b: Counts, C: number, mode: Normalize, shown: Shown): Float64Array {
  const va = normalizeMatrix(a.pooled, a.meanCm, C, mode);
  if (shown === "A") return va;
  const vb = normalizeMatrix(b.pooled, b.meanCm, C, mode);
  return shown === "B" ? vb : vb.map((v, k) => v - va[k]);
}

export interface Change {
  t: number;
  p: number;
  shareA: number;
  shareB: number;
  /** shareB − shareA */
  delta: number;
}

/**
 * The k off-diagonal pooled cells whose share of true pixels grew most, then the k that shrank most (Python:
 * Comparison.most_changed): grew Δ desc, shrank Δ asc, ties by (t, p).
 */
export function mostChanged(a: Float64Array, b: Float64Array, C: number, k = 5): { grew: Change[]; shrank: Change[] } {
  const shareA = normalizeMatrix(a, new Float64Array(0), C, "true");
  const shareB = normalizeMatrix(b, new Float64Array(0), C, "true");
  const cells: Change[] = [];
  for (let t = 0; t < C; t++) {
    for (let p = 0; p < C; p++) {
      const delta = shareB[t * C + p] - shareA[t * C + p];
      if (t !== p && delta !== 0 && !Number.isNaN(delta)) {
        cells.push({ t, p, shareA: shareA[t * C + p], shareB: shareB[t * C + p], delta });
      }
    }
  }
  const byCell = (x: Change, y: Change) => x.t - y.t || x.p - y.p;
  const grew = cells.filter((c) => c.delta > 0).sort((x, y) => y.delta - x.delta || byCell(x, y));
  const shrank = cells.filter((c) => c.delta < 0).sort((x, y) => x.delta - y.delta || byCell(x, y));
  return { grew: grew.slice(0, k), shrank: shrank.slice(0, k) };
}

/** Image n's dense C×C counts, read from a cell-major index (each cell's images are in ascending order). */
export function imageCounts(idx: SparseIndex, n: number): Float64Array {
  const out = new Float64Array(idx.C * idx.C);
  for (let k = 0; k < idx.C * idx.C; k++) {
    let lo = idx.cellPtr[k];
    let hi = idx.cellPtr[k + 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (idx.cellImage[mid] < n) lo = mid + 1;
      else hi = mid;
    }
    if (lo < idx.cellPtr[k + 1] && idx.cellImage[lo] === n) out[k] = idx.cellCount[lo];
  }
  return out;
}
