import { describe, expect, it } from "vitest";
import { decodeMask } from "../../src/data/png";
import { type DetailReply, decodeReply } from "../../src/data/protocol";
import { boundaryBand, countSet, detailOverlays, OVERLAY_COLORS, overlayPixels } from "../../src/view/overlays";
import { decodeEncoded } from "../../src/view/thumbs";
import fixture from "../fixtures/overlays.json";

const bytes = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
const VOID = 255;

/** Issue 11's definition, pixel by pixel: a valid pixel whose clipped window holds valid truth of two classes. */
function bandReference(truth: ArrayLike<number>, w: number, h: number, v: number, d: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (truth[y * w + x] === v) {
        out.push(0);
        continue;
      }
      const seen = new Set<number>();
      for (let b = Math.max(0, y - d); b <= Math.min(h - 1, y + d); b++) {
        for (let a = Math.max(0, x - d); a <= Math.min(w - 1, x + d); a++) {
          if (truth[b * w + a] !== v) seen.add(truth[b * w + a]);
        }
      }
      out.push(seen.size > 1 ? 1 : 0);
    }
  }
  return out;
}

/** A mask from rows of text: one digit per pixel, "x" for void. */
function mask(rows: string[]): { truth: Uint8Array; w: number; h: number } {
  const w = rows[0].length;
  const truth = Uint8Array.from(rows.join(""), (ch) => (ch === "x" ? VOID : Number(ch)));
  return { truth, w, h: rows.length };
}

const band = (m: ReturnType<typeof mask>, d: number) => Array.from(boundaryBand(m.truth, m.w, m.h, VOID, d));

describe("the boundary band on hand-made masks, against a loop reference", () => {
  it("a single class has no boundary", () => {
    const m = mask(["2222222", "2222222", "2222222", "2222222"]);
    for (const d of [1, 2, 3]) expect(countSet(boundaryBand(m.truth, m.w, m.h, VOID, d))).toBe(0);
  });

  it.each([1, 2, 3])("a vertical edge gives a band of width 2d (d = %i)", (d) => {
    const m = mask(Array(6).fill("0000000011111111"));
    const expected = Array.from({ length: 6 * 16 }, (_, i) => (Math.abs((i % 16) - 7.5) < d ? 1 : 0));
    expect(band(m, d)).toEqual(expected);
    expect(band(m, d)).toEqual(bandReference(m.truth, m.w, m.h, VOID, d));
    expect(countSet(boundaryBand(m.truth, m.w, m.h, VOID, d))).toBe(6 * 2 * d);
  });

  it("void pixels are neither boundary nor make one", () => {
    const same = mask(["000x000", "000x000", "0x0x000", "000x000"]);
    expect(countSet(boundaryBand(same.truth, same.w, same.h, VOID, 2))).toBe(0);
    const split = mask(["000x111", "000x111", "000x111"]);
    const got = band(split, 2);
    expect(got).toEqual(bandReference(split.truth, split.w, split.h, VOID, 2));
    // the void column is not boundary; it takes one column of each side's window: d − 1 = 1 column each side
    expect(got).toEqual(Array(3).fill([0, 0, 1, 0, 1, 0, 0]).flat());
  });

  it("the window is clipped at the image border", () => {
    const m = mask(["1000000", "0000000", "0000000", "0000000"]);
    const expected = Array(28).fill(0);
    for (const i of [0, 1, 7, 8]) expected[i] = 1; // the corner's 2×2 window at d = 1
    expect(band(m, 1)).toEqual(expected);
  });

  it("random blocky masks with void equal the reference", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const d of [1, 2, 3, 4]) {
      const [w, h] = [19, 13];
      const truth = Uint8Array.from({ length: w * h }, (_, i) => {
        const [x, y] = [i % w, Math.floor(i / w)];
        return random() < 0.07 ? VOID : (Math.floor(x / 4) * 3 + Math.floor(y / 3)) % 4;
      });
      expect(Array.from(boundaryBand(truth, w, h, VOID, d))).toEqual(bandReference(truth, w, h, VOID, d));
    }
  });
});

