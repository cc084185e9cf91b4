import { describe, expect, it } from "vitest";
import { describeCell } from "../src/heatmap";
import { abbreviate, cellCenter, computeLayout, hitTest } from "../src/layout";

const labels = (font: number) => 6 * font; // a fixed label width for the layout

describe("heatmap layout", () => {
  it("fits the width and caps cells at 32 px", () => {
    const L = computeLayout(5, 600, 1, labels);
    expect(L.cell).toBe(32);
    const big = computeLayout(150, 800, 1, labels);
    expect(big.width).toBeLessThanOrEqual(800);
    expect(big.cell).toBeGreaterThanOrEqual(2);
    expect(big.labelStep).toBeGreaterThan(1);
  });

  it("zoom multiplies the cell size", () => {
    expect(computeLayout(150, 800, 4, labels).cell).toBe(4 * computeLayout(150, 800, 1, labels).cell);
  });

  it("caps the label margin", () => {
    const L = computeLayout(10, 800, 1, () => 1000);
    expect(L.originX).toBeLessThan(140);
    expect(L.originY).toBe(L.originX);
  });
});

describe("hit-testing", () => {
  for (const C of [1, 7, 150]) {
    it(`maps every cell centre back to its cell (C=${C})`, () => {
      const L = computeLayout(C, 700, 1, labels);
      for (let t = 0; t < C; t++) {
        for (let p = 0; p < C; p++) {
          const { x, y } = cellCenter(L, t, p);
          expect(hitTest(L, x, y)).toEqual({ kind: "cell", t, p });
        }
      }
    });
  }

  it("cell edges: top-left inclusive, bottom-right exclusive", () => {
    const L = computeLayout(4, 400, 1, labels);
    expect(hitTest(L, L.originX, L.originY)).toEqual({ kind: "cell", t: 0, p: 0 });
    expect(hitTest(L, L.originX + L.cell, L.originY + L.cell - 0.01)).toEqual({ kind: "cell", t: 0, p: 1 });
    expect(hitTest(L, L.originX + 4 * L.cell, L.originY)).toBeNull();
  });

  it("labels: left margin = rows, top margin = columns, corner = nothing", () => {
    const L = computeLayout(4, 400, 1, labels);
    expect(hitTest(L, 2, L.originY + 2.5 * L.cell)).toEqual({ kind: "row", c: 2 });
    expect(hitTest(L, L.originX + 3.5 * L.cell, 2)).toEqual({ kind: "col", c: 3 });
    expect(hitTest(L, 2, 2)).toBeNull();
    expect(hitTest(L, -1, L.originY + 1)).toBeNull();
  });

  it("centre formula is the DOM contract's origin + (p+0.5, t+0.5)·size", () => {
    const L = computeLayout(6, 500, 2, labels);
    expect(cellCenter(L, 2, 5)).toEqual({ x: L.originX + 5.5 * L.cell, y: L.originY + 2.5 * L.cell });
  });
});

describe("labels and tooltip", () => {
  const measure = (s: string) => s.length * 10;

  it("abbreviates long names with an ellipsis", () => {
    expect(abbreviate("road", 100, measure)).toBe("road");
    const short = abbreviate("traffic light", 60, measure);
    expect(short.endsWith("…")).toBe(true);
    expect(measure(short)).toBeLessThanOrEqual(60);
    expect(abbreviate("x", 0, measure)).toBe("…");
  });

  it("describes a cell under every normalisation", () => {
    const lines = describeCell(["a", "b"], { true: 0.25, pred: 0.5, none: 1234, mean: Number.NaN }, 3, 0, 1);
    expect(lines).toContain("true: a");
    expect(lines).toContain("predicted: b");
    expect(lines).toContain("share of true: 25.0%");
    expect(lines).toContain("share of predicted: 50.0%");
    expect(lines).toContain("per-image mean: –");
    expect(lines).toContain("pixels: 1,234");
    expect(lines).toContain("images: 3");
  });
});
