// The ranking of PROTOCOL.md, computed in the browser. It must agree bit-for-bit with Python's Results.rank:
// every score is one float64 division of integer counts, and every order is a total order.

import type { Cell, LossRange, Order, SparseIndex } from "./protocol";

export interface Ranked {
  /** Dataset indices, best first. */
  indices: Int32Array;
  /** The ranking score of each entry (loss, share, pixel count or IoU). */
  scores: Float64Array;
}

export type RankKind =
  | "loss"
  | "share"
  | "pixels"
  | "iou"
  | "confident"
  | "overconfident"
  | "missed"
  | "false"
  | "distance";

/** What the scores of a ranking mean. */
export function rankKind(cell: Cell | null, order: Order): RankKind {
  if (order === "confident" || order === "overconfident" || order === "missed" || order === "false") return order;
  if (cell === null) return "loss";
  return cell[0] === cell[1] ? "iou" : order;
}

export function rank(
  idx: SparseIndex,
  losses: Float64Array,
  cell: Cell | null,
  order: Order,
  lossRange: LossRange | null = null,
): Ranked {
  const ranked =
    cell === null
      ? byLoss(losses)
      : cell[0] === cell[1]
        ? byIou(idx, cell[0])
        : byConfusion(idx, cell[0], cell[1], order === "pixels" ? "pixels" : "share"); // others: regions.ts, objects.ts
  return lossRange === null ? ranked : filterByLoss(ranked, losses, lossRange);
}

// The last loss ranking: a slice or a map selection restricts it without sorting all N again (losses are never
// written in place: new results come as new arrays). Callers treat a Ranked as read-only.
let lastByLoss: { losses: Float64Array; ranked: Ranked } | null = null;

function byLoss(losses: Float64Array): Ranked {
  if (lastByLoss?.losses === losses) return lastByLoss.ranked;
  const finite: number[] = [];
  const nan: number[] = [];
  losses.forEach((v, n) => {
    (Number.isNaN(v) ? nan : finite).push(n);
  });
  finite.sort((a, b) => cmpDesc(losses[a], losses[b]) || a - b);
  const indices = Int32Array.from(finite.concat(nan));
  lastByLoss = { losses, ranked: { indices, scores: Float64Array.from(indices, (n) => losses[n]) } };
  return lastByLoss.ranked;
}

function byConfusion(idx: SparseIndex, t: number, p: number, order: "share" | "pixels"): Ranked {
  const { begin, end } = cellRange(idx, t * idx.C + p);
  const rows = rowSums(idx, t);
  const items = [];
  for (let j = begin; j < end; j++) {
    const n = idx.cellImage[j];
    const count = idx.cellCount[j];
    items.push({ n, count, share: count / rows[n] });
  }
  if (order === "share") {
    items.sort((a, b) => cmpDesc(a.share, b.share) || b.count - a.count || a.n - b.n);
  } else {
    items.sort((a, b) => b.count - a.count || cmpDesc(a.share, b.share) || a.n - b.n);
  }
  return {
    indices: Int32Array.from(items, (x) => x.n),
    scores: Float64Array.from(items, (x) => (order === "share" ? x.share : x.count)),
  };
}

function byIou(idx: SparseIndex, c: number): Ranked {
  const rows = rowSums(idx, c);
  const cols = colSums(idx, c);
  const diag = new Float64Array(idx.N);
  const { begin, end } = cellRange(idx, c * idx.C + c);
  for (let j = begin; j < end; j++) diag[idx.cellImage[j]] = idx.cellCount[j];
  const items = [];
  for (let n = 0; n < idx.N; n++) {
    if (rows[n] > 0 || cols[n] > 0) {
      const union = rows[n] + cols[n] - diag[n];
      items.push({ n, union, iou: diag[n] / union });
    }
  }
  items.sort((a, b) => a.iou - b.iou || b.union - a.union || a.n - b.n);
  return { indices: Int32Array.from(items, (x) => x.n), scores: Float64Array.from(items, (x) => x.iou) };
}

export function filterByLoss(r: Ranked, losses: Float64Array, [lo, hi]: LossRange): Ranked {
  const keep: number[] = [];
  r.indices.forEach((n, i) => {
    if (lo <= losses[n] && losses[n] <= hi) keep.push(i); // NaN fails both comparisons
  });
  return {
    indices: Int32Array.from(keep, (i) => r.indices[i]),
    scores: Float64Array.from(keep, (i) => r.scores[i]),
  };
}

/**
 * `images` by share counts[n] / totals[n] (one float64 division) highest first, then counts highest first, then
 * index (Python's ranking.by_share); the score is the share. Callers pass images with counts[n] > 0 only.
 */
export function byShare(images: readonly number[], counts: Float64Array, totals: Float64Array): Ranked {
  const items = images.map((n) => ({ n, count: counts[n], share: counts[n] / totals[n] }));
  items.sort((a, b) => cmpDesc(a.share, b.share) || b.count - a.count || a.n - b.n);
  return { indices: Int32Array.from(items, (x) => x.n), scores: Float64Array.from(items, (x) => x.share) };
}

/** Descending comparison of two non-NaN numbers (infinities included). */
function cmpDesc(a: number, b: number): number {
  return a < b ? 1 : a > b ? -1 : 0;
}

function cellRange(idx: SparseIndex, k: number): { begin: number; end: number } {
  return { begin: idx.cellPtr[k], end: idx.cellPtr[k + 1] };
}

/** Number of images containing cell k: the tooltip's "images" figure. */
export function imagesWithCell(idx: SparseIndex, k: number): number {
  return idx.cellPtr[k + 1] - idx.cellPtr[k];
}

/** row_n[t] for every image n. */
export function rowSums(idx: SparseIndex, t: number): Float64Array {
  const out = new Float64Array(idx.N);
  for (let q = 0; q < idx.C; q++) addCell(idx, t * idx.C + q, out);
  return out;
}

/** col_n[c] for every image n. */
export function colSums(idx: SparseIndex, c: number): Float64Array {
  const out = new Float64Array(idx.N);
  for (let t = 0; t < idx.C; t++) addCell(idx, t * idx.C + c, out);
  return out;
}

function addCell(idx: SparseIndex, k: number, out: Float64Array): void {
  for (let j = idx.cellPtr[k]; j < idx.cellPtr[k + 1]; j++) out[idx.cellImage[j]] += idx.cellCount[j];
}

export interface Confusion {
  t: number;
  p: number;
  count: number;
  /** Of all true-t pixels. */
  share: number;
}

/** The `k` largest off-diagonal pooled cells with a nonzero count (Python: Results.most_confused). */
export function mostConfused(pooled: Float64Array, C: number, k = 10): Confusion[] {
  const cells: Confusion[] = [];
  for (let t = 0; t < C; t++) {
    let row = 0;
    for (let p = 0; p < C; p++) row += pooled[t * C + p];
    for (let p = 0; p < C; p++) {
      const count = pooled[t * C + p];
      if (t !== p && count > 0) cells.push({ t, p, count, share: count / row });
    }
  }
  // as Results.most_confused: pixels, then share of the true class, then class order
  cells.sort((a, b) => b.count - a.count || b.share - a.share || a.t * C + a.p - (b.t * C + b.p));
  return cells.slice(0, k);
}
