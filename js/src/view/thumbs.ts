// Thumbnails on demand. The gallery says what it shows and what comes next in the scroll direction; the store
// asks the kernel in messages of 32–64 thumbnails, at most two in flight, drops wishes that scrolled away
// before they were sent, and keeps what arrived in an LRU cache.

import { decodeMask } from "../data/png";
import {
  type Encoded,
  MAX_THUMBS_PER_REQUEST,
  type Mask,
  type MaskDtype,
  type ThumbsReply,
  type ThumbsRequest,
} from "../data/protocol";
import type { Paintable } from "./paint";

export interface Thumb extends Paintable {
  index: number;
}

/** Most indices one "thumbs" request may carry (the kernel refuses more). */
export const MAX_PER_MESSAGE = MAX_THUMBS_PER_REQUEST;
/** Fewest a request carries unless a visible tile is waiting for it (or nothing more is wanted). */
export const MIN_PER_MESSAGE = 32;
const MAX_IN_FLIGHT = 2;
/** Thumbnails whose decoding one task starts. */
const DECODE_CHUNK = 8;
/** A request not answered in this time is forgotten, so that scrolling back asks again. */
export const PENDING_MS = 20_000;

interface Flight {
  indices: number[];
  since: number;
}

export class ThumbStore {
  private readonly cache = new Map<number, Thumb>();
  private readonly flights = new Map<number, Flight>();
  /** Indices of the requests in flight. */
  private readonly asked = new Set<number>();
  /** Wanted, not cached, not yet asked for: visible ones first. */
  private queue: number[] = [];
  private visibleWaiting = 0;
  private closed = false;
  /** Replies to requests numbered up to this one are for data since replaced. */
  private stale = 0;
  /** Off when the results kept no images (the kernel would not answer). */
  enabled = true;
  /** Messages sent and thumbnails asked for, for the wire benchmark. */
  readonly sent = { messages: 0, thumbnails: 0 };
  /** Encoded bytes and count of the thumbnails decoded so far: what one costs on the wire, on average. */
  private readonly seen = { bytes: 0, thumbnails: 0 };

  constructor(
    private readonly send: (req: ThumbsRequest) => void,
    private readonly nextId: () => number,
    private readonly onReady: (indices: number[]) => void,
    private readonly capacity = 1500,
  ) {}

