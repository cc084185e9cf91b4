// Objects in the browser against Python's answers (tests/objects_fixture.py): Results.rank(t, p, by="missed" |
// "false") and rank_objects per size bin (COCO's and each class's terciles), and object_table, for all images and
// for slices (Results.subset: the slice's own terciles), bit for bit; and np.quantile's linear method.
import { describe, expect, it } from "vitest";
import {
  fromRows,
  objectTable,
  quantile,
  rankObjects,
  readObjects,
  type SizeBinning,
  selectQuantile,
  tercileEdges,
  tercileTable,
} from "../../src/data/objects";
import { FakeModel } from "../fake-model";
import json from "../fixtures/objects.json";

interface Case {
  slice: number[] | null;
  order: "missed" | "false";
  t: number | null;
  p: number | null;
  size: number | null;
  binning: SizeBinning;
  indices: number[];
  scores: number[];
}
interface Table {
  slice: number[] | null;
  binning: SizeBinning;
  objects: number[];
  missed: number[];
}
const raw = json as unknown as {
  N: number;
  C: number;
  truth: number[];
  false: number[];
  cases: Case[];
  tables: Table[];
  edges: { slice: number[] | null; class: number; edges: [number, number] | null }[];
  quantiles: { sizes: number[]; edges: [number, number] }[];
};
const objects = fromRows(Int32Array.from(raw.truth), Int32Array.from(raw.false));
const mask = (members: number[] | null) => {
  if (members === null) return null;
  const m = new Uint8Array(raw.N);
  for (const n of members) m[n] = 1;
  return m;
};

describe("object rankings", () => {
  it.each(raw.cases.map((c, k) => [k, c] as const))("case %i equals Results.rank", (_, c) => {
    const got = rankObjects(objects, raw.N, c.order, c.t, c.p, mask(c.slice), c.size, c.binning);
    expect(Array.from(got.indices)).toEqual(c.indices);
    expect(Array.from(got.scores)).toEqual(c.scores);
  });
});

describe("object tables", () => {
  it.each(raw.tables.map((t, k) => [k, t] as const))("table %i equals Results.object_table", (_, t) => {
    const got = objectTable(objects, raw.C, t.binning, mask(t.slice));
    expect(Array.from(got.objects)).toEqual(t.objects);
    expect(Array.from(got.missed)).toEqual(t.missed);
  });
});

describe("tercile edges", () => {
  it.each(raw.edges.map((e, k) => [k, e] as const))("slice and class %i: np.quantile(sizes, [1/3, 2/3])", (_, e) => {
    expect(tercileTable(objects, raw.C, mask(e.slice))[e.class]).toEqual(e.edges);
  });

  it.each(raw.quantiles.map((q, k) => [k, q] as const))("interpolated case %i, bit for bit", (_, q) => {
    const [lo, hi] = tercileEdges(q.sizes);
    expect([Object.is(lo, q.edges[0]), Object.is(hi, q.edges[1])]).toEqual([true, true]);
  });

  it("selection finds the sorted array's quantiles, with ties, one value and runs of equal sizes", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 400; trial++) {
      const n = 1 + Math.floor(random() * 60);
      const spread = [2, 10, 1e6][trial % 3];
      const values = Float64Array.from({ length: n }, () => 1 + Math.floor(random() * spread));
      const sorted = values.slice().sort();
      for (const q of [0, 1 / 3, 0.5, 2 / 3, 1]) {
        expect(Object.is(selectQuantile(values.slice(), q), quantile(sorted, q))).toBe(true);
      }
    }
  });

  it("the fixture's edges are not all whole: the interpolation is exercised", () => {
    expect(raw.quantiles.some((q) => !Number.isInteger(q.edges[0]) || !Number.isInteger(q.edges[1]))).toBe(true);
  });
});

describe("quantile", () => {
  it("is numpy's linear method, also at the ends and for one value", () => {
    const a = Float64Array.from([1, 2, 4, 8, 16]);
    expect(quantile(a, 0)).toBe(1);
    expect(quantile(a, 1)).toBe(16);
    expect(quantile(a, 0.5)).toBe(4);
    expect(quantile(a, 1 / 3)).toBeCloseTo(2 + (4 - 2) * (4 / 3 - 1), 15);
    expect(quantile(Float64Array.from([7]), 2 / 3)).toBe(7);
  });
});

describe("readObjects", () => {
  it("reads the traits and says null when the results have none", () => {
    const bytes = (a: number[]) => new DataView(Int32Array.from(a).buffer);
    const model = new FakeModel({ objects_truth: bytes(raw.truth), objects_false: bytes(raw.false) });
    expect(Array.from(readObjects(model as never)?.truth.pixels ?? [])).toEqual(Array.from(objects.truth.pixels));
    const empty = new FakeModel({
      objects_truth: new DataView(new ArrayBuffer(0)),
      objects_false: new DataView(new ArrayBuffer(0)),
    });
    expect(readObjects(empty as never)).toBeNull();
    expect(() => fromRows(Int32Array.from([1, 2, 3]), new Int32Array(0))).toThrow(/whole rows/);
  });
});
