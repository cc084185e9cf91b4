import { describe, expect, it } from "vitest";
import type { Picture, ThumbsRequest } from "../src/protocol";
import { ThumbStore } from "../src/thumbs";

function picture(index: number): Picture {
  return {
    index,
    width: 1,
    height: 1,
    dtype: "uint8",
    image: new Blob([new Uint8Array(1)], { type: "image/png" }),
    truth: Uint8Array.from([0]),
    pred: Uint8Array.from([1]),
  };
}

function store(capacity = 100) {
  const sent: ThumbsRequest[] = [];
  const ready: number[][] = [];
  let id = 0;
  const s = new ThumbStore(
    (r) => sent.push(r),
    () => ++id,
    (ix) => ready.push(ix),
    capacity,
  );
  return { s, sent, ready };
}

describe("thumbnail store", () => {
  it("batches at most 64 per message and never asks twice while pending", () => {
    const { s, sent } = store();
    s.want(
      Array.from({ length: 100 }, (_, i) => i),
      0,
    );
    s.want([5, 99, 100], 1000);
    expect(sent.map((r) => r.indices.length)).toEqual([64, 36, 1]);
    expect(sent[2].indices).toEqual([100]);
    expect(new Set(sent.map((r) => r.request)).size).toBe(3);
  });

  it("asks again after an unanswered request times out", () => {
    const { s, sent } = store();
    s.want([1], 0);
    s.want([1], 60_000);
    expect(sent.length).toBe(2);
  });

  it("caches replies, reports them, and evicts the least recently used", async () => {
    const { s, sent, ready } = store(2);
    await s.receive({ kind: "thumbs", request: 1, items: [picture(1), picture(2)] });
    expect(ready).toEqual([[1, 2]]);
    s.get(1); // 1 is now more recent than 2
    await s.receive({ kind: "thumbs", request: 2, items: [picture(3)] });
    expect(s.get(2)).toBeUndefined();
    expect(s.get(1)?.truth[0]).toBe(0);
    s.want([1, 3], 0);
    expect(sent.length).toBe(0);
  });

  it("forgets everything on new data and ignores answers to older requests", async () => {
    const { s, sent, ready } = store();
    s.want([1, 2], 0);
    await s.receive({ kind: "thumbs", request: 1, items: [picture(1)] });
    s.clear(1);
    expect(s.get(1)).toBeUndefined();
    await s.receive({ kind: "thumbs", request: 1, items: [picture(2)] });
    expect(s.get(2)).toBeUndefined();
    s.want([1], 0);
    expect(sent.at(-1)?.request).toBe(2);
    await s.receive({ kind: "thumbs", request: 2, items: [picture(1)] });
    expect(ready).toEqual([[1], [1]]);
  });

  it("ignores replies after close", async () => {
    const { s, ready } = store();
    s.close();
    await s.receive({ kind: "thumbs", request: 1, items: [picture(1)] });
    expect(ready).toEqual([]);
  });
});
