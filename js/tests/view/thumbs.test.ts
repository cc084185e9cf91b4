import { describe, expect, it } from "vitest";
import type { Encoded, ThumbsRequest } from "../../src/data/protocol";
import { MAX_PER_MESSAGE, MIN_PER_MESSAGE, ThumbStore } from "../../src/view/thumbs";
import fixture from "../fixtures/masks.json";

const masks = fixture.masks;

// A 1×1 mask of class 7, as the kernel's store encodes it.
const onePixel = masks.find((m) => m.width === 1 && m.height === 1);
const png = Uint8Array.from(atob(onePixel?.png ?? ""), (ch) => ch.charCodeAt(0));

function encoded(index: number): Encoded {
  const image = new Blob([new Uint8Array(1)], { type: "image/jpeg" });
  return { index, width: 1, height: 1, image, truth: png, pred: png.slice(0, 10), extra: [] };
}

function store(capacity = 1000) {
  const sent: ThumbsRequest[] = [];
  const ready: number[][] = [];
  let id = 0;
  const s = new ThumbStore(
    (r) => sent.push(r),
    () => ++id,
    (ix) => ready.push(ix),
    capacity,
  );
  const answer = (r: ThumbsRequest) => s.receive({ kind: "thumbs", request: r.request, items: r.indices.map(encoded) });
  return { s, sent, ready, answer };
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe("thumbnail requests", () => {
  it("sends visible thumbnails first, at most 64 per message and two messages in flight", () => {
    const { s, sent } = store();
    s.want(range(0, 12), range(12, 200), 0);
    expect(sent.map((r) => r.indices.length)).toEqual([MAX_PER_MESSAGE, MAX_PER_MESSAGE]);
    expect(sent[0].indices.slice(0, 12)).toEqual(range(0, 12));
    expect(new Set(sent.flatMap((r) => r.indices)).size).toBe(128);
  });

  it("never sends fewer than 32 unless a visible tile waits for them", () => {
    const { s, sent } = store();
    s.want([], range(0, MIN_PER_MESSAGE - 1), 0);
    expect(sent).toEqual([]); // only prefetch, and too little of it: wait for more
    s.want([5], range(6, 10), 0);
    expect(sent.map((r) => r.indices)).toEqual([[5, 6, 7, 8, 9]]); // a visible tile: send now
  });

  it("cancels what scrolled away before it was sent, and asks again once answered", async () => {
    const { s, sent, answer } = store();
    s.want(range(0, 10), range(10, 300), 0);
    expect(sent.length).toBe(2); // 0..127 in flight, 128..299 queued
    s.want(range(1000, 1010), range(1010, 1100), 1);
    await answer(sent[0]);
    const third = sent[2].indices;
    expect(third.slice(0, 10)).toEqual(range(1000, 1010)); // the old queue (128..299) was dropped
    expect(third.some((n) => n >= 128 && n < 300)).toBe(false);
    await answer(sent[1]);
    expect(sent.flatMap((r) => r.indices).filter((n) => n >= 128 && n < 300)).toEqual([]);
  });

  it("does not ask for cached or pending thumbnails, and asks again after a timeout", async () => {
    const { s, sent, ready, answer } = store();
    s.want(range(0, 40), [], 0);
    s.want(range(0, 40), [], 10);
    expect(sent.length).toBe(1);
    await answer(sent[0]);
    expect(ready.flat().sort((a, b) => a - b)).toEqual(range(0, 40)); // each reported once decoded
    s.want(range(0, 40), [], 20);
    expect(sent.length).toBe(1);
    s.want([500], [], 30);
    s.want([500], [], 60_000); // unanswered for a minute: asked again
    expect(sent.filter((r) => r.indices.includes(500)).length).toBe(2);
  });

  it("decodes the stored PNG masks; an undecodable mask is left out, not fatal", async () => {
    const { s, sent, answer } = store();
    s.want([3], [], 0);
    await answer(sent[0]);
    const t = s.get(3);
    expect(Array.from(t?.truth ?? [])).toEqual([7]);
    expect(t?.pred).toBeNull(); // a truncated PNG
  });

  it("keeps the most recently used within its capacity", async () => {
    const { s, sent, answer } = store(2);
    s.want([1, 2], [], 0);
    await answer(sent[0]);
    s.get(1); // 1 is now more recent than 2
    s.want([3], [], 0);
    await answer(sent[1]);
    expect(s.get(2)).toBeUndefined();
    expect(s.get(1)).toBeDefined();
  });

  it("prefetches a hovered cell's first thumbnails only when nothing else waits", async () => {
    const { s, sent, answer } = store();
    s.prefetch([7, 8, 7]);
    expect(sent.map((r) => r.indices)).toEqual([[7, 8]]);
    s.want(range(0, 10), range(10, 200), 0);
    const before = sent.length;
    s.prefetch([900]); // two requests in flight and a queue: not now
    expect(sent.length).toBe(before);
    await answer(sent[0]);
    expect(sent.flatMap((r) => r.indices)).not.toContain(900);
  });

  it("forgets everything on new data and ignores answers to older requests", async () => {
    const { s, sent, ready } = store();
    s.want([1, 2], [], 0);
    s.clear(1);
    await s.receive({ kind: "thumbs", request: 1, items: [encoded(1)] });
    expect(s.get(1)).toBeUndefined();
    expect(ready).toEqual([]);
    s.want([1], [], 0);
    expect(sent.at(-1)).toEqual({ kind: "thumbs", request: 2, indices: [1] });
  });

  it("decodes a whole reply of 64, a few per task: every thumbnail cached and announced once", async () => {
    const { s, sent, ready, answer } = store();
    s.want(range(0, 64), [], 0);
    await answer(sent[0]);
    expect(ready.flat().sort((x, y) => x - y)).toEqual(range(0, 64));
    for (const n of range(0, 64)) expect(s.get(n)?.index).toBe(n);
    expect(s.idle).toBe(true);
  });

  it("stops decoding a reply that new data made stale between its tasks", async () => {
    const { s, sent, ready, answer } = store();
    s.want(range(0, 64), [], 0);
    const done = answer(sent[0]);
    s.clear(sent[0].request); // the first few have started; the rest are never decoded nor cached
    await done;
    expect(ready).toEqual([]);
    expect(range(0, 64).filter((n) => s.get(n) !== undefined)).toEqual([]);
  });

  it("ignores replies after close", async () => {
    const { s, ready } = store();
    s.close();
    await s.receive({ kind: "thumbs", request: 1, items: [encoded(1)] });
    expect(ready).toEqual([]);
  });
});
