// Slices in the browser (Python: segwidget/results/slices.py, segwidget/view/slices.py): the per-image columns
// decoded from the synced state, the images meeting the `slice` trait's conditions (combined with AND), and the
// slice's counts and header numbers, equal to the kernel's Results.where(...): the pooled matrix is the sum of
// the slice's images' counts, and every mean sums in numpy's order (pairwiseSum).

import { float64s, int32s } from "./binary";
import type { Counts } from "./counts";
import type { Data, SparseIndex, Summary } from "./protocol";
import type { Ranked } from "./ranking";

export type ColumnKind = "number" | "text" | "bool";

/** One per-image column: numbers as float64, text and booleans as codes into `categories`. */
export interface Column {
  name: string;
  kind: ColumnKind;
  values: Float64Array | null;
  codes: Int32Array | null;
  /** Text: the distinct values, sorted (the codes' meaning); booleans: "false", "true". */
  categories: string[];
}

/** A condition of the `slice` trait: allowed values of a category, or an inclusive [lo, hi] (null: open). */
export type Condition = { values: readonly (string | boolean)[] } | { lo: number | null; hi: number | null };
export type SliceSpec = Record<string, Condition>;
export type Tags = Record<string, number[]>;

/** Derived column names, as in slices.py. */
export const TAG = "tag:";
export const PIXELS = "pixels:";

/** Decode the `columns` descriptor and the `column_data` bytes (PROTOCOL.md); inconsistent input throws. */
export function readColumns(descriptor: unknown, bytes: unknown, N: number): Column[] {
  const d = (descriptor ?? {}) as { n_images?: unknown; columns?: unknown };
  const entries = Array.isArray(d.columns) ? (d.columns as Record<string, unknown>[]) : [];
  if (entries.length === 0) return [];
  if (d.n_images !== N) throw new Error(`columns: ${String(d.n_images)} rows for ${N} images`);
  const view = bytes instanceof ArrayBuffer ? new DataView(bytes) : ArrayBuffer.isView(bytes) ? bytes : null;
  const total = view?.byteLength ?? 0;
  return entries.map((e) => {
    const kind = e.kind === "number" || e.kind === "bool" ? e.kind : "text";
    const offset = Number(e.offset);
    const width = kind === "number" ? 8 : 4;
    if (!Number.isInteger(offset) || offset < 0 || offset + width * N > total || !view) {
      throw new Error(`columns: the block of ${String(e.name)} lies outside column_data`);
    }
    const block = new DataView(view.buffer, view.byteOffset + offset, width * N);
    const categories =
      kind === "bool" ? ["false", "true"] : Array.isArray(e.categories) ? e.categories.map(String) : [];
    return {
      name: String(e.name),
      kind,
      values: kind === "number" ? float64s(block, String(e.name)) : null,
      codes: kind === "number" ? null : int32s(block, String(e.name)),
      categories,
    };
  });
}

/** The `slice` trait as conditions; values of the wrong shape are left out (the kernel validates it). */
export function readSlice(value: unknown): SliceSpec {
  const out: SliceSpec = {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) return out;
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    const list = Array.isArray(raw) ? raw : [raw];
    if (list.every((v) => typeof v === "string" || typeof v === "boolean")) {
      out[name] = { values: list as (string | boolean)[] };
    } else if (list.length === 2 && list.every((v) => v === null || typeof v === "number")) {
      out[name] = { lo: list[0] as number | null, hi: list[1] as number | null };
    }
  }
  return out;
}

/** The trait value of conditions: lists of values, [lo, hi] ranges. */
export function sliceValue(spec: SliceSpec): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [name, c] of Object.entries(spec)) out[name] = "values" in c ? [...c.values] : [c.lo, c.hi];
  return out;
}

/** The `tags` trait: name -> image indices (anything malformed left out). */
export function readTags(value: unknown): Tags {
  const out: Tags = {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) return out;
  for (const [name, members] of Object.entries(value as Record<string, unknown>)) {
    if (Array.isArray(members)) out[name] = members.filter((i) => Number.isInteger(i)) as number[];
  }
  return out;
}

