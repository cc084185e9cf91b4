// @vitest-environment jsdom
// The idle prefetch: the first row of the most confused shown cells, one message at a time while nothing else
// is in flight, until its byte budget; and the hover prefetch. A fake store records what is asked for.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Cell } from "../../src/data/protocol";
import { confusedCells, HOVER_PREFETCH_MS, PREFETCH_BYTES, Prefetcher } from "../../src/view/prefetch";
import { MAX_PER_MESSAGE, ThumbStore } from "../../src/view/thumbs";

class FakeStore {
  enabled = true;
  idle = true;
  perThumb = 1000;
  cached = new Set<number>();
  asked: number[][] = [];
  has(n: number) {
    return this.cached.has(n);
  }
  bytesPerThumb() {
    return this.perThumb;
  }
  prefetch(indices: Iterable<number>) {
    const batch = [...indices];
    this.asked.push(batch);
    for (const n of batch) this.cached.add(n);
  }
}

/** Cell (t, p)'s first images: 1000·t + 10·p + rank (p < 40, rank < 10), so that every cell's are its own. */
const firstRanks = (cell: Cell, n: number) => Array.from({ length: n }, (_, r) => 1000 * cell[0] + 10 * cell[1] + r);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("the most confused cells", () => {
  it("are the off-diagonal cells between shown classes with pixels, by pixels then share (a brute-force sort)", () => {
    const C = 4;
    const pooled = Float64Array.from({ length: C * C }, (_, k) => ((k * 7) % 5) * (k % 3 === 0 ? 2 : 1));
    const shown = [3, 0, 1];
    const expected: { t: number; p: number; n: number; share: number }[] = [];
    for (const t of shown)
      for (const p of shown) {
        const n = pooled[t * C + p];
        let row = 0;
        for (let q = 0; q < C; q++) row += pooled[t * C + q];
        if (t !== p && n > 0) expected.push({ t, p, n, share: n / row });
      }
    expected.sort((a, b) => b.n - a.n || b.share - a.share || a.t * C + a.p - (b.t * C + b.p));
    expect(confusedCells(pooled, C, shown)).toEqual(expected.map((e) => [e.t, e.p]));
  });
});

describe("the idle prefetch", () => {
  const cells: Cell[] = Array.from({ length: 40 }, (_, k) => [k, (k + 1) % 40]);

  it("asks for the cells' first rows in order, one message while nothing else waits, skipping what is cached", () => {
    const store = new FakeStore();
    store.cached.add(firstRanks(cells[0], 5)[2]);
    const prefetch = new Prefetcher(store as unknown as ThumbStore, firstRanks);
    prefetch.start(cells, 5);
    expect(store.asked).toEqual([]); // nothing before the browser is idle
    store.idle = false; // the view's own request is in flight: wait
    vi.advanceTimersByTime(500);
    expect(store.asked).toEqual([]);
    store.idle = true;
    vi.advanceTimersByTime(200);
    const rows = cells.map((c) => firstRanks(c, 5));
    const wanted = rows.flat().filter((n) => n !== rows[0][2]);
    const sent = store.asked.flat();
    expect(store.asked.every((m) => m.length <= MAX_PER_MESSAGE)).toBe(true);
    expect(sent).toEqual(wanted); // all 40 cells fit the budget at 1 kB a thumbnail
    prefetch.close();
  });

  it("stops at its byte budget", () => {
    const store = new FakeStore();
    store.perThumb = PREFETCH_BYTES / 12; // room for 12 thumbnails: two rows of 5, not a third
    const prefetch = new Prefetcher(store as unknown as ThumbStore, firstRanks);
    prefetch.start(cells, 5);
    vi.advanceTimersByTime(2000);
    expect(store.asked.flat()).toEqual([...firstRanks(cells[0], 5), ...firstRanks(cells[1], 5)]);
    expect(store.asked.flat().length * store.perThumb).toBeLessThanOrEqual(PREFETCH_BYTES);
    prefetch.close();
  });

  it("starts over for new counts or shown classes, not for the same ones; nothing without images", () => {
    const store = new FakeStore();
    const prefetch = new Prefetcher(store as unknown as ThumbStore, firstRanks);
    const pooled = Float64Array.from([0, 5, 1, 0]); // C = 2: (0, 1) 5 px, (1, 0) 1 px
    const shown = [0, 1];
    prefetch.follow(pooled, shown, 3);
    vi.advanceTimersByTime(500);
    expect(store.asked.flat()).toEqual([...firstRanks([0, 1], 3), ...firstRanks([1, 0], 3)]);
    store.asked = [];
    store.cached.clear();
    prefetch.follow(pooled, shown, 3);
    prefetch.follow(pooled, [...shown], 3); // the same classes, derived again
    vi.advanceTimersByTime(500);
    expect(store.asked).toEqual([]);
    prefetch.follow(pooled, [1, 0], 3);
    vi.advanceTimersByTime(500);
    expect(store.asked.flat()).toEqual([...firstRanks([0, 1], 3), ...firstRanks([1, 0], 3)]);
    store.enabled = false;
    store.asked = [];
    store.cached.clear();
    prefetch.follow(Float64Array.from([0, 5, 1, 0]), shown, 3);
    vi.advanceTimersByTime(500);
    expect(store.asked).toEqual([]);
    prefetch.close();
  });

  it("fetches a hovered cell's first message after the pointer rests", () => {
    const store = new FakeStore();
    const prefetch = new Prefetcher(store as unknown as ThumbStore, firstRanks);
    prefetch.hover([1, 2]);
    prefetch.hover([2, 3]); // moved on before the rest ended
    vi.advanceTimersByTime(HOVER_PREFETCH_MS + 1);
    expect(store.asked).toEqual([firstRanks([2, 3], MAX_PER_MESSAGE)]);
    prefetch.close();
  });
});

describe("the thumbnail store's idleness", () => {
  it("is idle with nothing wanted or in flight, and knows what it asked for", () => {
    const sent: unknown[] = [];
    let id = 0;
    const store = new ThumbStore(
      (r) => sent.push(r),
      () => ++id,
      () => {},
    );
    expect(store.idle).toBe(true);
    store.prefetch([3, 4]);
    expect(sent).toHaveLength(1);
    expect(store.idle).toBe(false);
    expect(store.has(3) && store.has(4) && !store.has(5)).toBe(true);
    expect(store.bytesPerThumb(777)).toBe(777); // nothing decoded yet: the guess
    store.enabled = false;
    expect(store.idle).toBe(false);
  });
});
