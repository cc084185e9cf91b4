import { describe, expect, it } from "vitest";
import { describeCell } from "../../src/view/heatmap-draw";
import {
  abbreviate,
  cellCenter,
  computeLayout,
  drawnCols,
  drawnRows,
  hitTest,
  pannable,
  revealPan,
} from "../../src/view/layout";

const labels = (font: number) => 6 * font; // a fixed label width for the layout
const all = (n: number) => Array.from({ length: n }, (_, c) => c);

describe("heatmap layout", () => {
  it("fits the width and caps cells at 32 px", () => {
    const L = computeLayout(all(5), 600, 1, labels);
    expect(L.cell).toBe(32);
    const big = computeLayout(all(150), 800, 1, labels);
    expect(big.width).toBeLessThanOrEqual(800);
    expect(big.cell).toBeGreaterThanOrEqual(2);
    expect(big.labelStep).toBeGreaterThan(1);
    expect([big.nRows, big.nCols]).toEqual([150, 150]); // at fit everything is drawn
  });

  it("zoom multiplies the cell size and the canvas becomes a window onto the matrix", () => {
    const fit = computeLayout(all(150), 800, 1, labels);
    const z = computeLayout(all(150), 800, 4, labels);
    expect(z.cell).toBe(4 * fit.cell);
    expect(z.width).toBeLessThanOrEqual(800);
    expect(z.nCols).toBeLessThan(150);
    expect(z.nRows).toBe(z.nCols);
    expect(pannable(z)).toBe(true);
    expect(pannable(fit)).toBe(false);
  });

  it("caps the label margin", () => {
    const L = computeLayout(all(10), 800, 1, () => 1000);
    expect(L.originX).toBeLessThan(140);
    expect(L.originY).toBe(L.originX);
  });

  it("pans in whole cells, clamped to the matrix, and draws the classes of the window", () => {
    const order = [5, 3, 9, 1, 0, 7, 2, 8, 6, 4];
    const L = computeLayout(order, 200, 4, labels, { row: 3, col: 99 });
    expect(L.nCols).toBeLessThan(order.length);
    expect(L.firstRow).toBe(3);
    expect(L.firstCol).toBe(order.length - L.nCols);
    expect(drawnRows(L)).toEqual(order.slice(3, 3 + L.nRows));
    expect(drawnCols(L)).toEqual(order.slice(order.length - L.nCols));
  });

  it("reveals a cell by panning as little as possible", () => {
    const order = all(40);
    const L = computeLayout(order, 300, 4, labels, { row: 0, col: 0 });
    expect(revealPan(L, 1, 2)).toEqual({ row: 0, col: 0 }); // already drawn
    const far = revealPan(L, 39, 30);
    expect(far).toEqual({ row: 40 - L.nRows, col: 30 - L.nCols + 1 });
    const moved = computeLayout(order, 300, 4, labels, far);
    expect(drawnRows(moved)).toContain(39);
    expect(drawnCols(moved).at(-1)).toBe(30);
    expect(revealPan(moved, 0, 30)).toEqual({ row: 0, col: far.col });
  });
});

describe("hit-testing", () => {
  for (const C of [1, 7, 150]) {
    it(`maps every drawn cell centre back to its cell (C=${C})`, () => {
      const L = computeLayout(all(C), 700, 1, labels);
      for (let t = 0; t < C; t++) {
        for (let p = 0; p < C; p++) {
          const centre = cellCenter(L, t, p);
          if (!centre) throw new Error(`cell ${t},${p} not drawn`);
          expect(hitTest(L, centre.x, centre.y)).toEqual({ kind: "cell", t, p });
        }
      }
    });
  }

  it("in a reordered, panned window, the contract's formula finds each drawn cell", () => {
    const order = [4, 0, 3, 1, 2, 9, 8, 7, 6, 5, 11, 10];
    const L = computeLayout(order, 260, 3, labels, { row: 2, col: 5 });
    const rows = drawnRows(L);
    const cols = drawnCols(L);
    for (const t of rows) {
      for (const p of cols) {
        const x = L.originX + (cols.indexOf(p) + 0.5) * L.cell;
        const y = L.originY + (rows.indexOf(t) + 0.5) * L.cell;
        expect(hitTest(L, x, y)).toEqual({ kind: "cell", t, p });
        expect(cellCenter(L, t, p)).toEqual({ x, y });
      }
    }
    expect(cellCenter(L, order[0], order[0])).toBeNull(); // panned away: not drawn
  });

  it("cell edges: top-left inclusive, bottom-right exclusive", () => {
    const L = computeLayout(all(4), 400, 1, labels);
    expect(hitTest(L, L.originX, L.originY)).toEqual({ kind: "cell", t: 0, p: 0 });
    expect(hitTest(L, L.originX + L.cell, L.originY + L.cell - 0.01)).toEqual({ kind: "cell", t: 0, p: 1 });
    expect(hitTest(L, L.originX + 4 * L.cell, L.originY)).toBeNull();
  });

  it("labels: left margin = rows, top margin = columns, corner = nothing", () => {
    const L = computeLayout([3, 1, 0, 2], 400, 1, labels);
    expect(hitTest(L, 2, L.originY + 2.5 * L.cell)).toEqual({ kind: "row", c: 0 });
    expect(hitTest(L, L.originX + 3.5 * L.cell, 2)).toEqual({ kind: "col", c: 2 });
    expect(hitTest(L, 2, 2)).toBeNull();
    expect(hitTest(L, -1, L.originY + 1)).toBeNull();
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
    const tiny = describeCell(["a", "b"], { true: 4.2e-6, pred: 0.99996, none: 3, mean: 0 }, 1, 0, 1);
    expect(tiny).toContain("share of true: 0.00042%"); // never "0.0%" for a nonzero count
    expect(tiny).toContain("share of predicted: 99.996%"); // never "100.0%" short of all
    expect(lines).toContain("images: 3");
  });
});