/** Per image, the number of valid truth pixels of class c (the derived column "pixels:<class>"). */
export function truthPixels(idx: SparseIndex, c: number): Float64Array {
  const out = new Float64Array(idx.N);
  for (let k = c * idx.C; k < (c + 1) * idx.C; k++) {
    for (let j = idx.cellPtr[k]; j < idx.cellPtr[k + 1]; j++) out[idx.cellImage[j]] += idx.cellCount[j];
  }
  return out;
}

/**
 * Per image, 1 when it meets every condition of `spec`, or null when `spec` has none. Columns are the decoded
 * ones, "tag:<name>" (a tag that does not exist has no image) and "pixels:<class>"; a condition on another
 * name is ignored (the kernel refuses those).
 */
export function sliceMask(spec: SliceSpec, columns: readonly Column[], tags: Tags, data: Data): Uint8Array | null {
  const names = Object.keys(spec);
  if (names.length === 0) return null;
  const keep = new Uint8Array(data.N).fill(1);
  for (const name of names) {
    const c = spec[name];
    const column = columns.find((col) => col.name === name);
    if (column) {
      applyColumn(keep, column, c);
    } else if (name.startsWith(TAG) && "values" in c) {
      const member = new Uint8Array(data.N);
      for (const n of tags[name.slice(TAG.length)] ?? []) if (n >= 0 && n < data.N) member[n] = 1;
      for (let n = 0; n < data.N; n++) if (!c.values.includes(member[n] === 1)) keep[n] = 0;
    } else if (name.startsWith(PIXELS) && !("values" in c)) {
      const cls = data.classes.indexOf(name.slice(PIXELS.length));
      if (cls >= 0) keepRange(keep, truthPixels(data, cls), c);
    }
  }
  return keep;
}

function applyColumn(keep: Uint8Array, column: Column, c: Condition): void {
  if (column.values) {
    if (!("values" in c)) keepRange(keep, column.values, c);
    return;
  }
  const codes = column.codes as Int32Array;
  const allowed = new Uint8Array(column.categories.length);
  if ("values" in c) {
    column.categories.forEach((name, k) => {
      const value = column.kind === "bool" ? k === 1 : name;
      allowed[k] = c.values.includes(value) ? 1 : 0;
    });
  }
  for (let n = 0; n < keep.length; n++) if (!allowed[codes[n]]) keep[n] = 0;
}

function keepRange(keep: Uint8Array, values: Float64Array, { lo, hi }: { lo: number | null; hi: number | null }): void {
  for (let n = 0; n < keep.length; n++) {
    const v = values[n];
    // NaN meets no range, not even [null, null]
    if (Number.isNaN(v) || (lo !== null && v < lo) || (hi !== null && v > hi)) keep[n] = 0;
  }
}

/**
 * The counts of the images with member[n] = 1, as Results.subset's but keeping the images' own indices: the
 * cell-major index restricted to them, its pooled matrix and fastai's per-image mean matrix over them.
 */
export function sliceCounts(d: Data, member: Uint8Array): Counts {
  const CC = d.C * d.C;
  const cellPtr = new Int32Array(CC + 1);
  for (let k = 0; k < CC; k++) {
    let n = 0;
    for (let j = d.cellPtr[k]; j < d.cellPtr[k + 1]; j++) n += member[d.cellImage[j]];
    cellPtr[k + 1] = cellPtr[k] + n;
  }
  const cellImage = new Int32Array(cellPtr[CC]);
  const cellCount = new Int32Array(cellPtr[CC]);
  const pooled = new Float64Array(CC);
  let at = 0;
  for (let k = 0; k < CC; k++) {
    for (let j = d.cellPtr[k]; j < d.cellPtr[k + 1]; j++) {
      if (!member[d.cellImage[j]]) continue;
      cellImage[at] = d.cellImage[j];
      cellCount[at] = d.cellCount[j];
      pooled[k] += d.cellCount[j];
      at++;
    }
  }
  const idx = { C: d.C, N: d.N, cellPtr, cellImage, cellCount };
  return { ...idx, pooled, meanCm: meanMatrix(idx), losses: d.losses, member };
}

