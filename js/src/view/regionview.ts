// Regions and confident disagreements in the view, for widget.ts (Python: segwidget/view/regions.py): the counts
// of the chosen region (counts.ts), the all-pixel counts the header's numbers and the confident ranking use, the
// header's share of errors in the band, and what the header offers. It holds nothing the model does not say.

import { type Counts, countsCache } from "../data/counts";
import type { Cell, Data, LossRange, Model, Order, SparseIndex, Summary } from "../data/protocol";
import type { Ranked } from "../data/ranking";
import {
  boundaryErrorShare,
  pooledOf,
  type Region,
  rankConfident,
  readIndex,
  regionNote,
  regionOf,
} from "../data/regions";
import { sliceSummary } from "../data/slices";

/** What the results allow: a region control (band counts) and the confident order (confident counts). */
export interface RegionOffer {
  band: boolean;
  confident: boolean;
  /** The order "overconfident" (calibration counts; calibrationview.ts). */
  calibration?: boolean;
  /** The objects' orders (objectview.ts); false when not said. */
  objects?: boolean;
}

interface Indices {
  data: Data;
  band: SparseIndex | null;
  conf: SparseIndex | null;
}

export class RegionView {
  private indices: Indices | null = null;
  private readonly shownOf = countsCache();
  private readonly wholeOf = countsCache();

  constructor(private readonly model: Model) {}

  /** The band's and confident disagreements' indices of `data` (read once per data; malformed: none). */
  private of(data: Data): Indices {
    if (this.indices?.data !== data) {
      const read = (prefix: "band" | "conf") => {
        try {
          return readIndex(this.model, prefix, data.C, data.N);
        } catch {
          return null; // traits arriving one by one: wait for a consistent set
        }
      };
      this.indices = { data, band: read("band"), conf: read("conf") };
    }
    return this.indices;
  }

  offer(data: Data | null): RegionOffer {
    const i = data && this.of(data);
    return { band: Boolean(i?.band), confident: Boolean(i?.conf) };
  }

  region(data: Data): Region {
    return regionOf(this.model, this.of(data).band);
  }

  /** The counts the heatmap, the pairs and the gallery read: the region's, of the slice's images. */
  counts(data: Data, member: Uint8Array | null): Counts {
    return this.shownOf(data, member, this.of(data).band, this.region(data));
  }

  /** The gallery's list by confident disagreements (every valid pixel, whatever the region), or null for the
   * other orders (ranking.ts). The caller keeps the slice's images. */
  rank(data: Data, cell: Cell | null, order: Order, range: LossRange | null): Ranked | null {
    const conf = this.of(data).conf;
    if (order !== "confident" || !conf) return null;
    return rankConfident(data, conf, data.losses, cell, range);
  }

  /** The header's numbers: all pixels' (the kernel's, or the browser's for a slice), and the share of errors in the
   * band of those images. */
  summary(base: Summary | null, data: Data | null, member: Uint8Array | null): Summary | null {
    if (!data || !member) return base;
    // all pixels shown: the same counts as the view's (one pass over the index per selection, not two)
    const whole = this.region(data) === "all" ? this.counts(data, member) : this.wholeOf(data, member);
    const band = this.of(data).band;
    const share = band ? boundaryErrorShare(whole.pooled, pooledOf(band, member), data.C) : null;
    return { ...sliceSummary(whole, member, base), boundary_error_share: share };
  }

  /** For the gallery's title. */
  note(data: Data, order: Order): string {
    return regionNote(this.region(data), order === "confident");
  }
}
