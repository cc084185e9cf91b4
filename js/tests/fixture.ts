// The ranking fixture written by Python (tests/make_js_fixtures.py) from a real Results, as typed arrays.

import type { SparseIndex } from "../src/data/protocol";
import json from "./fixtures/ranking.json";

export interface Case {
  cell: [number, number] | null;
  order: "share" | "pixels";
  loss_range: [number, number] | null;
  indices: number[];
  scores: (number | null)[];
}

interface Raw {
  C: number;
  N: number;
  cell_ptr: number[];
  cell_image: number[];
  cell_count: number[];
  losses: (number | null)[];
  cases: Case[];
  most_confused: [number, number][];
}

const raw = json as unknown as Raw;

export const cases = raw.cases;
/** Results.most_confused(k=C²) as [true, pred] pairs. */
export const mostConfusedPairs = raw.most_confused;
export const losses = Float64Array.from(raw.losses, (v) => (v === null ? Number.NaN : v));
export const index: SparseIndex = {
  C: raw.C,
  N: raw.N,
  cellPtr: Int32Array.from(raw.cell_ptr),
  cellImage: Int32Array.from(raw.cell_image),
  cellCount: Int32Array.from(raw.cell_count),
};

/** The pooled confusion implied by the sparse index. */
export function pooled(): Float64Array {
  const out = new Float64Array(raw.C * raw.C);
  for (let k = 0; k < raw.C * raw.C; k++) {
    for (let j = raw.cell_ptr[k]; j < raw.cell_ptr[k + 1]; j++) out[k] += raw.cell_count[j];
  }
  return out;
}

export interface FocusCase {
  pooled: number[];
  C: number;
  k: number;
  classes: number[];
}

/** Python's class_focus.focus_classes on two matrices, for many k. */
export const focusCases = (json as unknown as { focus: FocusCase[] }).focus;
