// The objects in the explorer: the gallery's "missed objects" and "false objects" orders under the slice, the
// objects chart's size bin and the size binning (object_bins: COCO's or each class's terciles in the slice), and
// their captions. The objects chart itself is report/objects-chart.ts. Python: view/objects.py.

import type { Counts } from "../data/counts";
import { fmtInt } from "../data/format";
import {
  binningOf,
  COCO_EDGES,
  type ObjectOrder,
  type Objects,
  rankObjects,
  readObjects,
  SIZE_LABELS,
  type SizeBinning,
  tercileTable,
} from "../data/objects";
import type { Cell, LossRange, Model, Order } from "../data/protocol";
import { filterByLoss, type Ranked } from "../data/ranking";
import { readControls } from "../data/traits";
import { galleryTitle } from "./gallery";
import type { RegionOffer } from "./regionview";

const isObjectOrder = (order: Order): order is ObjectOrder => order === "missed" || order === "false";

export class ObjectView {
  private read: { truth: unknown; false: unknown; objects: Objects | null } | null = null;
  /** The slice of the last ranking (the caption's terciles are the slice's). */
  private member: Uint8Array | null = null;

  constructor(private readonly model: Model) {}

  /** The records (re-read when the kernel sends new ones); null without objects. */
  objects(): Objects | null {
    const truth = this.model.get("objects_truth");
    const false_ = this.model.get("objects_false");
    if (this.read === null || this.read.truth !== truth || this.read.false !== false_) {
      this.read = { truth, false: false_, objects: readObjects(this.model) };
    }
    return this.read.objects;
  }

  /** The size binning the object_bins trait names. */
  binning(): SizeBinning {
    return binningOf(this.model.get("object_bins"));
  }

  /** Size bin `b` of class `c` in words, e.g. "small, < 1,024 px" or "upper third, ≥ 2,400 px" (terciles of the
   * class's objects in the slice `member`). */
  sizeText(c: number, b: number, member: Uint8Array | null): string {
    const binning = this.binning();
    const objects = this.objects();
    let edges: readonly number[] = COCO_EDGES;
    if (binning === "terciles" && objects !== null) {
      const own = tercileTable(objects, c + 1, member)[c];
      edges = own === null ? [] : [0, own[0], own[1], Number.POSITIVE_INFINITY];
    }
    const label = SIZE_LABELS[binning][b];
    return edges.length === 4 ? `${label}, ${sizeRange(edges, b)}` : label;
  }

  /** The chart's size bin, kept by the "missed" order of a selected class. */
  size(): number | null {
    const size = this.model.get("object_size");
    return Number.isInteger(size) && (size as number) >= 0 && (size as number) < 3 ? (size as number) : null;
  }

  /** The gallery's list for the objects' orders (null for the others): view/objects.py object_ranking. */
  rank(cell: Cell | null, range: LossRange | null, counts: Counts): Ranked | null {
    const { order } = readControls(this.model);
    const [member, losses] = [counts.member ?? null, counts.losses];
    this.member = member;
    const objects = this.objects();
    if (!isObjectOrder(order) || objects === null) return null;
    const [t, p] = cell ?? [null, null];
    const size = order === "missed" && t !== null ? this.size() : null;
    const ranked = rankObjects(objects, losses.length, order, t, p, member, size, this.binning());
    return range === null ? ranked : filterByLoss(ranked, losses, range);
  }

  /** What the header offers: the objects' orders when there are objects (never in a comparison). */
  offer(offer: RegionOffer, comparison: boolean): RegionOffer {
    return { ...offer, objects: !comparison && this.objects() !== null };
  }

  /** The gallery's caption: for the objects' orders, what is counted and how many in how many images. */
  title(classes: readonly string[], cell: Cell | null, order: Order, ranked: Ranked, range: LossRange | null): string {
    if (!isObjectOrder(order)) return galleryTitle(classes, cell, order, range);
    let total = 0;
    for (const s of ranked.scores) total += s;
    const what = order === "missed" ? "missed objects" : "false objects";
    const size = order === "missed" && cell !== null ? this.size() : null;
    const sized = size === null || cell === null ? "" : ` (${this.sizeText(cell[0], size, this.member)})`;
    let of = "";
    if (cell !== null) {
      const [t, p] = cell;
      if (order === "missed") of = t === p ? ` of ${classes[t]}` : ` of ${classes[t]} confused with ${classes[p]}`;
      else of = t === p ? ` predicted ${classes[p]}` : ` predicted ${classes[p]} that are ${classes[t]}`;
    }
    return `${fmtInt(total)} ${what}${of}${sized} in ${fmtInt(ranked.indices.length)} images, most first`;
  }
}

/** Bin `b` of `edges` ([0, e1, e2, ∞], closed on the left) in pixels. */
function sizeRange(edges: readonly number[], b: number): string {
  const [lo, hi] = [edges[b], edges[b + 1]];
  const px = (v: number) => (Number.isInteger(v) ? fmtInt(v) : v.toLocaleString("en-US", { maximumFractionDigits: 1 }));
  return hi === Number.POSITIVE_INFINITY ? `≥ ${px(lo)} px` : lo === 0 ? `< ${px(hi)} px` : `${px(lo)}–${px(hi)} px`;
}
