import { describe, expect, it } from "vitest";
import { comparisonValues, imageCounts, mostChanged } from "../../src/compare/data";
import { changeKind, imageScores, orderChanges, rankChanges } from "../../src/compare/ranking";
import { fmtChange } from "../../src/compare/view";
import {
  DIFFERENCE,
  deltaColor,
  differenceColor,
  differenceMask,
  divergingRamp,
  divergingScale,
} from "../../src/data/change-colors";
import { compareCases, modelA, modelB, mostChangedCells, nums } from "../compare-fixture";

const nullable = (a: Float64Array) => Array.from(a, (v) => (Number.isNaN(v) ? null : v));

describe("rankChanges agrees with Python's comparison ranking bit for bit", () => {
  it("has cases of every rule, both directions, with and without a loss filter", () => {
    const seen = new Set(
      compareCases
        .filter((c) => c.indices.length > 0)
        .map((c) => `${changeKind(c.cell)} ${c.direction} ${!!c.loss_range}`),
    );
    expect(seen.size).toBe(3 * 2 * 2);
  });

  it.each(compareCases.map((c, i) => [i, c] as const))("case %i", (_, c) => {
    const r = rankChanges(modelA, modelB, modelA.losses, modelB.losses, c.cell, c.direction, c.loss_range);
    expect(Array.from(r.indices)).toEqual(c.indices);
    // The same float64 operations on the same integers: compared exactly (null stands for NaN).
    expect(nullable(r.scores)).toEqual(c.scores);
    expect(nullable(r.a)).toEqual(c.a);
    expect(nullable(r.b)).toEqual(c.b);
  });
});

/** Image n's dense counts straight from the fixture's arrays, cell by cell. */
function dense(m: typeof modelA, n: number): number[] {
  const out = new Array(m.C * m.C).fill(0);
  for (let k = 0; k < m.C * m.C; k++) {
    for (let j = m.cellPtr[k]; j < m.cellPtr[k + 1]; j++) if (m.cellImage[j] === n) out[k] = m.cellCount[j];
  }
  return out;
}

describe("per-image scores against dense matrices", () => {
  const C = modelA.C;
  it("reads one image's counts from the cell-major index", () => {
    for (let n = 0; n < modelA.N; n++) expect(Array.from(imageCounts(modelB, n))).toEqual(dense(modelB, n));
  });

  it("shares and IoUs of both models, and their difference", () => {
    for (const [t, p] of [
      [0, 1],
      [2, 2],
      [4, 4],
      [3, 4],
    ] as const) {
      const s = imageScores(modelA, modelB, modelA.losses, modelB.losses, [t, p]);
      for (let n = 0; n < modelA.N; n++) {
        const [a, b] = [dense(modelA, n), dense(modelB, n)];
        const row = (m: number[]) => m.slice(t * C, t * C + C).reduce((x, y) => x + y, 0);
        const col = (m: number[]) => Array.from({ length: C }, (_, q) => m[q * C + t]).reduce((x, y) => x + y, 0);
        const score = (m: number[]) =>
          t !== p ? m[t * C + p] / row(m) : m[t * C + t] / (row(m) + col(m) - m[t * C + t]);
        expect(s.a[n]).toEqual(score(a));
        expect(s.b[n]).toEqual(score(b));
        expect(s.delta[n]).toEqual(score(b) - score(a));
      }
    }
  });
});

describe("orderChanges on hand-made deltas", () => {
  const d = Float64Array.from([0.1, Number.NaN, -0.2, 0.1, 0, -0, Number.POSITIVE_INFINITY, -0.2, -0.05]);

  it("nothing selected: every image by Δloss, ties by index, NaN last", () => {
    expect(orderChanges(d, "loss", "worse")).toEqual([6, 0, 3, 4, 5, 8, 2, 7, 1]);
    expect(orderChanges(d, "loss", "better")).toEqual([2, 7, 8, 4, 5, 0, 3, 6, 1]);
  });

  it("a confusion: worse = its share grew (Δ > 0, largest first); better = it shrank", () => {
    expect(orderChanges(d, "share", "worse")).toEqual([6, 0, 3]);
    expect(orderChanges(d, "share", "better")).toEqual([2, 7, 8]);
  });

  it("a class: worse = its IoU fell (Δ < 0, most first); better = it rose; zero in neither", () => {
    expect(orderChanges(d, "iou", "worse")).toEqual([2, 7, 8]);
    expect(orderChanges(d, "iou", "better")).toEqual([6, 0, 3]);
  });
});

describe("most changed confusions", () => {
  it("equal Python's Comparison.most_changed, grew then shrank", () => {
    const C = modelA.C;
    const changes = mostChanged(modelA.pooled, modelB.pooled, C, C * C);
    expect(changes.grew.map((c) => [c.t, c.p])).toEqual(mostChangedCells.grew);
    expect(changes.shrank.map((c) => [c.t, c.p])).toEqual(mostChangedCells.shrank);
    expect(changes.grew.every((c) => c.delta === c.shareB - c.shareA && c.delta > 0)).toBe(true);
    expect(mostChanged(modelA.pooled, modelB.pooled, C, 2).grew).toHaveLength(2);
  });
});

