// Calibration in the browser against Python's answers (tests/calibration_fixture.py): the reliability, ECE and MCE
// of every slice (Results.where) and class, bit for bit, and the overconfident and bin rankings.
import { describe, expect, it } from "vitest";
import { ece, mce, rankBin, rankOverconfident, readCalibration, reliability } from "../../src/data/calibration";
import type { Model } from "../../src/data/protocol";
import { restrict } from "../../src/data/slices";
import { calibration as cal, raw } from "../calibration-fixture";
import { FakeModel } from "../fake-model";

const nums = (a: (number | null)[]) => a.map((v) => (v === null ? Number.NaN : v));
const member = (list: number[]) => {
  const m = new Uint8Array(raw.N);
  for (const n of list) m[n] = 1;
  return m;
};

describe("reliability under a slice", () => {
  for (const s of raw.slices) {
    for (const c of s.classes) {
      it(`slice ${JSON.stringify(s.slice)}, class ${c.cls}: rows, ECE and MCE are Results.where(...)'s`, () => {
        const rel = reliability(cal, member(s.members), c.cls);
        expect(Array.from(rel.lo)).toEqual(c.table.lo);
        expect(Array.from(rel.hi)).toEqual(c.table.hi);
        expect(Array.from(rel.count)).toEqual(c.table.count);
        expect(Array.from(rel.accuracy)).toEqual(nums(c.table.accuracy));
        expect(Array.from(rel.confidence)).toEqual(nums(c.table.confidence));
        expect(ece(rel)).toBe(c.ece);
        expect(mce(rel)).toBe(c.mce);
      });
    }
  }
});

describe("the calibration rankings", () => {
  for (const want of raw.overconfident) {
    it(`overconfident, class ${want.cls}`, () => {
      const got = rankOverconfident(cal, want.cls);
      expect(Array.from(got.indices)).toEqual(want.indices);
      expect(Array.from(got.scores)).toEqual(want.scores);
    });
  }
  it("a bin's wrong pixels, every bin with and without a class", () => {
    for (const want of raw.bins_ranked) {
      const got = rankBin(cal, want.slot, want.cls);
      expect(Array.from(got.indices)).toEqual(want.indices);
      expect(Array.from(got.scores)).toEqual(want.scores);
    }
  });
  it("a slice keeps its images in the same order (restrict)", () => {
    const s = raw.slices[1];
    const got = restrict(rankOverconfident(cal, null), member(s.members));
    const want = raw.overconfident[0].indices.filter((n) => s.members.includes(n));
    expect(Array.from(got.indices)).toEqual(want);
  });
});

describe("readCalibration", () => {
  const bytes = (a: Int32Array | Float64Array) => new DataView(a.buffer);
  const model = (state: Record<string, unknown>) => new FakeModel(state) as unknown as Model;
  const traits = {
    summary: { calibration_bins: raw.bins },
    calib_ptr: bytes(cal.ptr),
    calib_key: bytes(cal.key),
    calib_count: bytes(cal.count),
    calib_sum: bytes(cal.sum),
  };
  it("decodes the four binary traits", () => {
    const got = readCalibration(model(traits), raw.C, raw.N);
    expect(got?.bins).toBe(raw.bins);
    expect(Array.from(got?.sum ?? [])).toEqual(raw.sum);
  });
  it("is null without calibration counts, and refuses arrays that disagree", () => {
    expect(readCalibration(model({ ...traits, calib_ptr: new DataView(new ArrayBuffer(0)) }), raw.C, raw.N)).toBe(null);
    expect(readCalibration(model({ ...traits, summary: {} }), raw.C, raw.N)).toBe(null);
    expect(() => readCalibration(model(traits), raw.C, raw.N + 1)).toThrow(/calib_\* are inconsistent/);
    const short = { ...traits, calib_sum: bytes(cal.sum.slice(1)) };
    expect(() => readCalibration(model(short), raw.C, raw.N)).toThrow(/inconsistent/);
  });
});
