import { describe, expect, it } from "vitest";
import {
  cellValues,
  colorMask,
  normalizeMatrix,
  PAIR,
  pairColor,
  pairMask,
  palette,
  parseHex,
  ramp,
  scaleFor,
  scalePosition,
  scaleValue,
  toHex,
} from "../../src/data/colors";

// pooled for C=3: rows = true, cols = predicted
const C = 3;
const pooled = Float64Array.from([8, 2, 0, 1, 3, 0, 0, 0, 0]);
const meanCm = Float64Array.from([0.7, 0.3, 0, 0.2, 0.8, 0, Number.NaN, Number.NaN, Number.NaN]);

describe("palette", () => {
  it("parses and prints #rrggbb", () => {
    expect(parseHex("#ff8000")).toEqual([255, 128, 0]);
    expect(parseHex("nope")).toBeNull();
    expect(toHex([1, 2, 255])).toBe("#0102ff");
  });

  it("falls back to distinct colours for missing or bad entries", () => {
    const pal = palette(["#000000", "bad"], 4);
    expect(pal[0]).toEqual([0, 0, 0]);
    expect(new Set(pal.map(toHex)).size).toBe(4);
  });
});

describe("normalisations", () => {
  it("true: share of each true row, NaN for an empty row", () => {
    const m = normalizeMatrix(pooled, meanCm, C, "true");
    expect(Array.from(m.subarray(0, 6))).toEqual([0.8, 0.2, 0, 0.25, 0.75, 0]);
    expect(m.subarray(6).every(Number.isNaN)).toBe(true);
  });

  it("pred: share of each predicted column", () => {
    const m = normalizeMatrix(pooled, meanCm, C, "pred");
    expect(m[0]).toBeCloseTo(8 / 9);
    expect(m[3]).toBeCloseTo(1 / 9);
    expect(m[1]).toBe(0.4);
    expect(Number.isNaN(m[2])).toBe(true);
  });

  it("none and mean pass the matrices through, as copies", () => {
    const none = normalizeMatrix(pooled, meanCm, C, "none");
    expect(Array.from(none)).toEqual(Array.from(pooled));
    expect(none).not.toBe(pooled);
    expect(normalizeMatrix(pooled, meanCm, C, "mean")[4]).toBe(0.8);
    expect(normalizeMatrix(pooled, new Float64Array(0), C, "mean").every(Number.isNaN)).toBe(true);
  });

  it("gives a cell under every normalisation", () => {
    expect(cellValues(pooled, meanCm, C, 0, 1)).toEqual({ true: 0.2, pred: 0.4, none: 2, mean: 0.3 });
  });
});

describe("colour scales", () => {
  const values = Float64Array.from([0.9, 0.1, 0, 0.01, 0.5, Number.NaN, 0, 0, 0.2]);

  it("linear: [0, max], zero and NaN empty", () => {
    const s = scaleFor(values, C, false, false);
    expect(s).toEqual({ lo: 0, hi: 0.9, log: false });
    expect(scalePosition(s, 0.45)).toBeCloseTo(0.5);
    expect(scalePosition(s, 0)).toBeNaN();
    expect(scalePosition(s, Number.NaN)).toBeNaN();
    expect(scaleValue(s, 1)).toBe(0.9);
  });

  it("hiding the diagonal leaves it out of the domain", () => {
    expect(scaleFor(values, C, false, true).hi).toBe(0.1);
  });

  it("log: [smallest positive, max], positions by decade", () => {
    const s = scaleFor(values, C, true, false);
    expect(s).toEqual({ lo: 0.01, hi: 0.9, log: true });
    const t = { lo: 1, hi: 1000, log: true };
    expect(scalePosition(t, 10)).toBeCloseTo(1 / 3);
    expect(scalePosition(t, 100)).toBeCloseTo(2 / 3);
    expect(scaleValue(t, 0.5)).toBeCloseTo(Math.sqrt(1000));
    expect(scalePosition(t, 0.5)).toBe(0);
    expect(scalePosition({ lo: 5, hi: 5, log: true }, 5)).toBe(1);
  });

  it("an all-zero matrix still has a usable scale", () => {
    expect(scaleFor(new Float64Array(4), 2, true, false)).toEqual({ lo: 0, hi: 1, log: true });
  });

  it("ramps run from the light end to the strong end", () => {
    expect(ramp("light", 0)).toEqual([222, 235, 247]);
    expect(ramp("light", 1)).toEqual([8, 48, 107]);
    expect(ramp("dark", 2)).toEqual(ramp("dark", 1));
    const mid = ramp("light", 0.5);
    expect(mid[2]).toBeLessThan(247);
  });
});

describe("mask colouring", () => {
  const pal = palette(["#ff0000", "#00ff00"], 2);

  it("colours classes and leaves void transparent", () => {
    const out = colorMask(Uint8Array.from([0, 1, 255]), pal, 255, 0.5, new Uint8ClampedArray(12));
    expect(Array.from(out)).toEqual([255, 0, 0, 128, 0, 255, 0, 128, 0, 0, 0, 0]);
  });

  it("handles uint16 masks with 65535 as void and out-of-range classes", () => {
    const out = colorMask(Uint16Array.from([1, 65535, 7]), pal, 65535, 1, new Uint8ClampedArray(12));
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 255, 0, 255]);
    expect(out[7]).toBe(0);
    expect(out[11]).toBe(0);
  });

  it("pair colours: the selected confusion, a class's TP/FN/FP, or any error", () => {
    expect(pairColor(0, 1, [0, 1], 255)).toBe(PAIR.hit);
    expect(pairColor(1, 0, [0, 1], 255)).toBeNull();
    expect(pairColor(2, 2, [2, 2], 255)).toBe(PAIR.tp);
    expect(pairColor(2, 0, [2, 2], 255)).toBe(PAIR.fn);
    expect(pairColor(0, 2, [2, 2], 255)).toBe(PAIR.fp);
    expect(pairColor(0, 1, [2, 2], 255)).toBeNull();
    expect(pairColor(0, 1, null, 255)).toBe(PAIR.error);
    expect(pairColor(255, 1, null, 255)).toBeNull();
  });

  it("dims everything but the pair", () => {
    const truth = Uint8Array.from([0, 0, 255]);
    const pred = Uint8Array.from([1, 0, 1]);
    const out = pairMask(truth, pred, [0, 1], 255, 1, new Uint8ClampedArray(12));
    expect(Array.from(out.subarray(0, 4))).toEqual([...PAIR.hit, 255]);
    expect(Array.from(out.subarray(4, 8))).toEqual([0, 0, 0, 140]);
    expect(Array.from(out.subarray(8, 12))).toEqual([0, 0, 0, 140]);
  });
});