describe("the heatmap of a comparison", () => {
  const C = 2;
  const a = { pooled: Float64Array.from([6, 2, 1, 3]), meanCm: Float64Array.from([0.7, 0.3, 0.2, 0.8]) };
  const b = { pooled: Float64Array.from([7, 1, 3, 1]), meanCm: Float64Array.from([0.9, 0.1, 0.6, 0.4]) };
  const ka = { ...a, C, N: 1, losses: new Float64Array(1), ...emptyIndex(C) };
  const kb = { ...b, C, N: 1, losses: new Float64Array(1), ...emptyIndex(C) };

  it("shows B − A of the normalised matrices, or either model's", () => {
    expect(Array.from(comparisonValues(ka, kb, C, "true", "delta"))).toEqual([
      7 / 8 - 6 / 8,
      1 / 8 - 2 / 8,
      3 / 4 - 1 / 4,
      1 / 4 - 3 / 4,
    ]);
    expect(Array.from(comparisonValues(ka, kb, C, "none", "delta"))).toEqual([1, -1, 2, -2]);
    expect(Array.from(comparisonValues(ka, kb, C, "mean", "A"))).toEqual([0.7, 0.3, 0.2, 0.8]);
    expect(Array.from(comparisonValues(ka, kb, C, "pred", "B"))).toEqual([0.7, 0.5, 0.3, 0.5]);
  });

  it("colours it on a scale symmetric about zero, the largest off-diagonal |Δ| at the ends", () => {
    const v = Float64Array.from([0.5, -0.25, Number.NaN, -2]);
    expect(divergingScale(v, C)).toEqual({ lo: -0.25, hi: 0.25, log: false, diverging: true });
    // no off-diagonal change: the diagonal's; no change at all: [−1, 1]
    expect(divergingScale(Float64Array.from([0.5, 0, 0, -2]), C).hi).toBe(2);
    expect(divergingScale(new Float64Array(4), C).hi).toBe(1);
  });

  it("draws zero neutral, B confusing more red, less blue; the diagonal's sign flipped; NaN empty", () => {
    const scale = { lo: -0.5, hi: 0.5, log: false, diverging: true };
    for (const theme of ["light", "dark"] as const) {
      const neutral = deltaColor(scale, theme, 0, false);
      expect(neutral).toEqual(divergingRamp(theme, 0));
      const [r0, , b0] = neutral ?? [0, 0, 0];
      expect(Math.abs(r0 - b0)).toBeLessThan(10); // grey: no hue
      const [r, , bl] = deltaColor(scale, theme, 0.25, false) ?? [0, 0, 0];
      expect(r).toBeGreaterThan(bl + 60); // red: B confuses more
      const [r2, , b2] = deltaColor(scale, theme, -0.25, false) ?? [0, 0, 0];
      expect(b2).toBeGreaterThan(r2 + 60); // blue: B confuses less
      // on the diagonal more pixels right is better: blue
      expect(deltaColor(scale, theme, 0.25, true)).toEqual(deltaColor(scale, theme, -0.25, false));
      expect(deltaColor(scale, theme, Number.NaN, false)).toBeNull();
      // beyond the scale: the end colour; further from zero: further from neutral
      expect(deltaColor(scale, theme, 3, false)).toEqual(divergingRamp(theme, 1));
      const far = (x: number) => Math.abs((deltaColor(scale, theme, x, false) ?? [0])[0] - r0);
      expect(far(0.5)).toBeGreaterThan(far(0.1));
    }
  });
});

describe("the difference layer", () => {
  it("marks where A and B differ: only B right, only A right, both wrong; void and agreement dimmed", () => {
    expect(differenceColor(1, 2, 1, 255)).toEqual(DIFFERENCE.fixed);
    expect(differenceColor(1, 1, 2, 255)).toEqual(DIFFERENCE.broke);
    expect(differenceColor(1, 2, 3, 255)).toEqual(DIFFERENCE.both);
    expect(differenceColor(1, 2, 2, 255)).toBeNull(); // both wrong, alike: no difference
    expect(differenceColor(1, 1, 1, 255)).toBeNull();
    expect(differenceColor(255, 1, 2, 255)).toBeNull();
    const truth = Uint8Array.from([1, 1, 1, 255]);
    const out = differenceMask(
      truth,
      Uint8Array.from([2, 1, 1, 0]),
      Uint8Array.from([1, 2, 1, 3]),
      255,
      0.5,
      new Uint8ClampedArray(16),
    );
    expect(Array.from(out.subarray(0, 4))).toEqual([...DIFFERENCE.fixed, 128]);
    expect(Array.from(out.subarray(4, 8))).toEqual([...DIFFERENCE.broke, 128]);
    expect(Array.from(out.subarray(8, 16))).toEqual([0, 0, 0, 70, 0, 0, 0, 70]);
  });
});

describe("captions", () => {
  it("sign every change; shares in percentage points", () => {
    expect(fmtChange(0.081, true)).toBe("+8.1 pts");
    expect(fmtChange(-0.5, false)).toBe("−0.500");
    expect(fmtChange(0, true)).toBe("±0.0 pts");
    expect(fmtChange(Number.NaN, true)).toBe("–");
    expect(nums([null, 1])[0]).toBeNaN();
  });
});

function emptyIndex(C: number) {
  return { cellPtr: new Int32Array(C * C + 1), cellImage: new Int32Array(0), cellCount: new Int32Array(0) };
}
