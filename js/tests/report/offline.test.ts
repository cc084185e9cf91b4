// The offline report's stand-in model (offline.ts): state and change events as anywidget's, and the kernel's
// stored replies served for the widget's requests.
import { describe, expect, it, vi } from "vitest";
import { decodeReply } from "../../src/data/protocol";
import { imageCells, OfflineModel, type ReportData, restoreState, sameValue } from "../../src/report/offline";
import { fromBase64 } from "../../src/report/report";
import { index, losses } from "../fixture";

/** Appends byte strings to one buffer, returning [offset, length] spans (as report_html.Blob). */
class Builder {
  chunks: Uint8Array[] = [];
  size = 0;
  add(bytes: Uint8Array): [number, number] {
    this.chunks.push(bytes);
    this.size += bytes.length;
    return [this.size - bytes.length, bytes.length];
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const text = (s: string) => new TextEncoder().encode(s);
const asText = (v: DataView) => new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
const raw = (a: Float64Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A report of the fixture's index: 4 parts per thumbnail ("J5", "T5", "P5", "X5"), image 2 with a detail. */
function report(): { data: ReportData; bytes: Uint8Array } {
  const b = new Builder();
  const binary: [string, Float64Array | Int32Array][] = [
    ["losses", losses],
    ["cell_ptr", index.cellPtr],
    ["cell_image", index.cellImage],
    ["cell_count", index.cellCount],
  ];
  const buffers: ReportData["buffers"] = binary.map(([name, a]) => ({ path: [name], span: b.add(raw(a)) }));
  buffers.push({ path: ["nested", "deep", 1], span: b.add(text("inner")) });
  const items = Array.from({ length: index.N }, (_, i) => ({ index: i, width: 2, height: 3 }));
  const spans = items.map(({ index: i }) => ["J", "T", "P", "X"].flatMap((k) => b.add(text(`${k}${i}`))));
  const detail = ["JJ2", "TT2", "PP2", "XX2", "cells", "counts"].flatMap((s) => b.add(text(s)));
  const state = {
    classes: ["a", "</script>"],
    losses: null,
    cell_ptr: null,
    cell_image: null,
    cell_count: null,
    nested: { deep: [0, null] },
    selected_cell: null,
    visible_classes: [1, 2],
  };
  const data: ReportData = {
    state,
    buffers,
    thumbs: { kind: "thumbs", image_mime: "image/jpeg", parts: 4, items, spans },
    details: { "2": { header: { kind: "detail", index: 2, width: 8, height: 6, parts: 4, loss: 0.5 }, spans: detail } },
  };
  return { data, bytes: b.bytes() };
}

/** Image n's cells by brute force: every entry of the cell-major index. */
function bruteCells(n: number): [number[], number[]] {
  const cells: number[] = [];
  const counts: number[] = [];
  for (let k = 0; k + 1 < index.cellPtr.length; k++) {
    for (let j = index.cellPtr[k]; j < index.cellPtr[k + 1]; j++) {
      if (index.cellImage[j] === n) {
        cells.push(k);
        counts.push(index.cellCount[j]);
      }
    }
  }
  return [cells, counts];
}

describe("state", () => {
  it("puts every binary trait back at its path as a view of the page's bytes", () => {
    const { data, bytes } = report();
    const state = restoreState(data, bytes);
    const view = state.losses as DataView;
    expect(Array.from({ length: index.N }, (_, i) => view.getFloat64(8 * i, true))).toEqual(Array.from(losses));
    expect(asText((state.nested as { deep: DataView[] }).deep[1])).toBe("inner");
    expect(data.state.losses).toBeNull(); // the embedded JSON is left as it was
  });

  it("fires change:<trait> on set only when the value changes, and stops after off", () => {
    const { data, bytes } = report();
    const model = new OfflineModel(data, bytes);
    const cb = vi.fn();
    model.on("change:visible_classes", cb);
    model.set("visible_classes", [1, 2]);
    expect(cb).not.toHaveBeenCalled();
    model.set("visible_classes", [2, 1]);
    expect(cb).toHaveBeenCalledTimes(1);
    expect(model.get("visible_classes")).toEqual([2, 1]);
    model.off("change:visible_classes", cb);
    model.set("visible_classes", []);
    expect(cb).toHaveBeenCalledTimes(1);
    model.save_changes();
    expect(model.saves).toBe(1);
  });

  it("compares values structurally", () => {
    expect(sameValue([1, [2, { a: null }]], [1, [2, { a: null }]])).toBe(true);
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameValue([0, 1], [1, 0])).toBe(false);
    expect(sameValue(null, 0)).toBe(false);
  });
});

describe("replies", () => {
  it("answers a thumbnail request a moment later with the stored items and every part", async () => {
    const { data, bytes } = report();
    const model = new OfflineModel(data, bytes);
    const got = new Promise<[unknown, DataView[]]>((resolve) => model.on("msg:custom", (c, b) => resolve([c, b])));
    model.send({ kind: "thumbs", request: 7, indices: [3, 0] });
    const [content, buffers] = await got;
    expect(content).toMatchObject({ kind: "thumbs", request: 7, parts: 4, image_mime: "image/jpeg" });
    expect(buffers.map(asText)).toEqual(["J3", "T3", "P3", "X3", "J0", "T0", "P0", "X0"]);
    const decoded = decodeReply(content, buffers);
    expect(decoded?.kind).toBe("thumbs");
    if (decoded?.kind !== "thumbs") return;
    expect(decoded.items.map((p) => p.index)).toEqual([3, 0]);
    expect(new TextDecoder().decode(decoded.items[0].extra[0])).toBe("X3");
    // the JPEG's Blob, made when first read: the message's bytes as they were, even once that buffer is reused
    for (const b of buffers) new Uint8Array(b.buffer, b.byteOffset, b.byteLength).fill(0);
    const image = decoded.items[1].image;
    expect(image).toBeInstanceOf(Blob);
    expect(image.type).toBe("image/jpeg");
    expect(await image.text()).toBe("J0");
    expect(decoded.items[1].image).toBe(image); // one Blob, not one per read
  });

  it("answers a stored detail request with the kernel's reply as stored", () => {
    const { data, bytes } = report();
    const [header, buffers] = new OfflineModel(data, bytes).answer({ kind: "detail", request: 4, index: 2 }) ?? [];
    expect(header).toEqual({ kind: "detail", index: 2, width: 8, height: 6, parts: 4, loss: 0.5, request: 4 });
    expect(buffers?.map(asText)).toEqual(["JJ2", "TT2", "PP2", "XX2", "cells", "counts"]);
  });

  it("answers any other image's detail with its thumbnail, its own counts, its loss and a note", () => {
    const { data, bytes } = report();
    const model = new OfflineModel(data, bytes);
    for (const n of [0, 1, index.N - 1]) {
      const reply = model.answer({ kind: "detail", request: 9, index: n });
      expect(reply).not.toBeNull();
      const decoded = decodeReply(...(reply as [unknown, DataView[]]));
      if (decoded?.kind !== "detail") throw new Error("not a detail reply");
      const [cells, counts] = bruteCells(n);
      expect(Array.from(decoded.cells)).toEqual(cells);
      expect(Array.from(decoded.counts)).toEqual(counts);
      expect(decoded.index).toBe(n);
      expect([decoded.width, decoded.height]).toEqual([2, 3]);
      expect(new TextDecoder().decode(decoded.extra[0])).toBe(`X${n}`);
      expect(Object.is(decoded.loss, losses[n]) || (Number.isNaN(decoded.loss) && Number.isNaN(losses[n]))).toBe(true);
      expect(decoded.note).toMatch(/thumbnail size/);
    }
  });

  it("answers nothing that the kernel would not answer", () => {
    const { data, bytes } = report();
    const model = new OfflineModel(data, bytes);
    for (const bad of [
      null,
      "thumbs",
      { kind: "thumbs", request: 1, indices: [index.N] },
      { kind: "thumbs", request: 1, indices: [-1] },
      { kind: "thumbs", request: "1", indices: [0] },
      { kind: "detail", request: 1, index: 0.5 },
      { kind: "other", request: 1 },
    ]) {
      expect(model.answer(bad)).toBeNull();
    }
    const none = new OfflineModel({ ...data, thumbs: null, details: {} }, bytes);
    expect(none.answer({ kind: "thumbs", request: 1, indices: [0] })).toBeNull();
  });

  it("finds every image's cells in the cell-major index as a brute-force scan does", () => {
    const dv = (a: Int32Array) => new DataView(a.buffer, a.byteOffset, a.byteLength);
    for (let n = 0; n < index.N; n++) {
      const { cells, counts } = imageCells(dv(index.cellPtr), dv(index.cellImage), dv(index.cellCount), n);
      expect([Array.from(cells), Array.from(counts)]).toEqual(bruteCells(n));
    }
  });
});

describe("fromBase64", () => {
  it("decodes with or without the native decoder, ignoring line breaks", () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256);
    const b64 = btoa(String.fromCharCode(...bytes));
    expect(Array.from(fromBase64(`${b64.slice(0, 50)}\n${b64.slice(50)}`))).toEqual(Array.from(bytes));
    const native = (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64;
    (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64 = undefined;
    try {
      expect(Array.from(fromBase64(b64))).toEqual(Array.from(bytes));
    } finally {
      (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64 = native;
    }
  });
});
