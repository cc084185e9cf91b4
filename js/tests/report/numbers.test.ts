// The offline report's chart numbers (reportnumbers.ts) against what the notebook's charts draw, written by Python
// (tests/compare_fixture.py charts()), and against loops over the fixture's raw arrays.
import { describe, expect, it } from "vitest";
import { sliceCounts } from "../../src/data/slices";
import { histogram } from "../../src/report/charts";
import { comparisonNumbers, modelNumbers } from "../../src/report/numbers";
import { chartsFixture, modelA, modelB } from "../compare-fixture";

const nullable = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isNaN(v) ? null : v));
const asData = (m: typeof modelA) => ({ ...m, classes: [] as string[], colors: [] as string[] });

function memberOf(members: number[] | null): Uint8Array | null {
  if (!members) return null;
  const out = new Uint8Array(modelA.N);
  for (const n of members) out[n] = 1;
  return out;
}

/** A's counts as the report's view has them: the slice's (restricted cell index) or all. */
const activeA = (member: Uint8Array | null) => (member ? sliceCounts(asData(modelA), member) : modelA);

/** Per-class IoU over the images `keep` says, by a loop over every entry of a model's raw cell index. */
function loopIou(m: typeof modelA, keep: (n: number) => boolean): number[] {
  const C = m.C;
  const cm = new Array(C * C).fill(0);
  for (let k = 0; k < C * C; k++) {
    for (let j = m.cellPtr[k]; j < m.cellPtr[k + 1]; j++) if (keep(m.cellImage[j])) cm[k] += m.cellCount[j];
  }
  return Array.from({ length: C }, (_, c) => {
    let row = 0;
    let col = 0;
    for (let q = 0; q < C; q++) {
      row += cm[c * C + q];
      col += cm[q * C + c];
    }
    const union = row + col - cm[c * C + c];
    return union === 0 ? Number.NaN : cm[c * C + c] / union;
  });
}

describe("a comparison's chart numbers equal the notebook's", () => {
  it("covers rises, falls, undefined changes, empty and non-empty selections, and slices", () => {
    const values = chartsFixture.cases.flatMap((c) => c.iou_change);
    expect(values.some((v) => v !== null && v > 0)).toBe(true);
    expect(values.some((v) => v !== null && v < 0)).toBe(true);
    expect(values).toContain(null);
    const sizes = chartsFixture.cases.flatMap((c) => c.matching.map((m) => m.indices.length));
    expect(sizes).toContain(0);
    expect(Math.max(...sizes)).toBeGreaterThan(10);
    expect(chartsFixture.cases.filter((c) => c.members).length).toBe(2);
  });

  it("histograms every image's loss change in the embedded bins as numpy does", () => {
    const { losses } = comparisonNumbers(modelA, modelB, null, "worse");
    expect(histogram(losses, chartsFixture.edges)).toEqual(chartsFixture.counts);
    // the change itself, image by image: B's loss minus A's
    expect(nullable(losses)).toEqual(nullable(Array.from(modelB.losses, (v, n) => v - modelA.losses[n])));
  });

  it.each(chartsFixture.cases.map((c, i) => [i, c] as const))("slice case %i", (_, c) => {
    const member = memberOf(c.members);
    const a = activeA(member);
    for (const m of c.matching) {
      const numbers = comparisonNumbers(a, modelB, m.cell, m.direction);
      // one float64 subtraction of two IoUs, each one division of integer sums: exact
      expect(nullable(numbers.iou)).toEqual(c.iou_change);
      const what = `${JSON.stringify(m.cell)} ${m.direction}`;
      if (m.cell === null && member === null) {
        expect(numbers.matching, what).toBeNull(); // nothing to draw over the distribution
        continue;
      }
      expect(Array.from(numbers.matching ?? []), what).toEqual(m.indices);
      const over = Array.from(numbers.matching ?? [], (n) => numbers.losses[n]);
      expect(histogram(over, chartsFixture.edges), what).toEqual(m.counts);
    }
  });

  it("takes B's IoU over the slice's images, as a loop over both raw indices does", () => {
    for (const c of chartsFixture.cases) {
      const member = memberOf(c.members);
      const keep = (n: number) => member === null || member[n] === 1;
      const [a, b] = [loopIou(modelA, keep), loopIou(modelB, keep)];
      const { iou } = comparisonNumbers(activeA(member), modelB, null, "worse");
      expect(nullable(iou)).toEqual(nullable(b.map((v, k) => v - a[k])));
    }
  });
});

describe("one model's chart numbers", () => {
  it("are A's own IoU over the slice, its losses, and the slice's images of the selection", () => {
    const member = memberOf([1, 4, 5, 9, 20, 33]);
    const keep = (n: number) => member?.[n] === 1;
    const a = activeA(member);
    const numbers = modelNumbers(asData(modelA), a, [1, 1], "share");
    expect(nullable(numbers.iou)).toEqual(nullable(loopIou(modelA, keep)));
    expect(numbers.losses).toBe(modelA.losses);
    const all = modelNumbers(asData(modelA), modelA, [1, 1], "share").matching ?? [];
    expect(Array.from(numbers.matching ?? [])).toEqual(Array.from(all).filter(keep));
    expect(numbers.matching?.length).toBeGreaterThan(0);
    expect(modelNumbers(asData(modelA), modelA, null, "share").matching).toBeNull();
  });
});
