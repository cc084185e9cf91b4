import { describe, expect, it } from "vitest";
import { PAIR, palette } from "../../src/data/colors";
import { fmtInt, fmtNum, fmtPct, fmtScore, fmtValue } from "../../src/data/format";
import { pixelAt, presentClasses } from "../../src/view/detail";
import { layerOf, layerPixels } from "../../src/view/paint";
import { searchClasses } from "../../src/view/pairs";

describe("detail view helpers", () => {
  it("maps a pointer position to the image pixel under it", () => {
    // a 4×2 image shown at 400×200 CSS px
    expect(pixelAt(0, 0, 400, 200, 4, 2)).toBe(0);
    expect(pixelAt(399, 199, 400, 200, 4, 2)).toBe(7);
    expect(pixelAt(150, 120, 400, 200, 4, 2)).toBe(5);
    expect(pixelAt(400, 0, 400, 200, 4, 2)).toBeNull();
    expect(pixelAt(-1, 0, 400, 200, 4, 2)).toBeNull();
  });

  it("lists the classes present in an image's confusion, by pixels", () => {
    // C=3: truth 0 → pred 0 ×5, pred 2 ×1; truth 2 → pred 2 ×1; class 1 absent
    const cm = Float64Array.from([5, 0, 1, 0, 0, 0, 0, 0, 1]);
    expect(presentClasses(cm, 3)).toEqual([
      { c: 0, row: 6, col: 5 },
      { c: 2, row: 1, col: 2 },
    ]);
  });
});

describe("class search", () => {
  const classes = ["road", "sidewalk", "Railroad", "person", "rider"];

  it("matches case-insensitively, names starting with the query first", () => {
    expect(searchClasses(classes, "r")).toEqual([0, 2, 4, 3]);
    expect(searchClasses(classes, "ROAD")).toEqual([0, 2]);
    expect(searchClasses(classes, "  ")).toEqual([]);
    expect(searchClasses(classes, "r", 2)).toEqual([0, 2]);
  });
});

describe("mask layers", () => {
  const src = {
    width: 2,
    height: 1,
    dtype: "uint8" as const,
    truth: Uint8Array.from([0, 1]),
    pred: Uint8Array.from([1, 1]),
    image: null,
  };
  const pal = palette(["#ff0000", "#0000ff"], 2);

  it("maps overlays to layers", () => {
    expect(layerOf("none")).toBe("image");
    expect(layerOf("pair")).toBe("pair");
  });

  it("colours the chosen mask, or nothing for the bare image", () => {
    expect(layerPixels(src, "image", null, pal, 1)).toBeNull();
    expect(Array.from(layerPixels(src, "truth", null, pal, 1) ?? [])).toEqual([255, 0, 0, 255, 0, 0, 255, 255]);
    expect(Array.from(layerPixels(src, "prediction", null, pal, 1) ?? []).slice(0, 4)).toEqual([0, 0, 255, 255]);
    expect(Array.from(layerPixels(src, "pair", [0, 1], pal, 1) ?? []).slice(0, 3)).toEqual([...PAIR.hit]);
  });
});

describe("formatting", () => {
  it("formats numbers for people", () => {
    expect(fmtInt(1234567)).toBe("1,234,567");
    expect(fmtPct(0.1234)).toBe("12.3%");
    expect(fmtPct(null)).toBe("–");
    expect(fmtNum(0.12345)).toBe("0.123");
    expect(fmtNum(1e-5)).toBe("1.00e-5");
    expect(fmtNum(Number.POSITIVE_INFINITY)).toBe("∞");
    expect(fmtValue(0.5, "true")).toBe("50.0%");
    expect(fmtValue(12, "none")).toBe("12");
  });

  it("says what a ranking score is", () => {
    expect(fmtScore("loss", 0.5)).toBe("loss 0.500");
    expect(fmtScore("share", 0.25)).toBe("share 25.0%");
    expect(fmtScore("distance", 0.12345)).toBe("distance 0.123");
    expect(fmtScore("pixels", 1500)).toBe("1,500 px");
    expect(fmtScore("iou", 0)).toBe("IoU 0.0%");
  });
});
