// The numbers the view shows: a cell-major sparse index with its pooled matrix, per-image mean matrix and
// losses. By default the whole pass's; a feature that shows other counts (a region of the image, a slice of
// the images, another model) derives a Counts of the same shape here, and every view reads only this.

import type { Data, SparseIndex } from "./protocol";
import { sliceCounts } from "./slices";

export interface Counts extends SparseIndex {
  pooled: Float64Array;
  /** fastai's per-image mean matrix (empty when unknown). */
  meanCm: Float64Array;
  losses: Float64Array;
  /** The images of a slice (1 per member image), or null/absent for all images. */
  member?: Uint8Array | null;
}

/** The counts to show for the decoded state: the slice's images only when `member` says which (slices.ts). */
export function activeCounts(data: Data, member: Uint8Array | null = null): Counts {
  return member ? sliceCounts(data, member) : data;
}

/** activeCounts, derived again only when the data or the slice's images change (else the same object). */
export function countsCache(): (data: Data, member: Uint8Array | null) => Counts {
  let last: { data: Data; member: Uint8Array | null; counts: Counts } | null = null;
  return (data, member) => {
    if (last?.data !== data || last.member !== member) last = { data, member, counts: activeCounts(data, member) };
    return last.counts;
  };
}
