// What the offline report's charts show, as the notebook's (segwidget/view/charts.py): per class the IoU, per image
// the loss, and the images of the selection (the gallery before its loss filter) drawn over the histogram. On a
// comparison of two models: each class's IoU change B − A and each image's loss change B − A, the quantity
// a comparison's loss_range bounds. With a slice, the IoU (change) is over the slice's images and only they
// are highlighted.

import type { Comparison } from "../compare/data";
import { type Direction, lossChange, rankChanges } from "../compare/ranking";
import { classIou } from "../data/classview";
import type { Counts } from "../data/counts";
import type { Cell, Data, Order } from "../data/protocol";
import { rank } from "../data/ranking";
import { restrict, sliceCounts } from "../data/slices";

export interface ChartNumbers {
  /** Per class: IoU, or in a comparison IoU_B − IoU_A (NaN where undefined). */
  iou: Float64Array;
  /** Per image: the loss, or in a comparison loss_B − loss_A: what the histogram counts and the brush bounds. */
  losses: Float64Array;
  /** The selection's images in the slice, drawn over the whole distribution; null with neither. */
  matching: Int32Array | null;
}

/** One model's numbers; `a` is the active counts (a slice's, with `member`, or the data's own). */
export function modelNumbers(data: Data, a: Counts, cell: Cell | null, order: Order): ChartNumbers {
  const matching = cell || a.member ? restrict(rank(data, data.losses, cell, order), a.member).indices : null;
  return { iou: classIou(a.pooled, a.C), losses: data.losses, matching };
}

/**
 * A comparison's numbers: `a` is A's active counts (a slice's, with `member`), `b` B's counts over every image.
 * B's IoU is over the same images as A's (its cell index restricted as A's is, as the view's heatmap does).
 */
export function comparisonNumbers(a: Counts, b: Counts, cell: Cell | null, direction: Direction): ChartNumbers {
  const bIn = a.member ? sliceCounts({ ...b, classes: [], colors: [] }, a.member) : b;
  const iouA = classIou(a.pooled, a.C);
  const iou = classIou(bIn.pooled, a.C).map((v, c) => v - iouA[c]);
  const matching =
    cell || a.member ? rankChanges(a, b, a.losses, b.losses, cell, direction, null, a.member).indices : null;
  return { iou, losses: lossChange(a.losses, b.losses), matching };
}

/** The chart numbers for what the view shows: one model, or a comparison when `cmp` is one. */
export function chartNumbers(
  data: Data,
  a: Counts,
  cmp: Comparison | null,
  cell: Cell | null,
  controls: { order: Order; direction: Direction },
): ChartNumbers {
  return cmp ? comparisonNumbers(a, cmp.b, cell, controls.direction) : modelNumbers(data, a, cell, controls.order);
}