describe("the band equals the pass's (Python's boundary.boundary_band) on the same masks", () => {
  it.each(fixture.bands.map((c, i) => [i, c] as const))("mask %i", (_, c) => {
    const truth = c.dtype === "uint16" ? Uint16Array.from(c.truth) : Uint8Array.from(c.truth);
    for (const [d, expected] of Object.entries(c.bands)) {
      expect(Array.from(boundaryBand(truth, c.width, c.height, c.void, Number(d)))).toEqual(expected);
      expect(bandReference(truth, c.width, c.height, c.void, Number(d))).toEqual(expected);
    }
  });
});

describe("confident-disagreement masks as the image store writes them (1-bit PNG)", () => {
  it.each(fixture.confident.map((c, i) => [i, c] as const))("mask %i decodes to its 0/1 values", async (_, c) => {
    const decoded = await decodeMask(bytes(c.png));
    expect([decoded.width, decoded.height, decoded.dtype]).toEqual([c.width, c.height, "uint8"]);
    expect(Array.from(decoded.mask)).toEqual(c.values);
  });
});

describe("a real detail reply's overlays", () => {
  const { content, buffers } = fixture.reply;
  const decode = () => decodeReply(content, buffers.map(bytes)) as DetailReply;

  it("takes the confident mask out of the parts and reads the fields", () => {
    const r = decode();
    expect(r.overlays.confident).toEqual(bytes(fixture.reply.confident));
    expect(r.extra).toEqual([]); // no positional extra part: nothing is taken for model B's prediction
    expect(r.overlays).toMatchObject({ boundaryWidth: 3, bandWidth: 3, confidence: 0.7 });
    expect(Array.from(r.counts).reduce((a, b) => a + b, 0)).toBe(r.width * r.height);
  });

  it("gives the kernel's pixel counts of the band and the confident disagreements", async () => {
    const r = decode();
    const d = await decodeEncoded(r);
    const o = await detailOverlays(d, r.overlays, VOID);
    expect(o.confident?.count).toBe(fixture.reply.count);
    expect(o.boundary?.count).toBe(fixture.reply.band_count);
    expect(o.boundary?.label).toBe("boundary band (d = 3 px)");
    expect(o.confident?.label).toBe("confident disagreements (confidence ≥ 70%)");
  });

  it("keeps a comparison's fourth part in place when the mask comes after it", () => {
    const parts = buffers.map(bytes);
    const b = Uint8Array.from([9, 9, 9]);
    const withB = [...parts.slice(0, 3), b, ...parts.slice(3)];
    const r = decodeReply({ ...content, parts: 5, confident_part: 4 }, withB) as DetailReply;
    expect(r.extra).toEqual([b]);
    expect(r.overlays.confident).toEqual(bytes(fixture.reply.confident));
  });

  it("without the fields (older kernels, the offline report's thumbnail answer) there are no overlays", async () => {
    const { confident_part, boundary_width, band_width, confidence, ...bare } = content;
    const parts = buffers.map(bytes);
    const r = decodeReply({ ...bare, parts: 3 }, [...parts.slice(0, 3), ...parts.slice(4)]) as DetailReply;
    expect(r.overlays).toEqual({ boundaryWidth: null, bandWidth: null, confidence: null, confident: null });
    expect(await detailOverlays(await decodeEncoded(r), r.overlays, VOID)).toEqual({});
  });

  it("a confident part pointing outside the image's parts is ignored", () => {
    for (const at of [0, 2, 4, 1.5, "3"]) {
      const r = decodeReply({ ...content, confident_part: at }, buffers.map(bytes)) as DetailReply;
      expect(r.overlays.confident).toBeNull();
    }
  });
});

describe("overlay pixels", () => {
  it("highlights the mask's pixels opaque and darkens the rest", () => {
    const out = overlayPixels(Uint8Array.from([0, 1]), OVERLAY_COLORS.confident, new Uint8ClampedArray(8));
    expect(Array.from(out.slice(4))).toEqual([...OVERLAY_COLORS.confident, 255]);
    expect(Array.from(out.slice(0, 3))).toEqual([0, 0, 0]);
    expect(out[3]).toBeGreaterThan(100);
    expect(out[3]).toBeLessThan(255);
  });
});
