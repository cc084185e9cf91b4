// The report's canvas charts (charts.ts) as panels of the widget's panel area: they stand in for the notebook's
// bqplot charts (segwidget/view/charts.py, listed by the kernel under the same ids) wherever no widget manager can
// show those, e.g. in marimo. They follow the synced traits themselves (report.ts linkCharts).

import { readComparison } from "../compare/data";
import type { Panel, PanelContext } from "../view/panels";
import { linkCharts } from "./report";

/** Bins of the loss histogram as charts.py's loss_bins: about √N (10 to 40) equal bins over the finite values,
 * numpy's histogram_bin_edges (a single value gets the bin [v − 0.5, v + 0.5]). */
export function lossEdges(values: ArrayLike<number>): number[] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    n++;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (n === 0) return [0, 1];
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const bins = Math.min(40, Math.max(10, Math.floor(Math.sqrt(n))));
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * ((hi - lo) / bins)));
}

/** What the histogram counts: the loss, or on a comparison the loss change B − A (charts.py histogram_values). */
function histogramValues(ctx: PanelContext): Float64Array {
  const a = ctx.data.losses;
  const cmp = ctx.comparison ? readComparison(ctx.model, ctx.data) : null;
  return cmp ? a.map((v, i) => cmp.b.losses[i] - v) : a;
}

/** The per-class IoU bars and the loss histogram, as panels "iou" and "loss": one pair of charts linked to the
 * model, built when either is first shown and again when the results change (new bins); unlinked on destroy. */
export function chartPanels(): Panel[] {
  let charts: ReturnType<typeof linkCharts> | null = null;
  let builtFor: unknown = null;
  const hosts = new Map<"iou" | "loss", HTMLElement>();
  const place = () => {
    if (!charts) return;
    hosts.get("iou")?.replaceChildren(charts.iou.el);
    hosts.get("loss")?.replaceChildren(charts.loss.el);
  };
  const build = (ctx: PanelContext) => {
    if (charts && builtFor === ctx.data) return;
    charts?.unlink();
    charts = linkCharts(ctx.model, lossEdges(histogramValues(ctx)));
    builtFor = ctx.data;
    place();
  };
  const panel = (id: "iou" | "loss", label: string, title: string): Panel => ({
    id,
    label,
    title,
    mount(host, ctx) {
      hosts.set(id, host);
      build(ctx);
      place();
      // the canvas learns its width once shown
      if (id === "loss") requestAnimationFrame(() => charts?.loss.draw());
    },
    update(ctx) {
      build(ctx);
      if (id === "loss") charts?.loss.draw();
    },
    destroy() {
      hosts.delete(id);
      if (hosts.size === 0) {
        charts?.unlink();
        charts = null;
      }
    },
  });
  return [
    panel("iou", "IoU", "per-class IoU (or its change B − A): click a bar to select its class"),
    panel("loss", "loss", "per-image loss histogram: drag to keep a range of it"),
  ];
}
