// The comparison ranking of PROTOCOL.md ("Comparison ranking"), computed in the browser. It mirrors Python's
// segwidget/results/comparison_ranking.py bit for bit: every score is one float64 operation on integer counts (or on the
// stored losses), every order is total, ties go to the lower image index. Every Δ is B − A.

import type { Cell, LossRange, SparseIndex } from "../data/protocol";
import type { Ranked } from "../data/ranking";

export type Direction = "worse" | "better";
export const DIRECTIONS: readonly Direction[] = ["worse", "better"];

/** What a comparison's scores are: the loss (nothing selected), a share of true pixels, or a class's IoU. */
export type ChangeKind = "loss" | "share" | "iou";

/** Per image (length N): A's score, B's score and Δ = B − A; NaN where undefined. */
export interface ImageScores {
  a: Float64Array;
  b: Float64Array;
  delta: Float64Array;
}

/** A ranked comparison: `scores` are the Δ; `a` and `b` the two models' scores of the same entries. */
export interface Changes extends Ranked {
  a: Float64Array;
  b: Float64Array;
  /** "More like this": the image these are nearest to (scores: cosine distances; a, b: the two models' losses). */
  similarTo?: number;
}

export function changeKind(cell: Cell | null): ChangeKind {
  if (cell === null) return "loss";
  return cell[0] === cell[1] ? "iou" : "share";
}

/** Per image, the pixels of cell k (zero where absent). */
function cellCounts(idx: SparseIndex, k: number): Float64Array {
  const out = new Float64Array(idx.N);
  for (let j = idx.cellPtr[k]; j < idx.cellPtr[k + 1]; j++) out[idx.cellImage[j]] = idx.cellCount[j];
  return out;
}

/** Per image, Σ over cells `first + q·step` (q < C) of the counts: row totals (step 1) or column totals (step C). */
function lineTotals(idx: SparseIndex, first: number, step: number): Float64Array {
  const out = new Float64Array(idx.N);
  for (let q = 0; q < idx.C; q++) {
    const k = first + q * step;
    for (let j = idx.cellPtr[k]; j < idx.cellPtr[k + 1]; j++) out[idx.cellImage[j]] += idx.cellCount[j];
  }
  return out;
}

/** Per image, cm[t,p] / Σ_q cm[t,q] (one division); NaN without true-t pixels. */
export function imageShare(idx: SparseIndex, t: number, p: number): Float64Array {
  const count = cellCounts(idx, t * idx.C + p);
  const rows = lineTotals(idx, t * idx.C, 1);
  return count.map((v, n) => (rows[n] === 0 ? Number.NaN : v / rows[n]));
}

/** Per image, the IoU of class c: cm[c,c] / (row[c] + col[c] − cm[c,c]); NaN where the union is 0. */
export function imageIou(idx: SparseIndex, c: number): Float64Array {
  const diag = cellCounts(idx, c * idx.C + c);
  const rows = lineTotals(idx, c * idx.C, 1);
  const cols = lineTotals(idx, c, idx.C);
  return diag.map((v, n) => {
    const union = rows[n] + cols[n] - v; // integers: exact
    return union === 0 ? Number.NaN : v / union;
  });
}

/** The per-image scores a selection ranks by, for both models (Python: comparison_ranking.image_scores). */
export function imageScores(
  A: SparseIndex,
  B: SparseIndex,
  lossesA: Float64Array,
  lossesB: Float64Array,
  cell: Cell | null,
): ImageScores {
  let a: Float64Array;
  let b: Float64Array;
  if (cell === null) [a, b] = [lossesA, lossesB];
  else if (cell[0] !== cell[1]) [a, b] = [imageShare(A, cell[0], cell[1]), imageShare(B, cell[0], cell[1])];
  else [a, b] = [imageIou(A, cell[0]), imageIou(B, cell[0])];
  return { a, b, delta: b.map((v, n) => v - a[n]) };
}

/** Per image, loss_B − loss_A: what a comparison's loss filter bounds. */
export function lossChange(lossesA: Float64Array, lossesB: Float64Array): Float64Array {
  return lossesB.map((v, n) => v - lossesA[n]);
}

/**
 * The gallery of a comparison (Python: Comparison.rank, then the loss-change filter, then the slice's images).
 * Nothing selected: every image by Δloss, NaN last. Off-diagonal (t,p): images whose share of true-t pixels
 * predicted p rose ("worse") or fell ("better"). Diagonal (c,c): images whose IoU for c fell ("worse") or rose
 * ("better"). `member`: a slice's images (1 each), kept in that order.
 */
export function rankChanges(
  A: SparseIndex,
  B: SparseIndex,
  lossesA: Float64Array,
  lossesB: Float64Array,
  cell: Cell | null,
  direction: Direction,
  lossRange: LossRange | null = null,
  member: Uint8Array | null = null,
): Changes {
  const s = imageScores(A, B, lossesA, lossesB, cell);
  const order = orderChanges(s.delta, changeKind(cell), direction);
  const ranged = lossRange === null ? order : withinRange(order, lossChange(lossesA, lossesB), lossRange);
  const kept = member ? ranged.filter((n) => member[n]) : ranged;
  return {
    indices: Int32Array.from(kept),
    scores: Float64Array.from(kept, (n) => s.delta[n]),
    a: Float64Array.from(kept, (n) => s.a[n]),
    b: Float64Array.from(kept, (n) => s.b[n]),
  };
}

/** Image indices in display order for the deltas (Python: comparison_ranking.rank_changes). */
export function orderChanges(delta: Float64Array, kind: ChangeKind, direction: Direction): number[] {
  const images = Array.from(delta.keys());
  if (kind === "loss") {
    const nan = images.filter((n) => Number.isNaN(delta[n]));
    const sign = direction === "worse" ? -1 : 1; // worse: largest increase first
    const rest = images.filter((n) => !Number.isNaN(delta[n]));
    rest.sort((m, n) => compare(sign * delta[m], sign * delta[n]) || m - n);
    return rest.concat(nan);
  }
  // B worse than A: more of the confusion (Δ > 0) or a lower IoU (Δ < 0)
  const worse = kind === "share" ? 1 : -1;
  const sign = direction === "worse" ? worse : -worse;
  const keep = images.filter((n) => sign * delta[n] > 0); // NaN never passes
  keep.sort((m, n) => compare(-sign * delta[m], -sign * delta[n]) || m - n);
  return keep;
}

/** Ascending comparison of two non-NaN numbers (infinities included; −0 equals 0, as in numpy). */
function compare(x: number, y: number): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Keep the images whose value lies in [lo, hi] (both inclusive; NaN never kept), order unchanged. */
function withinRange(order: number[], values: Float64Array, [lo, hi]: LossRange): number[] {
  return order.filter((n) => lo <= values[n] && values[n] <= hi);
}
