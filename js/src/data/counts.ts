// The numbers the view shows: a cell-major sparse index with its pooled matrix, per-image mean matrix and
// losses. By default the whole pass's; a feature that shows other counts (a region of the image, a slice of
// the images, another model) derives a Counts of the same shape here, and every view reads only this.

import type { Data, SparseIndex } from "./protocol";
import { type Region, regionData } from "./regions";
import { sliceCounts } from "./slices";

export interface Counts extends SparseIndex {
  pooled: Float64Array;
  /** fastai's per-image mean matrix (empty when unknown). */
  meanCm: Float64Array;
  losses: Float64Array;
  /** The images of a slice (1 per member image), or null/absent for all images. */
  member?: Uint8Array | null;
}

/**
 * The counts to show for the decoded state: a region's pixels when `band` (the boundary band's index) is known
 * and `region` is not "all" (regions.ts), of the slice's images only when `member` says which (slices.ts).
 */
export function activeCounts(
  data: Data,
  member: Uint8Array | null = null,
  band: SparseIndex | null = null,
  region: Region = "all",
): Counts {
  const base = band && region !== "all" ? regionData(data, band, region) : data;
  return member ? sliceCounts(base, member) : base;
}

/** activeCounts, derived again only when one of its inputs changes (else the same object). */
export function countsCache(): (
  data: Data,
  member: Uint8Array | null,
  band?: SparseIndex | null,
  region?: Region,
) => Counts {
  let last: { args: unknown[]; counts: Counts } | null = null;
  return (data, member, band = null, region = "all") => {
    const args = [data, member, band, region];
    if (!last || args.some((a, i) => a !== last?.args[i])) {
      last = { args, counts: activeCounts(data, member, band, region) };
    }
    return last.counts;
  };
}
