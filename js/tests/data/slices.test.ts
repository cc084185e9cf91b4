// Slices in the browser against the kernel: Python's Results.where(...) answers (tests/slice_fixture.py) replayed
// on the browser's own decoding of the columns the widget sends.
import { describe, expect, it } from "vitest";
import { activeCounts } from "../../src/data/counts";
import type { Data } from "../../src/data/protocol";
import { mostConfused, rank } from "../../src/data/ranking";
import {
  pairwiseSum,
  readColumns,
  readSlice,
  restrict,
  sliceMask,
  sliceSummary,
  truthPixels,
} from "../../src/data/slices";
import json from "../fixtures/slices.json";

type Value = number | string | boolean | null;
interface Case {
  slice: Record<string, unknown[]>;
  members: number[];
  pooled: number[];
  mean_cm: (number | null)[];
  summary: { n_images: number; mean_iou: number | null; pixel_accuracy: number | null; mean_loss: number | null };
  most_confused: [number, number][];
  rankings: { cell: [number, number] | null; order: "share" | "pixels"; indices: number[]; scores: Value[] }[];
}
const raw = json as unknown as {
  C: number;
  N: number;
  classes: string[];
  cell_ptr: number[];
  cell_image: number[];
  cell_count: number[];
  losses: Value[];
  metadata: Record<string, Value[]>;
  columns: unknown;
  column_data: string;
  tags: Record<string, number[]>;
  cases: Case[];
};

const num = (v: Value) => (v === null ? Number.NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v));
const cellPtr = Int32Array.from(raw.cell_ptr);
const cellImage = Int32Array.from(raw.cell_image);
const cellCount = Int32Array.from(raw.cell_count);
const pooled = new Float64Array(raw.C * raw.C);
for (let k = 0; k < raw.C * raw.C; k++) for (let j = cellPtr[k]; j < cellPtr[k + 1]; j++) pooled[k] += cellCount[j];
const data: Data = {
  classes: raw.classes,
  colors: [],
  C: raw.C,
  N: raw.N,
  pooled,
  meanCm: new Float64Array(0),
  losses: Float64Array.from(raw.losses, num),
  cellPtr,
  cellImage,
  cellCount,
};
// as anywidget hands a Bytes trait over: a DataView, here into a larger buffer at an odd offset
const bytes = Uint8Array.from(atob(raw.column_data), (c) => c.charCodeAt(0));
const padded = new Uint8Array(bytes.length + 3);
padded.set(bytes, 3);
const columns = readColumns(raw.columns, new DataView(padded.buffer, 3, bytes.length), raw.N);
/** Equal numbers, NaN equal to NaN (null in the fixture). */
const same = (a: number, b: Value) => (b === null ? Number.isNaN(a) : a === num(b));

describe("columns as the widget sends them", () => {
  it("decode to the kernel's values: numbers (NaN and ±inf too), text, booleans, image sizes", () => {
    expect(columns.map((c) => c.name)).toEqual(["city", "night", "exposure", "cars", "image:height", "image:width"]);
    for (const [name, values] of Object.entries(raw.metadata)) {
      const column = columns.find((c) => c.name === name);
      if (!column) throw new Error(name);
      const decoded = column.values
        ? Array.from(column.values)
        : Array.from(column.codes as Int32Array, (k) => (column.kind === "bool" ? k === 1 : column.categories[k]));
      decoded.forEach((v, n) => {
        if (typeof v === "number") expect(same(v, values[n])).toBe(true);
        else expect(v).toBe(values[n]);
      });
    }
  });

  it("refuse blocks outside the data and row counts that are not the images'", () => {
    expect(() => readColumns(raw.columns, new DataView(bytes.buffer, 0, 100), raw.N)).toThrow(/outside/);
    expect(() => readColumns(raw.columns, new DataView(bytes.buffer), raw.N + 1)).toThrow(/rows/);
    expect(readColumns({ n_images: 3, columns: [] }, null, 3)).toEqual([]);
  });

  it("object size per image is the valid truth pixels of the class", () => {
    const pixels = truthPixels(data, 2);
    const dense = new Float64Array(raw.N);
    for (let p = 0; p < raw.C; p++) {
      const k = 2 * raw.C + p;
      for (let j = cellPtr[k]; j < cellPtr[k + 1]; j++) dense[cellImage[j]] += cellCount[j];
    }
    expect(Array.from(pixels)).toEqual(Array.from(dense));
  });
});

describe.each(raw.cases.map((c) => [JSON.stringify(c.slice), c] as const))("slice %s", (_, c) => {
  const member = sliceMask(readSlice(c.slice), columns, raw.tags, data);
  const counts = activeCounts(data, member);

  it("keeps the images Results.where keeps", () => {
    expect(member).not.toBeNull();
    const kept = [...(member as Uint8Array)].flatMap((m, n) => (m ? [n] : []));
    expect(kept).toEqual(c.members);
  });

  it("pools exactly their counts, and fastai's mean matrix over them", () => {
    expect(Array.from(counts.pooled)).toEqual(c.pooled);
    const mean = Array.from(counts.meanCm);
    mean.forEach((v, k) => {
      expect(same(v, c.mean_cm[k]), `mean_cm[${k}] ${v} vs ${c.mean_cm[k]}`).toBe(true);
    });
  });

  it("gives the header the kernel's numbers, to the last bit", () => {
    const summary = sliceSummary(counts, member as Uint8Array, { ...c.summary, partial: false });
    expect(summary.n_images).toBe(c.summary.n_images);
    expect(summary.mean_iou).toBe(c.summary.mean_iou);
    expect(summary.pixel_accuracy).toBe(c.summary.pixel_accuracy);
    expect(summary.mean_loss).toBe(c.summary.mean_loss);
    expect(summary.of).toBe(raw.N);
  });

  it("lists the most confused pairs of the slice", () => {
    expect(mostConfused(counts.pooled, counts.C, raw.C * raw.C).map((m) => [m.t, m.p])).toEqual(c.most_confused);
  });

  it("ranks only the slice's images, as Results.where(...).rank mapped to global indices", () => {
    for (const r of c.rankings) {
      const ranked = restrict(rank(counts, counts.losses, r.cell, r.order), counts.member);
      expect(Array.from(ranked.indices), `${JSON.stringify(r.cell)} ${r.order}`).toEqual(r.indices);
      Array.from(ranked.scores).forEach((s, i) => {
        expect(same(s, r.scores[i])).toBe(true);
      });
    }
  });
});

describe("slices without a condition", () => {
  it("are no slice: every image, the whole pass's counts", () => {
    expect(sliceMask({}, columns, raw.tags, data)).toBeNull();
    expect(activeCounts(data, null)).toBe(data);
  });

  it("ignore conditions on columns that do not exist; a tag that does not exist has no image", () => {
    expect(sliceMask({ nope: { values: ["x"] } }, columns, raw.tags, data)?.every((m) => m === 1)).toBe(true);
    expect(sliceMask({ "tag:nope": { values: [true] } }, columns, raw.tags, data)?.some((m) => m === 1)).toBe(false);
  });
});

describe("pairwiseSum", () => {
  it("sums as numpy does, not left to right, where the two differ", () => {
    // 1e16 swallows a 1 added to it alone (its ulp is 2), not the ones numpy's 8 accumulators gather first
    const values = [1e16, ...new Array(15).fill(1)];
    expect(values.reduce((a, b) => a + b, 0)).toBe(1e16); // left to right: every 1 lost
    expect(pairwiseSum(values)).toBe(1.0000000000000014e16); // np.sum of the same array
  });
});
