// Typed widget state and the custom-message codecs (PROTOCOL.md); the binary decoders are binary.ts.

import { asBytes, float64s, int32s } from "./binary";
import { type ObjectBoxes, objectBoxes } from "./objectboxes";

export type Cell = readonly [number, number];
export type Order = "share" | "pixels" | "confident" | "overconfident" | "missed" | "false";
export type Normalize = "true" | "pred" | "none" | "mean";
export type Overlay = "none" | "prediction" | "truth" | "pair" | "prediction-b" | "difference";
export type LossRange = readonly [number, number];
export type MaskDtype = "uint8" | "uint16";
export type Mask = Uint8Array | Uint16Array;

export const ORDERS: readonly Order[] = ["share", "pixels", "confident", "overconfident", "missed", "false"];
export const NORMALIZES: readonly Normalize[] = ["true", "pred", "none", "mean"];
export const OVERLAYS: readonly Overlay[] = ["none", "prediction", "truth", "pair", "prediction-b", "difference"];
/** Most indices one "thumbs" request may carry. */
export const MAX_THUMBS_PER_REQUEST = 64;

export interface Summary {
  n_images: number;
  mean_iou: number | null;
  pixel_accuracy: number | null;
  mean_loss: number | null;
  partial: boolean;
  /** False when the results kept no images: nothing to ask the kernel for. */
  has_images?: boolean;
  /** Share of all errors in the boundary band (regions.ts); null or absent without band counts. */
  boundary_error_share?: number | null;
  /** Expected calibration error of every valid pixel (calibration.ts); null or absent without calibration counts. */
  ece?: number | null;
  /** The calibration counts' number of equal-width bins; null or absent without them. */
  calibration_bins?: number | null;
  /** For a slice's numbers (computed in the browser): the number of images analysed. */
  of?: number;
}

/** The synced traits as the front end reads them. */
export interface State {
  classes: string[];
  colors: string[];
  summary: Summary;
  pooled: unknown;
  mean_cm: unknown;
  losses: unknown;
  cell_ptr: unknown;
  cell_image: unknown;
  cell_count: unknown;
  selected_cell: Cell | null;
  selected_image: number | null;
  order: Order;
  normalize: Normalize;
  log_scale: boolean;
  hide_diagonal: boolean;
  overlay: Overlay;
  loss_range: LossRange | null;
  /** The heatmap's classes in display order; empty = all. */
  visible_classes: number[];
  zoom: number;
  /** Set by the kernel: on first display, focus the heatmap on the most confused classes if C is large. */
  auto_focus: boolean;
  /** The first thumbnails, packed (unpackThumbs): the gallery's first rows need no request. */
  preload: unknown;
  /** Per-image metadata for the filter bar (slices.ts readColumns): a descriptor and the binary columns. */
  columns: unknown;
  column_data: unknown;
  /** Conditions on the image columns, combined with AND: {column: [values...] | [lo, hi]}. */
  slice: Record<string, unknown[]>;
  /** Tag name -> image indices. */
  tags: Record<string, number[]>;
  /** Thumbnails picked (modifier-click) to be tagged. */
  picked_images: number[];
  /** The frame's height, CSS px (segwidget/view/frame.py). */
  height: number;
  /** Panels listed by the kernel (view/widget-panels.ts readListed). */
  panels: unknown;
  // A comparison of two models (compare-data.ts): B's arrays, laid out as A's, and what is shown.
  /** {} for one model; else names and [A, B, B − A] of mean_iou, pixel_accuracy, mean_loss. */
  comparison_summary: object;
  pooled_b: unknown;
  mean_cm_b: unknown;
  losses_b: unknown;
  cell_ptr_b: unknown;
  cell_image_b: unknown;
  cell_count_b: unknown;
  // Regions and confident disagreements (regions.ts): the counts shown, and two more cell-major indices.
  region: "all" | "interior" | "boundary";
  band_ptr: unknown;
  band_image: unknown;
  band_count: unknown;
  conf_ptr: unknown;
  // Calibration (calibration.ts): per-image counts and confidence sums per (predicted class, bin, correct).
  calib_ptr: unknown;
  calib_key: unknown;
  calib_count: unknown;
  calib_sum: unknown;
  /** The reliability chart's chosen bin (0..bins; bins = confidence exactly 1.0), or null. */
  calibration_bin: number | null;
  conf_image: unknown;
  conf_count: unknown;
  // Objects (objects.ts): int32 rows of truth objects and of false predicted objects; empty without objects.
  objects_truth: unknown;
  objects_false: unknown;
  /** The objects chart's size bin (0 small, 1 medium, 2 large, or a third) the "missed" order keeps; null: all. */
  object_size: number | null;
  /** The objects' size bins: COCO's areas, or each class's terciles of its object sizes in the slice. */
  object_bins: "coco" | "terciles";
  /** The heatmap of a comparison shows B − A ("delta"), A's or B's matrix. */
  model: "delta" | "A" | "B";
  /** A comparison's gallery: the images where B got "worse" or "better". */
  direction: "worse" | "better";
}

