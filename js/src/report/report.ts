// Entry of the offline report (segwidget/report/build.py writes the page): imports the widget's own ES module from
// the page, as anywidget does, renders it on a stand-in model that answers from the embedded data, and adds
// what the notebook's Python side drew: the IoU and loss charts, and a statement of what the file holds.

import { type Comparison, readCompareControls, readComparison } from "../compare/data";
import { palette } from "../data/colors";
import { activeCounts } from "../data/counts";
import { h } from "../data/format";
import { cellOf, type Data, lossRangeOf, type Model, readData } from "../data/protocol";
import { readColumns, readSlice, readTags, sliceMask } from "../data/slices";
import { readControls } from "../data/traits";
import { IouChart, LossChart, lossLabels } from "./charts";
import { chartNumbers } from "./numbers";
import { OfflineModel, type ReportData } from "./offline";

export interface ReportMeta {
  title: string;
  /** What the file holds and leaves out, one sentence each (text). */
  left_out: string[];
  /** The notebook's loss histogram bins (charts.loss_bins): of the loss change on a comparison. */
  loss_edges: number[];
}

/** Base64 text to bytes (the native decoder where there is one). */
export function fromBase64(text: string): Uint8Array {
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  const clean = text.replace(/\s+/g, "");
  if (native) return native.call(Uint8Array, clean);
  const binary = atob(clean);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function payload(doc: Document, id: string): string {
  const el = doc.getElementById(id);
  if (!el) throw new Error(`segwidget report: the page has no #${id}`);
  return el.textContent ?? "";
}

interface Widget {
  initialize?: (props: { model: unknown }) => unknown;
  render: (props: { model: unknown; el: HTMLElement }) => unknown;
}

/** The report's page: statement, the widget and the charts. Resolves once the widget has rendered. */
export async function open(doc: Document): Promise<OfflineModel> {
  performance.mark("segwidget-report:open");
  const meta = JSON.parse(payload(doc, "segwidget-meta")) as ReportMeta;
  const data = JSON.parse(payload(doc, "segwidget-data")) as ReportData;
  const model = new OfflineModel(data, fromBase64(payload(doc, "segwidget-blob")));
  const esm = new Blob([fromBase64(payload(doc, "segwidget-esm")) as BlobPart], { type: "text/javascript" });
  const module = await import(/* @vite-ignore */ URL.createObjectURL(esm));
  const widget: Widget = typeof module.default === "function" ? await module.default() : module.default;

  const page = doc.getElementById("segwidget-report") ?? doc.body;
  const header = h("header", "swr-header");
  const statement = h("ul", "swr-statement");
  statement.dataset.testid = "segwidget-report-statement";
  statement.append(...meta.left_out.map((line) => h("li", "", line)));
  header.append(h("h1", "swr-title", meta.title), statement);
  const view = h("div", "swr-view");
  const el = h("div", "swr-widget");
  const aside = h("aside", "swr-charts");
  view.append(el, aside);
  page.replaceChildren(header, view);

  await widget.initialize?.({ model });
  await widget.render({ model, el });
  mountCharts(model, meta, aside);
  return model;
}

/** The IoU bars and the loss histogram, kept in step with the model as the notebook's charts are: with a slice,
 * the bars are the slice's and the histogram highlights the slice's images (of the selected cell, if any); on a
 * comparison, both show changes B − A (reportnumbers.ts) and the brush bounds the loss change. */
export function mountCharts(offline: OfflineModel, meta: ReportMeta, aside: HTMLElement): void {
  const charts = linkCharts(offline as unknown as Model, meta.loss_edges);
  aside.append(charts.iou.el, charts.loss.el);
  if (typeof ResizeObserver === "function") new ResizeObserver(() => charts.loss.draw()).observe(charts.loss.canvas);
}

/** The two charts on `model`, redrawn on every change of the traits they follow; `unlink` stops following. */
export function linkCharts(
  model: Model,
  edges: readonly number[],
): { iou: IouChart; loss: LossChart; unlink: () => void } {
  const set = (key: "selected_cell" | "loss_range", value: unknown) => {
    model.set(key, value as never);
    model.save_changes();
  };
  const iou = new IouChart((c) => {
    const now = cellOf(model.get("selected_cell"), Number.POSITIVE_INFINITY);
    set("selected_cell", now && now[0] === c && now[1] === c ? null : [c, c]);
  });
  const names = namesOf(model.get("comparison_summary"));
  const loss = new LossChart(edges, (range) => set("loss_range", range), lossLabels(names));
  const redraw = () => {
    let data: Data;
    let member: Uint8Array | null;
    let cmp: Comparison | null;
    try {
      data = readData(model);
      const columns = readColumns(model.get("columns"), model.get("column_data"), data.N);
      member = sliceMask(readSlice(model.get("slice")), columns, readTags(model.get("tags")), data);
      cmp = readComparison(model, data);
    } catch {
      return; // inconsistent state: the widget says so
    }
    const cell = cellOf(model.get("selected_cell"), data.C);
    const controls = { order: readControls(model).order, direction: readCompareControls(model).direction };
    const numbers = chartNumbers(data, activeCounts(data, member), cmp, cell, controls);
    const colors = palette(data.colors, data.C);
    iou.update({
      classes: data.classes,
      palette: colors,
      values: numbers.iou,
      selected: cell,
      change: cmp?.names ?? null,
    });
    loss.update({ losses: numbers.losses, matching: numbers.matching, range: lossRangeOf(model.get("loss_range")) });
  };
  const traits = ["classes", "colors", "pooled", "losses", "cell_ptr", "selected_cell", "order", "loss_range"];
  const comparison = ["direction", "comparison_summary", "pooled_b", "losses_b", "cell_ptr_b"];
  const events = [...traits, ...comparison, "slice", "tags", "columns", "column_data"].map((key) => `change:${key}`);
  for (const event of events) model.on(event, redraw);
  redraw();
  const unlink = () => {
    for (const event of events) model.off(event, redraw);
  };
  return { iou, loss, unlink };
}

/** The two models' names of a comparison_summary trait; null for one model. */
function namesOf(summary: unknown): [string, string] | null {
  const names = (summary as { names?: unknown } | null)?.names;
  return Array.isArray(names) && names.length === 2 ? [String(names[0]), String(names[1])] : null;
}
