// Model, label or boundary? (Python: segwidget/results/regions.py, segwidget/view/regions.py.) The counts of a region of
// the pixels, the share of all errors in the boundary band, and the ranking by confident disagreements, from the
// band's and the confident disagreements' cell indices (band_*, conf_*). Every number is Python's to the last bit:
// sums of integer counts and one float64 division.

import { int32s } from "./binary";
import { type Cell, type Data, type LossRange, type Model, oneOf, type SparseIndex } from "./protocol";
import { byShare, colSums, filterByLoss, type Ranked, rowSums } from "./ranking";
import { meanMatrix } from "./slices";

export type Region = "all" | "interior" | "boundary";
export const REGIONS: readonly Region[] = ["all", "interior", "boundary"];

/** A cell-major index sent as `<prefix>_ptr`, `_image`, `_count`; null when empty (the results have none). */
export function readIndex(model: Model, prefix: "band" | "conf", C: number, N: number): SparseIndex | null {
  const get = (name: "ptr" | "image" | "count") => model.get(`${prefix}_${name}`);
  const cellPtr = int32s(get("ptr"), `${prefix}_ptr`);
  if (cellPtr.length === 0) return null;
  const cellImage = int32s(get("image"), `${prefix}_image`);
  const cellCount = int32s(get("count"), `${prefix}_count`);
  const nnz = cellImage.length;
  if (cellPtr.length !== C * C + 1 || cellCount.length !== nnz || cellPtr[0] !== 0 || cellPtr[C * C] !== nnz) {
    throw new Error(`segwidget: ${prefix}_* are inconsistent with the number of classes`);
  }
  return { C, N, cellPtr, cellImage, cellCount };
}

/**
 * The counts of a region: the band's ("boundary"), or all − band per image and cell ("interior", zero entries
 * dropped; the band's images of a cell are among the cell's, both ascending), with their pooled matrix and
 * fastai's mean matrix (slices.ts meanMatrix: metrics.mean_row_normalized over the region's counts).
 */
export function regionData(data: Data, band: SparseIndex, region: Exclude<Region, "all">): Data {
  const idx = region === "boundary" ? band : interior(data, band);
  const pooled = new Float64Array(data.C * data.C);
  for (let k = 0; k < pooled.length; k++) {
    for (let j = idx.cellPtr[k]; j < idx.cellPtr[k + 1]; j++) pooled[k] += idx.cellCount[j];
  }
  return { ...data, ...idx, pooled, meanCm: meanMatrix(idx) };
}

function interior(all: SparseIndex, band: SparseIndex): SparseIndex {
  const CC = all.C * all.C;
  const cellPtr = new Int32Array(CC + 1);
  const image: number[] = [];
  const count: number[] = [];
  for (let k = 0; k < CC; k++) {
    let b = band.cellPtr[k];
    for (let j = all.cellPtr[k]; j < all.cellPtr[k + 1]; j++) {
      const n = all.cellImage[j];
      let left = all.cellCount[j];
      if (b < band.cellPtr[k + 1] && band.cellImage[b] === n) left -= band.cellCount[b++];
      if (left > 0) {
        image.push(n);
        count.push(left);
      }
    }
    if (b !== band.cellPtr[k + 1]) throw new Error("segwidget: the boundary band counts pixels the image lacks");
    cellPtr[k + 1] = image.length;
  }
  return { C: all.C, N: all.N, cellPtr, cellImage: Int32Array.from(image), cellCount: Int32Array.from(count) };
}

/** Σ over cells of the index, of images with member[n] (all when null): the pooled matrix of a slice. */
export function pooledOf(idx: SparseIndex, member: Uint8Array | null): Float64Array {
  const out = new Float64Array(idx.C * idx.C);
  for (let k = 0; k < out.length; k++) {
    for (let j = idx.cellPtr[k]; j < idx.cellPtr[k + 1]; j++) {
      if (!member || member[idx.cellImage[j]]) out[k] += idx.cellCount[j];
    }
  }
  return out;
}

/** regions.boundary_error_share: off-diagonal pixels in the band / all off-diagonal pixels; null when none. */
export function boundaryErrorShare(whole: Float64Array, band: Float64Array, C: number): number | null {
  let inBand = 0;
  let all = 0;
  for (let t = 0; t < C; t++) {
    for (let p = 0; p < C; p++) {
      if (t === p) continue;
      inBand += band[t * C + p];
      all += whole[t * C + p];
    }
  }
  return all > 0 ? inBand / all : null;
}

/**
 * Results.rank(t, p, by="confident") (regions.rank_confident): confident disagreements as a share of all valid
 * pixels of the selection, PROTOCOL.md's rules. `all` is every valid pixel's index, `conf` the confident
 * disagreements' (no diagonal).
 */
export function rankConfident(
  all: SparseIndex,
  conf: SparseIndex,
  losses: Float64Array,
  cell: Cell | null,
  lossRange: LossRange | null = null,
): Ranked {
  const { C, N } = all;
  const counts = new Float64Array(N);
  const totals = new Float64Array(N);
  const add = (idx: SparseIndex, k: number, out: Float64Array) => {
    for (let j = idx.cellPtr[k]; j < idx.cellPtr[k + 1]; j++) out[idx.cellImage[j]] += idx.cellCount[j];
  };
  if (cell === null) {
    // label suspicion: all confident disagreements / all valid pixels (ranking.by_suspicion)
    for (let k = 0; k < C * C; k++) {
      add(conf, k, counts);
      add(all, k, totals);
    }
  } else if (cell[0] !== cell[1]) {
    const [t, p] = cell;
    add(conf, t * C + p, counts);
    totals.set(rowSums(all, t));
  } else {
    // the class's confident misses and false alarms / its union (ranking.by_confident_class)
    const c = cell[0];
    counts.set(rowSums(conf, c));
    const cols = colSums(conf, c);
    const rows = rowSums(all, c);
    const union = colSums(all, c);
    const diag = new Float64Array(N);
    add(all, c * C + c, diag);
    for (let n = 0; n < N; n++) {
      counts[n] += cols[n];
      totals[n] = rows[n] + union[n] - diag[n];
    }
  }
  const images: number[] = [];
  for (let n = 0; n < N; n++) if (counts[n] > 0) images.push(n);
  const ranked = byShare(images, counts, totals);
  return lossRange === null ? ranked : filterByLoss(ranked, losses, lossRange);
}

/** The counts' region for the view: the trait's, or "all" when the results have no band (or it is unknown). */
export function regionOf(model: Model, band: SparseIndex | null): Region {
  return band ? oneOf(model.get("region"), REGIONS, "all") : "all";
}

/** For the gallery's title: what the list counts besides the selection. */
export function regionNote(region: Region, confident: boolean): string {
  if (confident) return region === "all" ? "" : " · all pixels (the region colours the heatmap only)";
  return region === "all" ? "" : ` · ${region} pixels only`;
}