/** The view's header controls, each one synced trait. */
export interface Controls {
  normalize: Normalize;
  log_scale: boolean;
  hide_diagonal: boolean;
  order: Order;
  overlay: Overlay;
  zoom: number;
  region: "all" | "interior" | "boundary";
}

type Callback = (...args: never[]) => void;

/** The part of anywidget's model the widget uses, typed by trait. */
export interface Model {
  get<K extends keyof State>(key: K): State[K];
  set<K extends keyof State>(key: K, value: State[K]): void;
  save_changes(): void;
  on(event: string, cb: Callback): void;
  off(event: string, cb: Callback): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

/** The mask value of void (ignored) truth pixels. */
export function voidValue(dtype: MaskDtype): number {
  return dtype === "uint8" ? 255 : 65535;
}

// ---- decoded state ----------------------------------------------------------------------------------

/** Cell-major sparse index (PROTOCOL.md): images having cell k are cellImage[cellPtr[k]:cellPtr[k+1]]. */
export interface SparseIndex {
  C: number;
  N: number;
  cellPtr: Int32Array;
  cellImage: Int32Array;
  cellCount: Int32Array;
}

export interface Data extends SparseIndex {
  classes: string[];
  colors: string[];
  pooled: Float64Array;
  meanCm: Float64Array;
  losses: Float64Array;
}

/** Decode the binary traits; inconsistent sizes (e.g. mid-update) throw. */
export function readData(model: Model): Data {
  const classes = (model.get("classes") ?? []).map(String);
  const C = classes.length;
  const data: Data = {
    classes,
    colors: (model.get("colors") ?? []).map(String),
    C,
    pooled: float64s(model.get("pooled"), "pooled"),
    meanCm: float64s(model.get("mean_cm"), "mean_cm"),
    losses: float64s(model.get("losses"), "losses"),
    N: 0,
    cellPtr: int32s(model.get("cell_ptr"), "cell_ptr"),
    cellImage: int32s(model.get("cell_image"), "cell_image"),
    cellCount: int32s(model.get("cell_count"), "cell_count"),
  };
  data.N = data.losses.length;
  checkData(data);
  return data;
}

function checkData(d: Data): void {
  const cc = d.C * d.C;
  const nnz = d.cellImage.length;
  const ok =
    d.pooled.length === cc &&
    (d.meanCm.length === cc || d.meanCm.length === 0) &&
    d.cellPtr.length === cc + 1 &&
    d.cellCount.length === nnz &&
    d.cellPtr[0] === 0 &&
    d.cellPtr[cc] === nnz;
  if (!ok) throw new Error("segwidget: binary traits are inconsistent with the number of classes");
}

/** A selected cell from a trait value, or null when absent or out of range. */
export function cellOf(value: unknown, C: number): Cell | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [t, p] = value;
  const valid = (x: unknown) => Number.isInteger(x) && (x as number) >= 0 && (x as number) < C;
  return valid(t) && valid(p) ? [t, p] : null;
}

export function lossRangeOf(value: unknown): LossRange | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [lo, hi] = value.map((v) => (v === null ? Number.NaN : Number(v)));
  return Number.isNaN(lo) || Number.isNaN(hi) ? null : [lo, hi];
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

// ---- messages -----------------------------------------------------------------------------------------

export interface ThumbsRequest {
  kind: "thumbs";
  request: number;
  indices: number[];
}

export interface DetailRequest {
  kind: "detail";
  request: number;
  index: number;
}

/** One image as the kernel stores it: encoded picture and PNG class-index masks (decoded in png.ts). */
export interface Encoded {
  index: number;
  width: number;
  height: number;
  image: Blob;
  truth: Uint8Array;
  pred: Uint8Array;
  /** Further per-image parts a feature adds after these three (a reply's `parts` says how many in all). */
  extra: Uint8Array[];
}

export interface ThumbsReply {
  kind: "thumbs";
  request: number;
  items: Encoded[];
}

export interface DetailReply extends Encoded {
  kind: "detail";
  request: number;
  loss: number;
  /** This image's nonzero confusion cells t*C+p and their pixel counts. */
  cells: Int32Array;
  counts: Int32Array;
  /** Said beside the image's title when set (the offline report: "thumbnail size ..."); text. */
  note?: string;
  /** The detail overlays' inputs (issue 11; absent parts and fields are null). */
  overlays: OverlayFields;
  /** The image's missed truth objects and false predicted objects (view/objects.py with_boxes); null: none sent. */
  objects: ObjectBoxes | null;
}

/** What the detail view's overlays need beside the masks (PROTOCOL.md, "detail"). */
export interface OverlayFields {
  /** The pass's boundary band half-width d at the original resolution; null: the band was off. */
  boundaryWidth: number | null;
  /** d at the stored detail resolution (smaller when the detail was stored downscaled). */
  bandWidth: number | null;
  /** The confidence threshold τ of confident disagreements; null: off. */
  confidence: number | null;
  /** The stored confident-disagreement mask (a 1-bit PNG), taken out of the parts; null when not sent. */
  confident: Uint8Array | null;
}

