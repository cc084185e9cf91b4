import { describe, expect, it } from "vitest";
import { absentClasses, classIou, displayClasses, focusClasses, orderClasses, orderOf } from "../../src/data/classview";
import { focusCases } from "../fixture";

describe("focus agrees with Python's class_focus.focus_classes", () => {
  it("has cases beyond C and on a large sparse matrix", () => {
    expect(focusCases.some((c) => c.C >= 40)).toBe(true);
    expect(focusCases.some((c) => c.k > c.C)).toBe(true);
  });

  it.each(focusCases.map((c, i) => [i, c] as const))("case %i", (_, c) => {
    expect(focusClasses(Float64Array.from(c.pooled), c.C, c.k)).toEqual(c.classes);
  });
});

// C=4: 0→1 confused a lot, 2→3 a little, class 3 absent from truth, nothing else off the diagonal.
const C = 4;
const pooled = Float64Array.from([50, 30, 0, 0, 0, 40, 0, 0, 0, 0, 90, 5, 0, 0, 0, 0]);

describe("the classes the heatmap shows", () => {
  it("empty or invalid lists mean every class, in index order", () => {
    expect(displayClasses([], 3)).toEqual([0, 1, 2]);
    expect(displayClasses(null, 2)).toEqual([0, 1]);
    expect(displayClasses([2, 0, 2, 7, -1, 1.5], 3)).toEqual([2, 0]);
    expect(displayClasses([9], 3)).toEqual([0, 1, 2]);
  });

  it("focus takes the most confused pairs' classes, then the busiest others", () => {
    expect(focusClasses(pooled, C, 2)).toEqual([0, 1]);
    expect(focusClasses(pooled, C, 3)).toEqual([0, 1, 2]);
    expect(focusClasses(pooled, C, 4)).toEqual([0, 1, 2, 3]);
    expect(focusClasses(pooled, C, 1)).toEqual([0]);
    expect(focusClasses(pooled, C, 0)).toEqual([]);
  });

  it("absent = in neither truth nor prediction", () => {
    const m = pooled.slice();
    m[2 * C + 3] = 0; // now nothing predicts class 3 either
    expect([...absentClasses(m, C)]).toEqual([3]);
    expect([...absentClasses(pooled, C)]).toEqual([]);
  });

  it("orders by index, by IoU worst first with undefined last, or grouped by confusion", () => {
    expect(orderClasses([3, 1, 0], pooled, C, "index")).toEqual([0, 1, 3]);
    const iou = classIou(pooled, C);
    expect(iou[3]).toBe(0); // predicted, never true: IoU 0
    expect(orderClasses([0, 1, 2, 3], pooled, C, "iou")).toEqual([3, 1, 0, 2]); // 0, 40/70, 50/80, 90/95
    const m = pooled.slice();
    m[2 * C + 3] = 0;
    expect(Number.isNaN(classIou(m, C)[3])).toBe(true);
    expect(orderClasses([3, 0, 1, 2], m, C, "iou")).toEqual([1, 0, 2, 3]);
    const grouped = orderClasses([0, 1, 2, 3], pooled, C, "grouped");
    expect([...grouped].sort()).toEqual([0, 1, 2, 3]);
    const adjacent = (a: number, b: number) => Math.abs(grouped.indexOf(a) - grouped.indexOf(b)) === 1;
    expect(adjacent(0, 1) && adjacent(2, 3)).toBe(true);
  });

  it("grouping puts a chain of confusions in chain order, unconfused classes after", () => {
    // 5 classes: 0↔4 strongly, 4↔2 less, 2↔1 least; class 3 confused with none
    const n = 5;
    const m = new Float64Array(n * n);
    for (let c = 0; c < n; c++) m[c * n + c] = 100;
    m[0 * n + 4] = 60;
    m[4 * n + 2] = 30;
    m[2 * n + 1] = 10;
    const g = orderClasses([0, 1, 2, 3, 4], m, n, "grouped");
    const chain = g.slice(0, 4);
    expect(chain[0] === 0 ? chain : [...chain].reverse()).toEqual([0, 4, 2, 1]);
    expect(g[4]).toBe(3);
  });

  it("recognises which order a list is in", () => {
    expect(orderOf([0, 1, 2, 3], pooled, C)).toBe("index");
    expect(orderOf([3, 1, 0, 2], pooled, C)).toBe("iou");
    expect(orderOf([1, 3, 0, 2], pooled, C)).toBe("custom");
  });
});