/**
 * fastai's mean_cm (metrics.mean_row_normalized): row t averages cm_n[t,p] / row_n[t] over the images whose truth
 * has t; NaN rows for classes in no image. Each cell sums its images in index order, as numpy's bincount does.
 */
export function meanMatrix(idx: SparseIndex): Float64Array {
  const { C, cellPtr, cellImage, cellCount } = idx;
  const out = new Float64Array(C * C);
  const row = new Float64Array(idx.N); // row_n[t] of the current row t, back to 0 after it
  for (let t = 0; t < C; t++) {
    const [begin, end] = [cellPtr[t * C], cellPtr[(t + 1) * C]]; // row t's cells are contiguous
    let present = 0;
    for (let j = begin; j < end; j++) {
      if (row[cellImage[j]] === 0) present++; // stored counts are positive
      row[cellImage[j]] += cellCount[j];
    }
    for (let p = 0; p < C; p++) {
      const k = t * C + p;
      let share = 0;
      for (let j = cellPtr[k]; j < cellPtr[k + 1]; j++) share += cellCount[j] / row[cellImage[j]];
      out[k] = present > 0 ? share / present : Number.NaN;
    }
    for (let j = begin; j < end; j++) row[cellImage[j]] = 0;
  }
  return out;
}

/**
 * numpy's sum of a float64 array (pairwise: blocks of up to 128 summed with 8 accumulators, halves above), so
 * that a mean in the browser is the kernel's to the last bit.
 */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = start; i < start + n; i++) res += a[i];
    return res;
  }
  if (n <= 128) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => a[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7])); // ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(a, start, half) + pairwiseSum(a, start + half, n - half);
}

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

/**
 * The header's numbers for the slice in `counts` (protocol.summary of Results.where(...)): images, mean IoU over
 * the classes with a defined IoU, pixel accuracy, mean loss over the images with a valid pixel. `total` is the
 * number of images analysed.
 */
export function sliceSummary(counts: Counts, member: Uint8Array, base: Summary | null): Summary {
  const { C, pooled } = counts;
  const ious: number[] = [];
  let correct = 0;
  let all = 0;
  for (let c = 0; c < C; c++) {
    let row = 0;
    let col = 0;
    for (let q = 0; q < C; q++) {
      row += pooled[c * C + q];
      col += pooled[q * C + c];
    }
    const diag = pooled[c * C + c];
    if (row + col - diag > 0) ious.push(diag / (row + col - diag));
    correct += diag;
    all += row;
  }
  const losses: number[] = [];
  let images = 0;
  member.forEach((m, n) => {
    images += m;
    if (m && !Number.isNaN(counts.losses[n])) losses.push(counts.losses[n]);
  });
  return {
    n_images: images,
    mean_iou: ious.length ? finiteOrNull(pairwiseSum(ious) / ious.length) : null,
    pixel_accuracy: all > 0 ? correct / all : null,
    mean_loss: losses.length ? finiteOrNull(pairwiseSum(losses) / losses.length) : null,
    partial: base?.partial ?? false,
    has_images: base?.has_images,
    of: member.length,
  };
}

/** A ranking kept to the images of the slice, order unchanged (null: no slice). */
export function restrict(r: Ranked, member: Uint8Array | null | undefined): Ranked {
  if (!member) return r;
  const keep: number[] = [];
  r.indices.forEach((n, i) => {
    if (member[n]) keep.push(i);
  });
  return { indices: Int32Array.from(keep, (i) => r.indices[i]), scores: Float64Array.from(keep, (i) => r.scores[i]) };
}
