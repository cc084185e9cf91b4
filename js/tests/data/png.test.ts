import { describe, expect, it } from "vitest";
import { decodeMask, pngSize } from "../../src/data/png";
import fixture from "../fixtures/masks.json";

const masks = fixture.masks;

const bytes = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

describe("PNG masks as the kernel's image store writes them (Pillow)", () => {
  it.each(masks.map((m, i) => [i, m] as const))("mask %i decodes to its exact class indices", async (_, m) => {
    const png = bytes(m.png);
    expect(pngSize(png)).toEqual({ width: m.width, height: m.height });
    const decoded = await decodeMask(png);
    expect(decoded.width).toBe(m.width);
    expect(decoded.height).toBe(m.height);
    expect(decoded.dtype).toBe(m.dtype);
    expect(decoded.mask).toBeInstanceOf(m.dtype === "uint16" ? Uint16Array : Uint8Array);
    expect(Array.from(decoded.mask)).toEqual(m.values);
  });

  it("covers 8- and 16-bit masks with void values and values above 255", () => {
    expect(new Set(masks.map((m) => m.dtype))).toEqual(new Set(["uint8", "uint16"]));
    expect(masks.some((m) => m.values.includes(255))).toBe(true);
    expect(masks.some((m) => m.values.includes(65535))).toBe(true);
    expect(masks.some((m) => m.values.some((v) => v > 255 && v < 65535))).toBe(true);
  });

  it("refuses what is not a greyscale mask PNG", async () => {
    expect(pngSize(Uint8Array.from([1, 2, 3]))).toBeNull();
    await expect(decodeMask(new Uint8Array(40))).rejects.toThrow(/not a PNG/);
    const png = bytes(masks[0].png);
    const rgb = png.slice();
    rgb[25] = 2; // IHDR colour type: truecolour
    await expect(decodeMask(rgb)).rejects.toThrow(/greyscale/);
    await expect(decodeMask(png.slice(0, png.length - 30))).rejects.toThrow();
  });
});
