// A comparison of two models in the view (Python: segwidget/view/compare.py). widget.ts asks this object, at each
// place where a comparison differs from one model, for the comparison's answer: heatmap values and colour scale,
// ranking, header, side list, gallery captions, detail panels. It holds nothing the model does not say. With a
// slice, A's counts are the slice's (counts.ts) and B's are restricted to the same images here.

import { divergingScale } from "../data/change-colors";
import type { RGB, Scale } from "../data/colors";
import { scaleFor } from "../data/colors";
import type { Counts } from "../data/counts";
import type { Cell, Controls, Data, LossRange, Model, Normalize } from "../data/protocol";
import type { Ranked } from "../data/ranking";
import { sliceCounts, sliceSummary } from "../data/slices";
import type { DetailInput } from "../view/detail";
import type { GalleryInput } from "../view/gallery";
import type { HeaderExtra } from "../view/header";
import type { PairItem } from "../view/pairs";
import { type Comparison, comparisonValues, mostChanged, readCompareControls, readComparison } from "./data";
import { type Changes, rankChanges } from "./ranking";
import {
  type CompareEvents,
  CompareHeader,
  changeItems,
  compareCaption,
  compareIouTable,
  comparePanels,
  compareTitle,
  describeChange,
  similarCaption,
  similarTitle,
} from "./view";

const LEGEND: Record<Normalize, string> = {
  true: "share of true pixels",
  pred: "share of predicted pixels",
  none: "pixel counts",
  mean: "per-image mean share of true pixels",
};

export class ComparisonView {
  private cmp: Comparison | null = null;
  private readonly header: CompareHeader;
  /** B's counts over the images of the last slice seen (the same array while it does not change). */
  private sliced: { member: Uint8Array; b: Counts } | null = null;

  constructor(
    private readonly model: Model,
    events: CompareEvents,
  ) {
    this.header = new CompareHeader(events);
  }

  /** Read B's state after A's (throws when it disagrees with A's); inactive for one model. */
  load(data: Data | null): void {
    this.cmp = null;
    this.sliced = null;
    if (data) this.cmp = readComparison(this.model, data);
  }

  /** B's counts over the images of A's (a slice's, or all). */
  private bOf(a: Counts): Counts {
    const { b } = this.c;
    if (!a.member) return b;
    if (this.sliced?.member !== a.member) {
      this.sliced = { member: a.member, b: sliceCounts({ ...b, classes: [], colors: [] }, a.member) };
    }
    return this.sliced.b;
  }

  get active(): boolean {
    return this.cmp !== null;
  }

  private get c(): Comparison {
    if (!this.cmp) throw new Error("segwidget: not a comparison");
    return this.cmp;
  }

  /** The heatmap's matrix for the shown model, its colour scale and the legend's title. */
  values(a: Counts, c: Controls): { values: Float64Array; scale: Scale; legend: string } {
    const { normalize, log_scale: log, hide_diagonal: hideDiagonal } = c;
    const { shown } = readCompareControls(this.model);
    const values = comparisonValues(a, this.bOf(a), a.C, normalize, shown);
    const [na, nb] = this.c.names;
    if (shown !== "delta") {
      const scale: Scale = scaleFor(values, a.C, log, hideDiagonal);
      return { values, scale, legend: `${shown === "A" ? na : nb}: ${LEGEND[normalize]}${log ? ", log scale" : ""}` };
    }
    const legend = `${nb} − ${na}: ${LEGEND[normalize]} · red: ${nb} worse (more confusion; fewer right on the diagonal)`;
    return { values, scale: divergingScale(values, a.C), legend };
  }

  /** The comparison's gallery, of a slice's images when A's counts are a slice's; `near`: "more like this" (the
   * map's nearest images to image `of`, in the slice), which replaces it as for one model. */
  rank(a: Counts, cell: Cell | null, range: LossRange | null, near?: { of: number; ranked: Ranked } | null): Changes {
    if (near) return this.similar(a, near.of, near.ranked);
    const { direction } = readCompareControls(this.model);
    return rankChanges(a, this.c.b, a.losses, this.c.b.losses, cell, direction, range, a.member);
  }

  /** "More like this" in a comparison (`near`: the map's nearest images to image `of`), with both models' losses. */
  private similar(a: Counts, of: number, near: Ranked): Changes {
    const loss = (losses: Float64Array) => Float64Array.from(near.indices, (n) => losses[n]);
    return { ...near, a: loss(a.losses), b: loss(this.c.b.losses), similarTo: of };
  }

  /** The header's numbers of both models (of a slice: computed here, as one model's are) and controls. */
  headerExtra(a: Counts): HeaderExtra {
    const { shown, direction } = readCompareControls(this.model);
    let cmp = this.c;
    let members: number | null = null;
    if (a.member) {
      const [sa, sb] = [sliceSummary(a, a.member, null), sliceSummary(this.bOf(a), a.member, null)];
      const pair = (x: number | null, y: number | null) => [x, y, x === null || y === null ? null : y - x] as const;
      const summary = {
        ...cmp.summary,
        mean_iou: pair(sa.mean_iou, sb.mean_iou),
        pixel_accuracy: pair(sa.pixel_accuracy, sb.pixel_accuracy),
        mean_loss: pair(sa.mean_loss, sb.mean_loss),
      };
      cmp = { ...cmp, summary };
      members = sa.n_images;
    }
    return this.header.update(cmp, shown, direction, members);
  }

  /** The side list (the most changed confusions) and its title. */
  side(a: Counts): [PairItem[], string] {
    const items = changeItems(mostChanged(a.pooled, this.bOf(a).pooled, a.C));
    const [na, nb] = this.c.names;
    return [items, `most changed confusions (share of true, ${na} → ${nb}): grew, then shrank`];
  }

  /** Tooltip lines for cell (t, p) under the normalisation shown. */
  describe(a: Counts, classes: string[], normalize: Normalize, t: number, p: number): string[] {
    const k = t * a.C + p;
    const b = this.bOf(a);
    const va = comparisonValues(a, b, a.C, normalize, "A")[k];
    const vb = comparisonValues(a, b, a.C, normalize, "B")[k];
    const values = { a: va, b: vb, normalize, pixelsA: a.pooled[k], pixelsB: b.pooled[k] };
    return describeChange(classes, this.c.names, values, readCompareControls(this.model).direction, t, p);
  }

  /** The gallery's title and captions for a ranking from `rank`. */
  gallery(
    ranked: Changes,
    classes: string[],
    cell: Cell | null,
    range: LossRange | null,
    note: string,
  ): Partial<GalleryInput> {
    const { direction } = readCompareControls(this.model);
    if (ranked.similarTo !== undefined) {
      return {
        title: similarTitle(ranked.similarTo) + note,
        caption: (rank) => similarCaption(ranked, rank, this.c.names),
      };
    }
    return {
      title: compareTitle(classes, this.c.names, cell, direction, range) + note,
      caption: (rank) => compareCaption(ranked, rank, cell, this.c.names),
    };
  }

  /** The detail view's panels and per-class IoU table of image `index`. */
  detail(index: number, classes: string[], palette: RGB[]): Partial<DetailInput> {
    const cmp = this.c;
    return {
      panels: comparePanels(cmp.names),
      iouTable: (cm) => compareIouTable(cm, cmp, index, classes, palette),
    };
  }
}
