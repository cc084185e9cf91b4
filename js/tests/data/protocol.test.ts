import { describe, expect, it } from "vitest";
import { float64s, int32s } from "../../src/data/binary";
import { cellOf, decodeReply, lossRangeOf, type Model, oneOf, readData, unpackThumbs } from "../../src/data/protocol";
import fixture from "../fixtures/masks.json";

const pack = fixture.pack;

/** `values` written little-endian at byte `offset` of a larger buffer, as a DataView on that slice. */
function view(kind: "f64" | "i32" | "u16", values: number[], offset: number): DataView {
  const width = kind === "f64" ? 8 : kind === "i32" ? 4 : 2;
  const buf = new ArrayBuffer(offset + values.length * width + 3);
  const dv = new DataView(buf, offset, values.length * width);
  values.forEach((v, i) => {
    if (kind === "f64") dv.setFloat64(i * width, v, true);
    else if (kind === "i32") dv.setInt32(i * width, v, true);
    else dv.setUint16(i * width, v, true);
  });
  return dv;
}

describe("binary decoding", () => {
  const f = [1.5, -2, Number.NaN, 1e300];

  it.each([0, 8, 3, 5])("float64 at byte offset %i", (offset) => {
    const out = float64s(view("f64", f, offset));
    expect(Array.from(out)).toEqual(f);
  });

  it("float64 is zero-copy when aligned", () => {
    const dv = view("f64", f, 16);
    expect(float64s(dv).buffer).toBe(dv.buffer);
  });

  it.each([0, 4, 1, 2])("int32 at byte offset %i", (offset) => {
    expect(Array.from(int32s(view("i32", [0, -1, 2147483647, 7], offset)))).toEqual([0, -1, 2147483647, 7]);
  });

  it("accepts ArrayBuffers and typed arrays; empty for missing values", () => {
    expect(Array.from(float64s(Float64Array.from([3, 4]).buffer))).toEqual([3, 4]);
    expect(Array.from(int32s(Int32Array.from([5])))).toEqual([5]);
    expect(float64s(null).length).toBe(0);
    expect(int32s(undefined).length).toBe(0);
  });

  it("rejects lengths that are not a multiple of the width", () => {
    expect(() => float64s(new Uint8Array(12))).toThrow(/multiple of 8/);
  });
});

describe("trait values", () => {
  it("cellOf accepts in-range integer pairs only", () => {
    expect(cellOf([1, 2], 3)).toEqual([1, 2]);
    expect(cellOf([1, 3], 3)).toBeNull();
    expect(cellOf([1.5, 0], 3)).toBeNull();
    expect(cellOf(null, 3)).toBeNull();
    expect(cellOf([1], 3)).toBeNull();
  });

  it("lossRangeOf and oneOf", () => {
    expect(lossRangeOf([0.5, 2])).toEqual([0.5, 2]);
    expect(lossRangeOf([null, 2])).toBeNull();
    expect(lossRangeOf(null)).toBeNull();
    expect(oneOf("pred", ["true", "pred"], "true")).toBe("pred");
    expect(oneOf("bogus", ["true", "pred"], "true")).toBe("true");
  });

  it("readData checks that the arrays agree with the classes", () => {
    const state: Record<string, unknown> = {
      classes: ["a", "b"],
      colors: ["#000000", "#ffffff"],
      pooled: new DataView(new Float64Array(4).buffer),
      mean_cm: new DataView(new Float64Array(4).buffer),
      losses: new DataView(new Float64Array(3).buffer),
      cell_ptr: new DataView(Int32Array.from([0, 1, 1, 1, 2]).buffer),
      cell_image: new DataView(Int32Array.from([0, 2]).buffer),
      cell_count: new DataView(Int32Array.from([4, 5]).buffer),
    };
    const model = { get: (k: string) => state[k] } as unknown as Model;
    const d = readData(model);
    expect(d.C).toBe(2);
    expect(d.N).toBe(3);
    state.classes = ["a", "b", "c"];
    expect(() => readData(model)).toThrow(/inconsistent/);
  });
});

