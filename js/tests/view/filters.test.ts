// The filter bar's pieces on their own: binning a numeric column, the range a brush sets, tag edits.
import { describe, expect, it } from "vitest";
import { describeSlice } from "../../src/view/filters";
import { binValues, MAX_BINS, rangeOfBins } from "../../src/view/histogram";
import { addToTag, removeFromTag, tagsByImage } from "../../src/view/tagging";

describe("binValues", () => {
  it("gives few distinct values a bar each, NaN none", () => {
    const b = binValues(Float64Array.from([3, 1, 1, Number.NaN, 2, 3, 3]));
    expect(b?.count).toEqual([2, 1, 3]);
    expect(b?.lo).toEqual([1, 2, 3]);
    expect(Array.from(b?.bin ?? [])).toEqual([2, 0, 0, -1, 1, 2, 2]);
    expect(b?.nan).toBe(1);
  });

  it("cuts many values into equal-width bars holding their own lowest and highest value", () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => i / 10); // 0 .. 9.9
    const b = binValues(values);
    if (!b) throw new Error("no bins");
    expect(b.count.length).toBe(MAX_BINS);
    expect(b.count.reduce((x, y) => x + y)).toBe(100);
    values.forEach((v, n) => {
      expect(v >= b.lo[b.bin[n]] && v <= b.hi[b.bin[n]]).toBe(true);
    });
    for (let k = 1; k < MAX_BINS; k++) expect(b.lo[k]).toBeGreaterThan(b.hi[k - 1]); // ordered, disjoint
  });

  it("puts infinities at the ends, and leaves a column with one value unbinned", () => {
    const values = Float64Array.from([...Array.from({ length: 40 }, (_, i) => i), Infinity, -Infinity]);
    const b = binValues(values);
    expect(b?.bin[40]).toBe(MAX_BINS - 1);
    expect(b?.bin[41]).toBe(0);
    expect(binValues(Float64Array.from([5, 5, Number.NaN]))).toBeNull();
  });
});

describe("rangeOfBins", () => {
  it("spans the values in the bins dragged across, either direction, skipping empty bins", () => {
    const b = binValues(Float64Array.from([0, 0.1, 5, 9.5, 10, ...Array.from({ length: 20 }, (_, i) => 0.3 * i)]));
    if (!b) throw new Error("no bins");
    const empty = b.count.indexOf(0);
    expect(empty).toBeGreaterThan(0);
    expect(rangeOfBins(b, empty, empty)).toBeNull();
    const [lo, hi] = rangeOfBins(b, b.count.length - 1, 0) ?? [];
    expect([lo, hi]).toEqual([0, 10]);
  });
});

describe("tag edits", () => {
  it("add sorted unique members, create and drop tags, and list each image's tags", () => {
    const tags = { a: [5, 1] };
    expect(addToTag(tags, "a", [3, 1])).toEqual({ a: [1, 3, 5] });
    expect(addToTag(tags, "<b>", [2])).toEqual({ a: [5, 1], "<b>": [2] });
    expect(removeFromTag({ a: [1, 3] }, "a", [3])).toEqual({ a: [1] });
    expect(removeFromTag({ a: [1, 3], b: [1] }, "a", [1, 3])).toEqual({ b: [1] });
    expect(removeFromTag(tags, "nope", [1])).toBe(tags);
    expect(tagsByImage({ a: [1, 2], b: [2] })).toEqual(
      new Map([
        [1, ["a"]],
        [2, ["a", "b"]],
      ]),
    );
  });
});

describe("describeSlice", () => {
  it("says the conditions in words", () => {
    expect(describeSlice({ kerb: { values: [false] }, horizon: { lo: 0.4, hi: null } })).toBe(
      "kerb = false · horizon in [0.4, ∞]",
    );
  });
});
