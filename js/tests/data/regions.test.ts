// Regions and confident disagreements in the browser against Python's answers (tests/region_fixture.py): each
// region's counts, Results.rank(t, p, region=...) and rank(..., by="confident") for every cell, the diagonal and
// no selection, bit for bit; and the share of errors in the boundary band.
import { describe, expect, it } from "vitest";
import { activeCounts } from "../../src/data/counts";
import type { Data, Model, SparseIndex } from "../../src/data/protocol";
import { rank } from "../../src/data/ranking";
import { boundaryErrorShare, pooledOf, rankConfident, readIndex, regionData, regionOf } from "../../src/data/regions";
import { sliceCounts } from "../../src/data/slices";
import { dv, FakeModel } from "../fake-model";
import { type Index, type RegionCase, raw } from "../regions-fixture";

const { C, N } = raw;
const nums = (a: (number | null)[]) => Float64Array.from(a, (v) => (v === null ? Number.NaN : v));
const sparse = (i: Index): SparseIndex => ({
  C,
  N,
  cellPtr: Int32Array.from(i.ptr),
  cellImage: Int32Array.from(i.image),
  cellCount: Int32Array.from(i.count),
});
const losses = nums(raw.losses);
const all = sparse(raw.cell);
const band = sparse(raw.band);
const conf = sparse(raw.conf);
const data: Data = {
  ...all,
  classes: Array.from({ length: C }, (_, c) => `class ${c}`),
  colors: [],
  pooled: pooledOf(all, null),
  meanCm: new Float64Array(0),
  losses,
};
const member = (list: number[]) => {
  const m = new Uint8Array(N);
  for (const n of list) m[n] = 1;
  return m;
};

describe("a region's counts", () => {
  for (const region of ["interior", "boundary"] as const) {
    it(`${region}: the cell index, pooled and fastai mean matrices are Python's`, () => {
      const want = raw.regions[region];
      const got = regionData(data, band, region);
      expect(Array.from(got.cellPtr)).toEqual(want.index.ptr);
      expect(Array.from(got.cellImage)).toEqual(want.index.image);
      expect(Array.from(got.cellCount)).toEqual(want.index.count);
      expect(Array.from(got.pooled)).toEqual(want.pooled);
      expect(Array.from(got.meanCm)).toEqual(Array.from(nums(want.mean_cm)));
      expect(got.losses).toBe(losses);
    });
  }

  it("interior + boundary = all, per image and cell", () => {
    const dense = (idx: SparseIndex) => {
      const out = new Float64Array(N * C * C);
      for (let k = 0; k < C * C; k++) {
        for (let j = idx.cellPtr[k]; j < idx.cellPtr[k + 1]; j++) out[idx.cellImage[j] * C * C + k] = idx.cellCount[j];
      }
      return out;
    };
    const [a, i, b] = [dense(all), dense(regionData(data, band, "interior")), dense(band)];
    expect(Array.from(a)).toEqual(Array.from(i, (v, n) => v + b[n]));
  });

  it("composes with a slice: the region's counts of the slice's images", () => {
    const m = member(raw.subsets[1].members);
    const counts = activeCounts(data, m, band, "interior");
    const separately = sliceCounts(regionData(data, band, "interior"), m);
    expect(Array.from(counts.pooled)).toEqual(Array.from(separately.pooled));
    expect(Array.from(counts.cellImage)).toEqual(Array.from(separately.cellImage));
    expect(counts.member).toBe(m);
    // an independent sum: interior pixels of the members only
    const interior = raw.regions.interior.index;
    const pooled = new Float64Array(C * C);
    for (let k = 0; k < C * C; k++) {
      for (let j = interior.ptr[k]; j < interior.ptr[k + 1]; j++)
        if (m[interior.image[j]]) pooled[k] += interior.count[j];
    }
    expect(Array.from(counts.pooled)).toEqual(Array.from(pooled));
    expect(activeCounts(data, null, band, "all")).toBe(data);
    expect(activeCounts(data, null, null, "interior")).toBe(data); // no band: all pixels
  });
});

describe("rankings", () => {
  const key = (c: RegionCase) => `${JSON.stringify(c.cell)} ${c.order} ${c.region} ${c.loss_range ? "filtered" : ""}`;
  for (const c of raw.cases) {
    it(key(c), () => {
      const got =
        c.order === "confident"
          ? rankConfident(all, conf, losses, c.cell, c.loss_range)
          : rank(c.region === "all" ? data : regionData(data, band, c.region), losses, c.cell, c.order, c.loss_range);
      expect(Array.from(got.indices)).toEqual(c.indices);
      expect(Array.from(got.scores)).toEqual(Array.from(nums(c.scores)));
    });
  }
});

describe("the share of errors in the boundary band", () => {
  it("of all images is regions.boundary_error_share", () => {
    expect(boundaryErrorShare(data.pooled, pooledOf(band, null), C)).toBe(raw.boundary_error_share);
  });
  it("of a slice's images is that of Results.subset (null without errors)", () => {
    for (const s of raw.subsets) {
      const m = member(s.members);
      expect(boundaryErrorShare(pooledOf(all, m), pooledOf(band, m), C)).toBe(s.boundary_error_share);
    }
  });
});

describe("reading the indices from the model", () => {
  const model = (state: Record<string, unknown>) => new FakeModel(state) as unknown as Model;
  it("decodes band_* and conf_*, and none when empty", () => {
    const m = model({
      band_ptr: dv(band.cellPtr),
      band_image: dv(band.cellImage),
      band_count: dv(band.cellCount),
      conf_ptr: new DataView(new ArrayBuffer(0)),
      region: "interior",
    });
    const got = readIndex(m, "band", C, N) as SparseIndex;
    expect(Array.from(got.cellCount)).toEqual(raw.band.count);
    expect(readIndex(m, "conf", C, N)).toBeNull();
    expect(regionOf(m, got)).toBe("interior");
    expect(regionOf(m, null)).toBe("all"); // no band counts: every pixel, whatever the trait says
    expect(regionOf(model({ region: "<b>x</b>" }), got)).toBe("all");
  });
  it("refuses an index inconsistent with the classes", () => {
    const m = model({ band_ptr: dv(Int32Array.from([0, 1])), band_image: dv(Int32Array.from([0])) });
    expect(() => readIndex(m, "band", C, N)).toThrow(/band_\*/);
  });
});
