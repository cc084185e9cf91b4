// The offline report's stand-in for the anywidget model: the synced state embedded in the page, change events
// as Backbone fires them, and the kernel's replies to the widget's requests, precomputed by the kernel's own
// reply code (segwidget/report/build.py) and served from the page's binary data. Nothing is re-encoded here; an
// image without an embedded detail view is answered with its thumbnail's parts, marked by a note.

import { int32s } from "../data/binary";

/** One stored reply's buffers: [offset, length] pairs into the page's binary data. */
export type Spans = number[];

export interface ReportData {
  /** Every synced trait; binary ones are null here and come from `buffers`. */
  state: Record<string, unknown>;
  buffers: { path: (string | number)[]; span: [number, number] }[];
  /** The thumbnail reply's header fields (image_mime, parts, ...), every image's item and its parts' spans. */
  thumbs: (Record<string, unknown> & { items: Record<string, unknown>[]; spans: Spans[] }) | null;
  /** Image index → the kernel's detail reply header and all its buffers' spans. */
  details: Record<string, { header: Record<string, unknown>; spans: Spans }>;
}

type Callback = (...args: never[]) => void;
type Reply = [Record<string, unknown>, DataView[]];

/** Structural equality of JSON values (what Backbone's set compares before firing "change"). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object" && !ArrayBuffer.isView(a) && !ArrayBuffer.isView(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    return ka.length === kb.length && ka.every((k) => k in rb && sameValue(ra[k], rb[k]));
  }
  return false;
}

/** The state with each binary trait put back at its path, as a DataView over the page's data (as anywidget). */
export function restoreState(data: ReportData, bytes: Uint8Array): Record<string, unknown> {
  const state = structuredClone(data.state);
  for (const { path, span } of data.buffers) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + span[0], span[1]);
    if (path.length === 0) continue;
    let at = state as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
    at[path[path.length - 1]] = view;
  }
  return state;
}

export class OfflineModel {
  private readonly state: Record<string, unknown>;
  private readonly listeners = new Map<string, Set<Callback>>();
  /** Changes the view saved (a kernel would have received them): for tests and the curious. */
  saves = 0;

  constructor(
    private readonly data: ReportData,
    private readonly bytes: Uint8Array,
  ) {
    this.state = restoreState(data, bytes);
  }

  get(key: string): never {
    return this.state[key] as never;
  }

  set(key: string, value: unknown): void {
    if (sameValue(this.state[key], value)) return;
    this.state[key] = value;
    this.emit(`change:${key}`, this, value);
  }

  save_changes(): void {
    this.saves++;
  }

  on(event: string, cb: Callback): void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(cb);
    this.listeners.set(event, set);
  }

  off(event: string, cb: Callback): void {
    this.listeners.get(event)?.delete(cb);
  }

  /** A message to the kernel: answered from the page a moment later, as the kernel would. */
  send(content: unknown): void {
    const reply = this.answer(content);
    if (reply) setTimeout(() => this.emit("msg:custom", reply[0], reply[1]), 0);
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const cb of [...(this.listeners.get(event) ?? [])]) (cb as (...a: unknown[]) => void)(...args);
  }

  private views(spans: Spans): DataView[] {
    const out: DataView[] = [];
    for (let i = 0; i < spans.length; i += 2) {
      out.push(new DataView(this.bytes.buffer, this.bytes.byteOffset + spans[i], spans[i + 1]));
    }
    return out;
  }

  /** The reply the kernel gave to this request when the report was saved; null for anything else. */
  answer(content: unknown): Reply | null {
    if (typeof content !== "object" || content === null) return null;
    const msg = content as Record<string, unknown>;
    const thumbs = this.data.thumbs;
    if (!thumbs || !Number.isInteger(msg.request)) return null;
    const n = thumbs.items.length;
    const valid = (i: unknown): i is number => Number.isInteger(i) && (i as number) >= 0 && (i as number) < n;
    if (msg.kind === "thumbs" && Array.isArray(msg.indices) && msg.indices.every(valid)) {
      const { items: _items, spans: _spans, ...shared } = thumbs;
      const indices = msg.indices as number[];
      return [
        { ...shared, request: msg.request, items: indices.map((i) => thumbs.items[i]) },
        indices.flatMap((i) => this.views(thumbs.spans[i])),
      ];
    }
    if (msg.kind === "detail" && valid(msg.index)) return this.detail(msg.request as number, msg.index);
    return null;
  }

  private detail(request: number, index: number): Reply {
    const stored = this.data.details[String(index)];
    if (stored) return [{ ...stored.header, request }, this.views(stored.spans)];
    // Not embedded: the thumbnail's parts, with the image's counts from the state's cell-major index.
    const { items, spans, ...shared } = this.data.thumbs as NonNullable<ReportData["thumbs"]>;
    const { cells, counts } = imageCells(this.get("cell_ptr"), this.get("cell_image"), this.get("cell_count"), index);
    const loss = (this.get("losses") as DataView).getFloat64(8 * index, true);
    const header = {
      ...shared,
      ...items[index],
      kind: "detail",
      request,
      loss: Number.isFinite(loss) ? loss : null,
      note: "thumbnail size: this report embeds full-size detail views for fewer images",
    };
    return [header, [...this.views(spans[index]), new DataView(cells.buffer), new DataView(counts.buffer)]];
  }
}

/**
 * Image `n`'s nonzero cells (ascending) and their pixels, read from the cell-major index (each cell's images
 * ascending, so one binary search per cell).
 */
export function imageCells(
  ptrValue: unknown,
  imageValue: unknown,
  countValue: unknown,
  n: number,
): { cells: Int32Array; counts: Int32Array } {
  const ptr = int32s(ptrValue);
  const image = int32s(imageValue);
  const count = int32s(countValue);
  const cells: number[] = [];
  const counts: number[] = [];
  for (let k = 0; k + 1 < ptr.length; k++) {
    let lo = ptr[k];
    let hi = ptr[k + 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (image[mid] < n) lo = mid + 1;
      else hi = mid;
    }
    if (lo < ptr[k + 1] && image[lo] === n) {
      cells.push(k);
      counts.push(count[lo]);
    }
  }
  return { cells: Int32Array.from(cells), counts: Int32Array.from(counts) };
}
