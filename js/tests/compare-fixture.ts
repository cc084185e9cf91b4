// The comparison fixture written by Python (tests/compare_fixture.py): two models' sparse counts and losses over
// the same images, and what Python's comparison ranking says for every selection, direction and filter.

import type { Counts } from "../src/data/counts";
import json from "./fixtures/comparison.json";

type Num = number | null;

export interface CompareCase {
  cell: [number, number] | null;
  direction: "worse" | "better";
  loss_range: [number, number] | null;
  indices: number[];
  scores: Num[];
  a: Num[];
  b: Num[];
}

interface RawModel {
  cell_ptr: number[];
  cell_image: number[];
  cell_count: number[];
  losses: Num[];
}

/** What the notebook's charts draw (tests/compare_fixture.py charts()), over all images or a slice's. */
export interface ChartsCase {
  members: number[] | null;
  iou_change: Num[];
  matching: { cell: [number, number] | null; direction: "worse" | "better"; indices: number[]; counts: number[] }[];
}

interface Raw {
  C: number;
  N: number;
  a: RawModel;
  b: RawModel;
  cases: CompareCase[];
  most_changed: { grew: [number, number][]; shrank: [number, number][] };
  charts: { edges: number[]; counts: number[]; cases: ChartsCase[] };
}

const raw = json as unknown as Raw;

export const compareCases = raw.cases;
export const mostChangedCells = raw.most_changed;
export const chartsFixture = raw.charts;

/** NaN for null: JSON has no NaN. */
export const nums = (values: Num[]) => Float64Array.from(values, (v) => (v === null ? Number.NaN : v));

function counts(m: RawModel): Counts {
  const cellPtr = Int32Array.from(m.cell_ptr);
  const cellImage = Int32Array.from(m.cell_image);
  const cellCount = Int32Array.from(m.cell_count);
  const pooled = new Float64Array(raw.C * raw.C);
  for (let k = 0; k < raw.C * raw.C; k++) {
    for (let j = cellPtr[k]; j < cellPtr[k + 1]; j++) pooled[k] += cellCount[j];
  }
  const meanCm = new Float64Array(0);
  return { C: raw.C, N: raw.N, cellPtr, cellImage, cellCount, pooled, meanCm, losses: nums(m.losses) };
}

export const modelA = counts(raw.a);
export const modelB = counts(raw.b);
