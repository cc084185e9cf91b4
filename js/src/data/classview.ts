// Which classes the heatmap shows as rows and columns, and in which order. The synced trait visible_classes
// holds the list (empty = every class, in index order); these functions compute the lists the controls offer.
// focusClasses mirrors Python's segwidget.view.class_focus.focus_classes (tests hold them equal).

import type { Data, Model } from "./protocol";
import { mostConfused } from "./ranking";

export type ClassOrder = "index" | "iou" | "grouped";

/** The classes drawn, in order: `visible` when set (invalid and repeated entries dropped), else all. */
export function displayClasses(visible: readonly unknown[] | null | undefined, C: number): number[] {
  if (!visible || visible.length === 0) return Array.from({ length: C }, (_, c) => c);
  const seen = new Set<number>();
  const out: number[] = [];
  for (const v of visible) {
    if (Number.isInteger(v) && (v as number) >= 0 && (v as number) < C && !seen.has(v as number)) {
      seen.add(v as number);
      out.push(v as number);
    }
  }
  return out.length > 0 ? out : Array.from({ length: C }, (_, c) => c);
}

/**
 * The `k` classes most involved in confusion, in index order: the classes of the most confused pairs (the
 * same order as the "most confused" list: pixels, then share of the true class, then class order), each
 * pair adding its true then its predicted class; when fewer than `k` classes are confused at all, the rest
 * by pixels in truth or prediction, then index.
 */
export function focusClasses(pooled: Float64Array, C: number, k: number): number[] {
  const want = Math.max(0, Math.min(C, Math.floor(k)));
  const chosen = new Set<number>();
  for (const { t, p } of mostConfused(pooled, C, C * C)) {
    if (chosen.size >= want) break;
    chosen.add(t);
    if (chosen.size < want) chosen.add(p);
  }
  if (chosen.size < want) {
    const { rows, cols } = totals(pooled, C);
    const rest = Array.from({ length: C }, (_, c) => c).filter((c) => !chosen.has(c));
    rest.sort((a, b) => rows[b] + cols[b] - (rows[a] + cols[a]) || a - b);
    for (const c of rest.slice(0, want - chosen.size)) chosen.add(c);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** Cells at least this wide (CSS px) when the heatmap focuses on the most confused classes by itself. */
export const AUTO_FOCUS_CELL = 12;

/** How many classes the automatic focus shows in a heatmap `width` CSS px wide (PROTOCOL: auto_focus). */
export function autoFocusSize(width: number): number {
  return Math.max(8, Math.floor((width - 140) / AUTO_FOCUS_CELL));
}

/** Classes absent from both truth and prediction. */
export function absentClasses(pooled: Float64Array, C: number): Set<number> {
  const { rows, cols } = totals(pooled, C);
  const out = new Set<number>();
  for (let c = 0; c < C; c++) if (rows[c] === 0 && cols[c] === 0) out.add(c);
  return out;
}

/** `classes` reordered: by index, by IoU (worst first, undefined last), or grouped by confusion. */
export function orderClasses(classes: readonly number[], pooled: Float64Array, C: number, order: ClassOrder): number[] {
  if (order === "index") return [...classes].sort((a, b) => a - b);
  if (order === "iou") {
    const iou = classIou(pooled, C);
    const key = (c: number) => (Number.isNaN(iou[c]) ? Number.POSITIVE_INFINITY : iou[c]);
    return [...classes].sort((a, b) => key(a) - key(b) || a - b);
  }
  return groupByConfusion(classes, pooled, C);
}

/** Which order `classes` is in, if one of the offered ones ("custom" otherwise). */
export function orderOf(classes: readonly number[], pooled: Float64Array, C: number): ClassOrder | "custom" {
  for (const order of ["index", "iou", "grouped"] as const) {
    const sorted = orderClasses(classes, pooled, C, order);
    if (sorted.every((c, i) => c === classes[i])) return order;
  }
  return "custom";
}

/** Per-class IoU of the pooled matrix (NaN where undefined), as metrics.iou in Python. */
export function classIou(pooled: Float64Array, C: number): Float64Array {
  const { rows, cols } = totals(pooled, C);
  return Float64Array.from({ length: C }, (_, c) => {
    const tp = pooled[c * C + c];
    const union = rows[c] + cols[c] - tp;
    return union > 0 ? tp / union : Number.NaN;
  });
}

/**
 * Confused classes side by side: a greedy chain over the symmetric confusion a→b plus b→a (each as a share of
 * its true class). It starts from the most confused pair and repeatedly puts, at whichever end of the chain
 * it is most confused with, the class most confused with an end; classes confused with none of the chain
 * start a new chain. Deterministic: ties go to the lower class index.
 */
function groupByConfusion(classes: readonly number[], pooled: Float64Array, C: number): number[] {
  const { rows } = totals(pooled, C);
  const share = (t: number, p: number) => (rows[t] > 0 ? pooled[t * C + p] / rows[t] : 0);
  const link = (a: number, b: number) => (a === b ? 0 : share(a, b) + share(b, a));
  const left = new Set([...classes].sort((a, b) => a - b));
  const out: number[] = [];
  while (left.size > 0) {
    let best: [number, number, number] = [-1, -1, -1];
    for (const a of left) for (const b of left) if (a < b && link(a, b) > best[0]) best = [link(a, b), a, b];
    if (best[0] <= 0) {
      out.push(...left); // nothing left is confused: keep index order
      break;
    }
    const chain = [best[1], best[2]];
    left.delete(best[1]);
    left.delete(best[2]);
    for (;;) {
      let next: [number, number, boolean] = [0, -1, false];
      for (const c of left) {
        const head = link(c, chain[0]);
        const tail = link(c, chain[chain.length - 1]);
        if (tail > next[0]) next = [tail, c, false];
        if (head > next[0]) next = [head, c, true];
      }
      if (next[1] < 0) break;
      if (next[2]) chain.unshift(next[1]);
      else chain.push(next[1]);
      left.delete(next[1]);
    }
    out.push(...chain);
  }
  return out;
}

function totals(pooled: Float64Array, C: number): { rows: Float64Array; cols: Float64Array } {
  const rows = new Float64Array(C);
  const cols = new Float64Array(C);
  for (let t = 0; t < C; t++) {
    for (let p = 0; p < C; p++) {
      rows[t] += pooled[t * C + p];
      cols[p] += pooled[t * C + p];
    }
  }
  return { rows, cols };
}

/** Large C, first display: the heatmap's `width` shows the most confused classes that fit (autoFocusSize), once per
 * data (auto_focus then false). */
export function autoFocus(model: Model, d: Data, width: number): void {
  if (width === 0) return; // a view is rendered before it is attached: the observer calls again
  const k = autoFocusSize(width);
  if (k < d.C) model.set("visible_classes", focusClasses(d.pooled, d.C, k));
  model.set("auto_focus", false);
  model.save_changes();
}