interface ItemHeader {
  index: number;
  width: number;
  height: number;
}

function encoded(h: ItemHeader, mime: unknown, [image, truth, pred, ...extra]: readonly unknown[]): Encoded {
  const { index, width, height } = h;
  if (![index, width, height].every(Number.isInteger)) throw new Error("picture: bad header");
  // Copies: the kernel's buffers may be views into a larger message buffer that is reused. The Blob is made when
  // first read (when decoded): making 64 took a task of ~5 ms, which held up a frame due meanwhile.
  const [jpeg, type] = [asBytes(image).slice(), String(mime)];
  let blob: Blob | null = null;
  return {
    index,
    width,
    height,
    get image() {
      blob ??= new Blob([jpeg], { type });
      return blob;
    },
    truth: asBytes(truth).slice(),
    pred: asBytes(pred).slice(),
    extra: extra.map((part) => asBytes(part).slice()),
  };
}

/** Buffers per image in a reply: the JPEG, two masks, and any parts a feature adds (at least 3). */
function partsOf(msg: Record<string, unknown>): number {
  const n = msg.parts;
  return Number.isInteger(n) && (n as number) >= 3 && (n as number) <= 16 ? (n as number) : 3;
}

/**
 * Thumbnails packed in one buffer (Python's protocol.pack_thumbs): uint32 count and P (parts per thumbnail), then
 * per thumbnail index, width, height and the byte lengths of its P parts (JPEG, truth PNG, prediction PNG, further
 * parts), then those bytes. Throws when the lengths do not add up.
 */
export function unpackThumbs(value: unknown): Encoded[] {
  const bytes = asBytes(value);
  if (bytes.length === 0) return [];
  if (bytes.length < 8) throw new Error("preload: truncated header");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = dv.getUint32(0, true);
  const n = dv.getUint32(4, true);
  if (n < 3 || n > 16) throw new Error(`preload: ${n} parts per thumbnail`);
  const stride = 4 * (3 + n);
  let at = 8 + stride * count;
  if (at > bytes.length) throw new Error("preload: truncated header");
  const out: Encoded[] = [];
  for (let k = 0; k < count; k++) {
    const field = (i: number) => dv.getUint32(8 + stride * k + 4 * i, true);
    const parts = Array.from({ length: n }, (_, i) => {
      const size = field(3 + i);
      if (at + size > bytes.length) throw new Error("preload: truncated data");
      at += size;
      return bytes.slice(at - size, at);
    });
    const [jpeg, truth, pred, ...extra] = parts;
    const image = new Blob([jpeg], { type: "image/jpeg" });
    out.push({ index: field(0), width: field(1), height: field(2), image, truth, pred, extra });
  }
  return out;
}

/** Decode a kernel → browser message; null for anything that is not a well-formed reply. */
export function decodeReply(content: unknown, buffers: readonly unknown[] = []): ThumbsReply | DetailReply | null {
  if (typeof content !== "object" || content === null) return null;
  const msg = content as Record<string, unknown>;
  if (msg.kind === "thumbs" && Array.isArray(msg.items)) {
    const n = partsOf(msg);
    const items = (msg.items as ItemHeader[]).map((h, k) =>
      encoded(h, msg.image_mime, buffers.slice(n * k, n * k + n)),
    );
    return { kind: "thumbs", request: Number(msg.request), items };
  }
  if (msg.kind === "detail") {
    const n = partsOf(msg);
    const parts = buffers.slice(0, n);
    // the confident mask is named by its position, so the positional extra parts (a comparison's B) stay put
    const at = msg.confident_part;
    const confident = Number.isInteger(at) && (at as number) >= 3 && (at as number) < n ? (at as number) : null;
    const mask = confident === null ? null : asBytes(parts.splice(confident, 1)[0]).slice();
    const p = encoded(msg as unknown as ItemHeader, msg.image_mime, parts);
    const loss = msg.loss === null || msg.loss === undefined ? Number.NaN : Number(msg.loss);
    const cells = int32s(buffers[n], "cells").slice();
    const counts = int32s(buffers[n + 1], "counts").slice();
    if (cells.length !== counts.length) throw new Error("detail: cells and counts differ in length");
    const note = typeof msg.note === "string" ? msg.note : undefined;
    const width = (v: unknown) => (Number.isInteger(v) && (v as number) >= 1 ? (v as number) : null);
    const tau = typeof msg.confidence === "number" && msg.confidence > 0 && msg.confidence <= 1 ? msg.confidence : null;
    const overlays = {
      boundaryWidth: width(msg.boundary_width),
      bandWidth: width(msg.band_width),
      confidence: tau,
      confident: mask,
    };
    const objects = objectBoxes(msg, buffers[n + 2]);
    return { ...p, kind: "detail", request: Number(msg.request), loss, cells, counts, note, overlays, objects };
  }
  return null;
}
