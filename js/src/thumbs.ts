// Thumbnails on demand: batched requests (≤64 per message), de-duplicated while pending, kept in an LRU cache.

import type { Paintable } from "./paint";
import { type Picture, type ThumbsReply, type ThumbsRequest, thumbsRequests } from "./protocol";

export interface Thumb extends Paintable {
  index: number;
}

/** A request not answered in this time is forgotten, so that scrolling back asks again. */
export const PENDING_MS = 20_000;

export class ThumbStore {
  private readonly cache = new Map<number, Thumb>();
  private readonly pending = new Map<number, number>();
  private closed = false;
  /** Replies to requests numbered up to this one are for data since replaced. */
  private stale = 0;
  /** Off when the results kept no images (the kernel would not answer). */
  enabled = true;

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

  /** Ask the kernel for those of `indices` neither cached nor pending. */
  want(indices: Iterable<number>, now = Date.now()): void {
    if (!this.enabled) return;
    const missing: number[] = [];
    for (const n of indices) {
      const since = this.pending.get(n);
      if (this.cache.has(n) || (since !== undefined && now - since < PENDING_MS)) continue;
      this.pending.set(n, now);
      missing.push(n);
    }
    for (const req of thumbsRequests(missing, this.nextId)) this.send(req);
  }

  async receive(reply: ThumbsReply): Promise<void> {
    if (reply.request <= this.stale) return;
    const thumbs = await Promise.all(reply.items.map(toThumb));
    if (this.closed || reply.request <= this.stale) return;
    for (const t of thumbs) {
      this.pending.delete(t.index);
      this.cache.set(t.index, t);
    }
    this.evict();
    this.onReady(thumbs.map((t) => t.index));
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
    this.pending.clear();
  }

  close(): void {
    this.closed = true;
    this.clear(Number.POSITIVE_INFINITY);
  }
}

async function toThumb(p: Picture): Promise<Thumb> {
  const { index, width, height, dtype, truth, pred } = p;
  return { index, width, height, dtype, truth, pred, image: await decodeImage(p.image) };
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
