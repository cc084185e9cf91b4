// Thumbnails fetched before they are asked for, so that a click paints its first images without a round trip:
// the first row of a hovered cell after a short rest, and, in idle time after the first paint, the first row of
// the most confused shown cells, until a bounded number of bytes.

import type { Cell } from "../data/protocol";
import { mostConfused } from "../data/ranking";
import { MAX_PER_MESSAGE, type ThumbStore } from "./thumbs";

/** The pointer rests this long on a cell before its first thumbnails are fetched. */
export const HOVER_PREFETCH_MS = 120;
/** Bytes on the wire the idle prefetch may spend after each first paint or new slice. */
export const PREFETCH_BYTES = 2 * 1024 * 1024;
/** A thumbnail's encoded size assumed until the first one arrives (a 128 px JPEG and two PNG masks). */
const GUESS_BYTES = 8 * 1024;
/** While the kernel answers another request, look again this much later. */
const RETRY_MS = 50;

type Idle = (run: (deadline: { timeRemaining(): number }) => void) => number;

/** requestIdleCallback where the browser has it (Safari does not), else a short timeout with a frame's budget. */
const whenIdle: Idle =
  typeof requestIdleCallback === "function"
    ? (run) => requestIdleCallback(run, { timeout: 1000 })
    : (run) => window.setTimeout(() => run({ timeRemaining: () => 8 }), RETRY_MS);
const cancelIdle = (id: number) =>
  typeof cancelIdleCallback === "function" ? cancelIdleCallback(id) : window.clearTimeout(id);

/**
 * The off-diagonal cells between `shown` classes with pixels, most confused first (pixels, then share of the true
 * class: Results.most_confused's order).
 */
export function confusedCells(pooled: Float64Array, C: number, shown: readonly number[]): Cell[] {
  const on = new Set(shown);
  return mostConfused(pooled, C, C * C)
    .filter((c) => on.has(c.t) && on.has(c.p))
    .map((c): Cell => [c.t, c.p]);
}

export class Prefetcher {
  private hoverTimer = 0;
  private idleId = 0;
  private retry = 0;
  private cells: Cell[] = [];
  private spent = 0;
  /** What the last plan was made for: a new count matrix (data, slice) or new shown classes start over. */
  private planned: { pooled: Float64Array; shown: readonly number[] } | null = null;

  /** `firstRanks(cell, n)`: the first `n` images the gallery would show for `cell`. */
  constructor(
    private readonly store: ThumbStore,
    private readonly firstRanks: (cell: Cell, n: number) => ArrayLike<number>,
  ) {}

  /** The pointer rests on `cell`: fetch what a click would show first. */
  hover(cell: Cell): void {
    window.clearTimeout(this.hoverTimer);
    this.hoverTimer = window.setTimeout(
      () => this.store.prefetch(Array.from(this.firstRanks(cell, MAX_PER_MESSAGE))),
      HOVER_PREFETCH_MS,
    );
  }

  /** Plan for the counts `pooled` and the `shown` classes, unless already planned for them. */
  follow(pooled: Float64Array, shown: readonly number[], columns: number): void {
    // the same classes in a new array (a resize re-derives them) keep the plan and what it spent
    const same = this.planned?.pooled === pooled && this.planned.shown.join() === shown.join();
    if (same) return;
    this.planned = { pooled, shown };
    this.start(confusedCells(pooled, Math.round(Math.sqrt(pooled.length)), shown), columns);
  }

  /** Start over with `cells` (most likely clicked first), `columns` thumbnails each: one gallery row. */
  start(cells: readonly Cell[], columns: number): void {
    this.stop();
    this.cells = cells.slice();
    this.spent = 0;
    const step = () => {
      this.idleId = 0;
      if (!this.store.enabled) return;
      if (!this.store.idle) {
        // a request the view waits for goes first; look again once the kernel may have answered
        this.retry = window.setTimeout(() => (this.idleId = whenIdle(run)), RETRY_MS);
        return;
      }
      const per = this.store.bytesPerThumb(GUESS_BYTES);
      const batch = this.nextBatch(columns, Math.floor((PREFETCH_BYTES - this.spent) / per));
      if (batch.length === 0) return;
      this.spent += batch.length * per;
      this.store.prefetch(batch);
      this.idleId = whenIdle(run);
    };
    const run = () => step();
    this.idleId = whenIdle(run);
  }

  /** Up to one message of thumbnails not yet cached or asked for, from the next cells' first rows. */
  private nextBatch(columns: number, allowed: number): number[] {
    const limit = Math.min(MAX_PER_MESSAGE, allowed);
    const batch: number[] = [];
    while (this.cells.length > 0 && batch.length + columns <= limit) {
      const ranks = this.firstRanks(this.cells.shift() as Cell, columns);
      for (let i = 0; i < ranks.length; i++)
        if (!this.store.has(ranks[i]) && !batch.includes(ranks[i])) batch.push(ranks[i]);
    }
    return batch;
  }

  stop(): void {
    if (this.idleId) cancelIdle(this.idleId);
    window.clearTimeout(this.retry);
    this.idleId = 0;
    this.cells = [];
  }

  close(): void {
    this.stop();
    window.clearTimeout(this.hoverTimer);
  }
}