describe("messages", () => {
  it("decodes a thumbs reply: the stored bytes of item k in buffers 3k, 3k+1, 3k+2", async () => {
    const items = [
      { index: 4, width: 2, height: 1 },
      { index: 9, width: 1, height: 2 },
    ];
    const buffers = [
      new DataView(Uint8Array.from([137, 80]).buffer),
      new DataView(Uint8Array.from([1, 2, 3]).buffer),
      new DataView(Uint8Array.from([4]).buffer),
      new DataView(Uint8Array.from([255, 216, 255]).buffer),
      new DataView(Uint8Array.from([9, 9, 5, 6, 7]).buffer, 2, 2), // a view into a larger buffer
      Uint8Array.from([8]),
    ];
    const r = decodeReply({ kind: "thumbs", request: 3, image_mime: "image/png", items }, buffers);
    if (r?.kind !== "thumbs") throw new Error("not a thumbs reply");
    expect(r.request).toBe(3);
    expect(r.items.map((x) => [x.index, x.width, x.height])).toEqual([
      [4, 2, 1],
      [9, 1, 2],
    ]);
    expect(Array.from(r.items[0].truth)).toEqual([1, 2, 3]);
    expect(Array.from(r.items[1].truth)).toEqual([5, 6]);
    expect(r.items[1].truth.byteOffset).toBe(0); // copied out of the message's buffer
    expect(Array.from(r.items[1].pred)).toEqual([8]);
    expect(r.items.map((x) => x.image.type)).toEqual(["image/png", "image/png"]);
    expect(new Uint8Array(await r.items[1].image.arrayBuffer())).toEqual(Uint8Array.from([255, 216, 255]));
  });

  it("decodes a detail reply with its sparse int32 confusion; null loss is NaN", () => {
    const content = { kind: "detail", request: 7, index: 2, width: 2, height: 2, image_mime: "image/jpeg", loss: null };
    const buffers = [
      new Uint8Array(5),
      new Uint8Array(4),
      new Uint8Array(4),
      view("i32", [1, 5], 4),
      view("i32", [30, 2], 0),
    ];
    const r = decodeReply(content, buffers);
    if (r?.kind !== "detail") throw new Error("not a detail reply");
    expect(r.index).toBe(2);
    expect(r.loss).toBeNaN();
    expect(Array.from(r.cells)).toEqual([1, 5]);
    expect(Array.from(r.counts)).toEqual([30, 2]);
    expect(() => decodeReply(content, [...buffers.slice(0, 4), view("i32", [1], 0)])).toThrow(/differ/);
  });

  it("unpacks the thumbnails packed by Python's protocol.pack_thumbs", async () => {
    const b64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
    const items = unpackThumbs(b64(pack.data));
    expect(items.map((x) => [x.index, x.width, x.height])).toEqual(pack.items.map((x) => [x.index, x.width, x.height]));
    for (const [k, want] of pack.items.entries()) {
      expect(new Uint8Array(await items[k].image.arrayBuffer())).toEqual(b64(want.parts[0]));
      expect(items[k].truth).toEqual(b64(want.parts[1]));
      expect(items[k].pred).toEqual(b64(want.parts[2]));
    }
    expect(unpackThumbs(new Uint8Array(0))).toEqual([]);
    expect(() => unpackThumbs(b64(pack.data).slice(0, 40))).toThrow(/truncated/);
    expect(() => unpackThumbs(b64(pack.data).slice(0, 6))).toThrow(/truncated/);
    for (const item of items) expect(item.extra).toEqual([]);
  });

  it("unpacks further parts of each thumbnail (a comparison's B prediction) in order", () => {
    const b64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
    const extra = fixture.pack_extra;
    const items = unpackThumbs(b64(extra.data));
    expect(items.map((x) => x.index)).toEqual(extra.items.map((x) => x.index));
    for (const [k, want] of extra.items.entries()) {
      expect(want.parts).toHaveLength(4);
      expect(items[k].truth).toEqual(b64(want.parts[1]));
      expect(items[k].pred).toEqual(b64(want.parts[2]));
      expect(items[k].extra).toEqual([b64(want.parts[3])]);
    }
  });

  it("ignores unknown messages and rejects bad headers", () => {
    expect(decodeReply({ kind: "other" })).toBeNull();
    expect(decodeReply(null)).toBeNull();
    const items = [{ index: "0", width: 4, height: 4 }];
    expect(() => decodeReply({ kind: "thumbs", request: 1, items }, [new Uint8Array(1), new Uint8Array(3)])).toThrow();
  });
});
