// tests/calibration_fixture.py's counts and Python's answers for them (fixtures/calibration.json), typed once for
// the tests that replay it: the browser's numbers (data/calibration.test.ts) and the reliability chart's DOM.
import type { Calibration } from "../src/data/calibration";
import json from "./fixtures/calibration.json";

export type Table = Record<"lo" | "hi" | "count" | "accuracy" | "confidence", (number | null)[]>;
export interface Ranked {
  cls: number | null;
  indices: number[];
  scores: number[];
}
export const raw = json as unknown as {
  C: number;
  N: number;
  bins: number;
  ptr: number[];
  key: number[];
  count: number[];
  sum: number[];
  slices: {
    slice: Record<string, string[]>;
    members: number[];
    classes: { cls: number | null; table: Table; ece: number | null; mce: number | null }[];
  }[];
  overconfident: Ranked[];
  bins_ranked: (Ranked & { slot: number })[];
};

/** The counts as the browser decodes them from the synced traits. */
export const calibration: Calibration = {
  C: raw.C,
  N: raw.N,
  bins: raw.bins,
  ptr: Int32Array.from(raw.ptr),
  key: Int32Array.from(raw.key),
  count: Int32Array.from(raw.count),
  sum: Float64Array.from(raw.sum),
};
