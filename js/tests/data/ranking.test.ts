import { describe, expect, it } from "vitest";
import { imagesWithCell, mostConfused, rank, rankKind } from "../../src/data/ranking";
import { cases, index, losses, mostConfusedPairs, pooled } from "../fixture";

describe("rank agrees with Python's Results.rank", () => {
  it("has cases of every kind", () => {
    const kinds = new Set(cases.map((c) => rankKind(c.cell, c.order)));
    expect([...kinds].sort()).toEqual(["iou", "loss", "pixels", "share"]);
    expect(cases.some((c) => c.loss_range !== null)).toBe(true);
  });

  it.each(cases.map((c, i) => [i, c] as const))("case %i", (_, c) => {
    const r = rank(index, losses, c.cell, c.order, c.loss_range);
    expect(Array.from(r.indices)).toEqual(c.indices);
    // Bit-for-bit: the same float64 divisions, compared exactly; null stands for NaN.
    expect(Array.from(r.scores, (s) => (Number.isNaN(s) ? null : s))).toEqual(c.scores);
  });
});

describe("rank on hand-made data", () => {
  // C=2, N=4. cm_0 = [[3,1],[0,0]], cm_1 = [[1,1],[0,2]], cm_2 = [[6,2],[0,0]], cm_3 = [[0,0],[0,5]]
  const idx = {
    C: 2,
    N: 4,
    cellPtr: Int32Array.from([0, 3, 6, 6, 8]),
    cellImage: Int32Array.from([0, 1, 2, 0, 1, 2, 1, 3]),
    cellCount: Int32Array.from([3, 1, 6, 1, 1, 2, 2, 5]),
  };
  const loss = Float64Array.from([0.5, Number.NaN, 0.5, 2]);

  it("orders by loss, ties by index, NaN last", () => {
    expect(Array.from(rank(idx, loss, null, "share").indices)).toEqual([3, 0, 2, 1]);
  });

  it("orders a confusion by share then pixels, or by pixels then share", () => {
    const share = rank(idx, loss, [0, 1], "share");
    // shares: image 0 1/4, image 1 1/2, image 2 2/8 (ties with image 0, more pixels)
    expect(Array.from(share.indices)).toEqual([1, 2, 0]);
    expect(Array.from(share.scores)).toEqual([0.5, 0.25, 0.25]);
    expect(Array.from(rank(idx, loss, [0, 1], "pixels").indices)).toEqual([2, 1, 0]);
  });

  it("orders a class by IoU ascending, then larger union", () => {
    const r = rank(idx, loss, [1, 1], "share");
    // class 1 IoU: image 0 0/1, image 1 2/3, image 2 0/2 (ties with image 0, larger union), image 3 5/5.
    expect(Array.from(r.indices)).toEqual([2, 0, 1, 3]);
    expect(Array.from(r.scores)).toEqual([0, 0, 2 / 3, 1]);
  });

  it("filters by an inclusive loss range and never keeps NaN", () => {
    expect(Array.from(rank(idx, loss, null, "share", [0.5, 0.5]).indices)).toEqual([0, 2]);
    expect(Array.from(rank(idx, loss, [0, 1], "share", [0, 10]).indices)).toEqual([2, 0]);
  });

  it("counts images per cell and lists the most confused pairs", () => {
    expect(imagesWithCell(idx, 1)).toBe(3);
    expect(imagesWithCell(idx, 2)).toBe(0);
    expect(mostConfused(Float64Array.from([10, 4, 4, 10]), 2)).toEqual([
      { t: 0, p: 1, count: 4, share: 4 / 14 },
      { t: 1, p: 0, count: 4, share: 4 / 14 },
    ]);
    // equal pixels: the larger share of its true class first
    const top = mostConfused(Float64Array.from([100, 5, 0, 5, 10, 0, 0, 0, 1]), 3);
    expect(top.map(({ t, p }) => [t, p])).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });
});

describe("fixture consistency", () => {
  it("top pairs equal Results.most_confused", () => {
    const top = mostConfused(pooled(), index.C, mostConfusedPairs.length);
    expect(top.map(({ t, p }) => [t, p])).toEqual(mostConfusedPairs);
  });
});