  get(index: number): Thumb | undefined {
    const t = this.cache.get(index);
    if (t) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.cache.delete(index);
      this.cache.set(index, t);
    }
    return t;
  }

  /**
   * What is wanted now: `visible` (shown, fetched first) and `ahead` (next in the scroll direction). Replaces
   * the previous wish, so indices queued earlier that are in neither list are cancelled before being sent.
   */
  want(visible: Iterable<number>, ahead: Iterable<number> = [], now = Date.now()): void {
    if (!this.enabled) return;
    this.expire(now);
    const queue: number[] = [];
    const seen = new Set<number>();
    let visibleWaiting = 0;
    const add = (n: number, isVisible: boolean) => {
      if (seen.has(n) || this.cache.has(n) || this.asked.has(n)) return;
      seen.add(n);
      queue.push(n);
      if (isVisible) visibleWaiting++;
    };
    for (const n of visible) add(n, true);
    for (const n of ahead) add(n, false);
    this.queue = queue;
    this.visibleWaiting = visibleWaiting;
    this.pump(now);
  }

  /** Nothing wanted and nothing in flight: a request sent now delays no one. */
  get idle(): boolean {
    return this.enabled && !this.closed && this.queue.length === 0 && this.flights.size === 0;
  }

  /** Whether `index` is cached or asked for (a prefetch skips it). */
  has(index: number): boolean {
    return this.cache.has(index) || this.asked.has(index);
  }

  /** Average encoded bytes of a thumbnail seen so far, or `guess` before the first. */
  bytesPerThumb(guess: number): number {
    return this.seen.thumbnails ? this.seen.bytes / this.seen.thumbnails : guess;
  }

  /** Fetch `indices` when nothing more urgent waits (the first thumbnails of a hovered cell). */
  prefetch(indices: Iterable<number>, now = Date.now()): void {
    if (!this.enabled || this.queue.length > 0 || this.flights.size >= MAX_IN_FLIGHT) return;
    this.expire(now);
    const missing = [...new Set(indices)].filter((n) => !this.cache.has(n) && !this.asked.has(n));
    if (missing.length === 0) return;
    this.queue = missing.slice(0, MAX_PER_MESSAGE);
    this.visibleWaiting = this.queue.length; // sent now, however few
    this.pump(now);
  }

  private pump(now: number): void {
    while (this.flights.size < MAX_IN_FLIGHT && this.queue.length > 0) {
      if (this.queue.length < MIN_PER_MESSAGE && this.visibleWaiting === 0) return;
      const indices = this.queue.splice(0, MAX_PER_MESSAGE);
      this.visibleWaiting = Math.max(0, this.visibleWaiting - indices.length);
      const request = this.nextId();
      this.flights.set(request, { indices, since: now });
      for (const n of indices) this.asked.add(n);
      this.sent.messages++;
      this.sent.thumbnails += indices.length;
      this.send({ kind: "thumbs", request, indices });
    }
  }

  private expire(now: number): void {
    for (const [request, flight] of this.flights) {
      if (now - flight.since < PENDING_MS) continue;
      this.flights.delete(request);
      for (const n of flight.indices) this.asked.delete(n);
    }
  }

  /** Thumbnails that came with the state: decoded and cached, never asked for. */
  async preload(items: readonly Encoded[]): Promise<void> {
    const stale = this.stale;
    for (const p of items) this.asked.add(p.index);
    await Promise.all(items.map((p) => this.decoded(p, () => this.closed || stale !== this.stale)));
  }

  async receive(reply: ThumbsReply): Promise<void> {
    if (this.closed || reply.request <= this.stale) return;
    const flight = this.flights.get(reply.request);
    this.flights.delete(reply.request);
    this.pump(Date.now()); // the next request goes out while this one decodes
    // Each thumbnail is shown as soon as it is decoded, not when the whole batch is. Starting 64 decodes took one
    // task of ~5–10 ms, which held up a frame due meanwhile (a box selection's): a few at a time, task after task.
    const stale = () => this.closed || reply.request <= this.stale;
    const decoding: Promise<void>[] = [];
    for (let k = 0; k < reply.items.length && !stale(); k += DECODE_CHUNK) {
      if (k > 0) await new Promise((resolve) => setTimeout(resolve, 0));
      decoding.push(...reply.items.slice(k, k + DECODE_CHUNK).map((p) => this.decoded(p, stale)));
    }
    await Promise.all(decoding);
    for (const n of flight?.indices ?? []) this.asked.delete(n);
    this.evict();
  }

  private async decoded(p: Encoded, stale: () => boolean): Promise<void> {
    const t = await decodeEncoded(p);
    if (stale()) return;
    this.seen.bytes += p.image.size + p.truth.byteLength + p.pred.byteLength;
    this.seen.thumbnails++;
    this.asked.delete(t.index);
    this.cache.set(t.index, t);
    this.onReady([t.index]);
  }

  private evict(): void {
    for (const [n, t] of this.cache) {
      if (this.cache.size <= this.capacity) break;
      this.cache.delete(n);
      closeImage(t.image);
    }
  }

  /** New data: forget every thumbnail, and ignore answers to requests up to `lastRequest`. */
  clear(lastRequest: number): void {
    this.stale = lastRequest;
    for (const t of this.cache.values()) closeImage(t.image);
    this.cache.clear();
    this.flights.clear();
    this.asked.clear();
    this.queue = [];
    this.visibleWaiting = 0;
  }

  close(): void {
    this.closed = true;
    this.clear(Number.POSITIVE_INFINITY);
  }
}

/**
 * Decode a stored image: the picture and its masks (in a comparison, B's prediction is the fourth part); a part
 * that fails to decode is left out.
 */
export async function decodeEncoded(p: Encoded): Promise<Thumb> {
  const [image, truth, pred, predB] = await Promise.all([
    decodeImage(p.image),
    maskOrNull(p.truth),
    maskOrNull(p.pred),
    maskOrNull(p.extra[0]),
  ]);
  const dtype: MaskDtype = truth?.dtype ?? pred?.dtype ?? "uint8";
  const sized = (m: Awaited<ReturnType<typeof maskOrNull>>): Mask | null =>
    m && m.width === p.width && m.height === p.height ? m.mask : null;
  const masks = { truth: sized(truth), pred: sized(pred), predB: sized(predB) };
  return { index: p.index, width: p.width, height: p.height, dtype, image, ...masks };
}

async function maskOrNull(bytes: Uint8Array | undefined) {
  if (bytes === undefined) return null;
  try {
    return await decodeMask(bytes);
  } catch {
    return null;
  }
}

/** Decode an encoded image; null when the browser cannot (the masks are still shown). */
export async function decodeImage(blob: Blob): Promise<CanvasImageSource | null> {
  try {
    if (typeof createImageBitmap === "function") return await createImageBitmap(blob);
    return await loadImage(blob);
  } catch {
    return null;
  }
}

function loadImage(blob: Blob): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(blob);
  const img = new Image();
  return new Promise<HTMLImageElement>((resolve, reject) => {
    img.onload = () => resolve(img);
    img.onerror = reject;
    img.src = url;
  }).finally(() => URL.revokeObjectURL(url));
}

export function closeImage(image: CanvasImageSource | null): void {
  if (typeof ImageBitmap !== "undefined" && image instanceof ImageBitmap) image.close();
}
