import { describe, expect, it } from "vitest";
import {
  columnsFor,
  columnsToFit,
  moveInGrid,
  revealScrollTop,
  tilePosition,
  totalHeight,
  visibleRange,
} from "../../src/view/virtual";

const g = { columns: 4, rowHeight: 100, colWidth: 150 };

describe("gallery windowing", () => {
  it("fits columns, at least one", () => {
    expect(columnsFor(600, 140, 8)).toBe(4);
    expect(columnsFor(50, 140, 8)).toBe(1);
    expect(columnsFor(4 * 140 + 3 * 8, 140, 8)).toBe(4);
  });

  it("narrows the tiles where a row of full-size ones would not fit the height, down to the smallest", () => {
    const tile = { min: 132, smallest: 72, caption: 34, gap: 8 };
    // A row is a tile's side plus its caption and gap: the columns leave the widest side whose row fits.
    const rowFits = (width: number, height: number) => {
      const columns = columnsToFit(width, height, tile);
      const side = (width + tile.gap) / columns - tile.gap;
      return side + tile.caption + tile.gap <= height || side <= tile.smallest + 1e-9 || false;
    };
    expect(columnsToFit(568, 600, tile)).toBe(columnsFor(568, 132, 8)); // room: the usual columns
    for (const [w, hgt] of [
      [568, 170],
      [316, 150],
      [900, 120],
    ]) {
      expect(columnsToFit(w, hgt, tile)).toBeGreaterThan(columnsFor(w, 132, 8));
      expect(rowFits(w, hgt)).toBe(true);
    }
    expect(columnsToFit(316, 20, tile)).toBe(columnsFor(316, 72, 8)); // never below the smallest tile
  });

  it("total height counts partial rows", () => {
    expect(totalHeight(9, g)).toBe(300);
    expect(totalHeight(0, g)).toBe(0);
  });

  it("visible range covers the rows intersecting the viewport, clamped", () => {
    expect(visibleRange(0, 250, 1000, g)).toEqual({ start: 0, end: 12 });
    expect(visibleRange(250, 250, 1000, g)).toEqual({ start: 8, end: 20 });
    expect(visibleRange(300, 200, 1000, g)).toEqual({ start: 12, end: 20 });
    expect(visibleRange(0, 250, 10, g)).toEqual({ start: 0, end: 10 });
    expect(visibleRange(0, 250, 0, g)).toEqual({ start: 0, end: 0 });
  });

  it("DOM nodes stay proportional to the viewport, not N", () => {
    const { start, end } = visibleRange(5_000_000, 500, 1_000_000, g);
    expect(end - start).toBe(4 * 5);
    expect(start % 4).toBe(0);
  });

  it("places tiles row-major", () => {
    expect(tilePosition(0, g)).toEqual({ x: 0, y: 0 });
    expect(tilePosition(6, g)).toEqual({ x: 300, y: 100 });
  });

  it("scrolls as little as possible to reveal a rank", () => {
    expect(revealScrollTop(0, 250, 5, g)).toBe(0);
    expect(revealScrollTop(0, 250, 12, g)).toBe(150);
    expect(revealScrollTop(500, 250, 0, g)).toBe(0);
  });

  it("moves the cursor with arrows, clamped to the list", () => {
    expect(moveInGrid(5, "ArrowRight", 4, 10)).toBe(6);
    expect(moveInGrid(5, "ArrowDown", 4, 10)).toBe(9);
    expect(moveInGrid(9, "ArrowDown", 4, 10)).toBe(9);
    expect(moveInGrid(1, "ArrowUp", 4, 10)).toBe(0);
    expect(moveInGrid(5, "End", 4, 10)).toBe(9);
    expect(moveInGrid(5, "Home", 4, 10)).toBe(0);
    expect(moveInGrid(5, "x", 4, 10)).toBeNull();
    expect(moveInGrid(0, "ArrowRight", 4, 0)).toBeNull();
  });
});
