// The objects chart on a canvas, the browser's own panel "objects" (the report's, and wherever no widget manager
// shows the notebook's bqplot twin, segwidget/view/objects_chart.py): per class with truth objects in the slice,
// one bar per size bin whose length is the bin's object recall (the share of its objects found), in three colours
// with a legend; the counts beside each bar and in its description. A click, or the arrow keys and Enter, selects
// the class, the "missed" order and the bin; a select in the chart's own header switches the bins (object_bins).
// The numbers are objects.ts objectTable of the slice shown: the report's slice needs no round trip.

import { fmtInt, fmtPct, h, labelled, select } from "../data/format";
import { objectTable, SIZE_LABELS, type SizeBinning } from "../data/objects";
import type { ObjectView } from "../view/objectview";
import type { Panel, PanelContext } from "../view/panels";
import { cssVar } from "../view/theme";

/** Small / medium / large (lower / middle / upper third): vermillion, teal, blue, as the notebook's chart. */
export const SIZE_COLORS = ["#d55e00", "#00897b", "#1976d2"] as const;
/** One bar's row: a target's least size (WCAG 2.2); the class's name above its three rows. */
export const ROW = 24;
const NAME = 18;
const GAP = 6;
const LEFT = 8;
const RIGHT = 84;

export interface ObjectsInput {
  classes: readonly string[];
  /** Row-major C × 3: truth objects and missed ones per class and size bin (objectTable). */
  objects: Int32Array;
  missed: Int32Array;
  binning: SizeBinning;
  /** The chosen [class, bin], outlined; null when none is. */
  selected: [number, number] | null;
  /** Bin `b` of class `c` in words with its pixel range. */
  sizeText: (c: number, b: number) => string;
}

/** The bars drawn, in drawn order: classes with truth objects, three bins each (empty bins included, no bar). */
export function barsOf(input: ObjectsInput): [number, number][] {
  const out: [number, number][] = [];
  for (let c = 0; c < input.classes.length; c++) {
    const total = input.objects[c * 3] + input.objects[c * 3 + 1] + input.objects[c * 3 + 2];
    if (total > 0) for (let b = 0; b < 3; b++) out.push([c, b]);
  }
  return out;
}

/** Bar `k`'s row top in CSS px (data-origin-y + this, what tests click by). */
export function rowTop(k: number): number {
  const group = Math.floor(k / 3);
  return group * (NAME + 3 * ROW + GAP) + NAME + (k % 3) * ROW;
}

/** What a bar says: class, bin and range, found share, missed of all. */
export function describeBar(input: ObjectsInput, c: number, b: number): string {
  const n = input.objects[c * 3 + b];
  const lost = input.missed[c * 3 + b];
  const said = n === 0 ? "no objects" : `${fmtPct((n - lost) / n)} found, ${fmtInt(lost)} of ${fmtInt(n)} missed`;
  return `${input.classes[c]}, ${input.sizeText(c, b)}: ${said}`;
}

export class ObjectsChart {
  readonly el = h("section", "swr-chart swr-objects");
  readonly canvas = h("canvas", "swr-objects-canvas");
  readonly bins = select("size bins", [
    ["coco", "COCO sizes"],
    ["terciles", "terciles"],
  ]);
  private readonly legend = h("div", "swr-objects-legend");
  private readonly live = h("div", "sw-live");
  private input: ObjectsInput | null = null;
  private bars: [number, number][] = [];
  private focus = -1;

  constructor(
    private readonly choose: (c: number, b: number) => void,
    setBins: (binning: SizeBinning) => void,
  ) {
    this.canvas.dataset.testid = "segwidget-objects-chart";
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute(
      "aria-label",
      "object recall per class and size bin; Up and Down move between the bars, Enter selects class and bin",
    );
    this.canvas.tabIndex = 0;
    this.bins.dataset.testid = "segwidget-control";
    this.bins.dataset.name = "object_bins";
    this.bins.addEventListener("change", () => setBins(this.bins.value === "terciles" ? "terciles" : "coco"));
    this.live.setAttribute("role", "status");
    this.live.setAttribute("aria-live", "polite");
    const controls = h("div", "swr-chart-controls");
    controls.append(h("h2", "swr-chart-title", "Object recall by size · click a bar"), labelled("bins", this.bins));
    const head = h("div", "swr-objects-head"); // stays in view while the bars scroll in the panel
    head.append(controls, this.legend);
    this.el.append(head, this.canvas, this.live);
    this.canvas.addEventListener("click", this.onClick);
    this.canvas.addEventListener("keydown", this.onKey);
    this.canvas.addEventListener("focus", () => this.moveTo(Math.max(0, this.focus)));
    this.canvas.addEventListener("blur", () => this.draw());
  }

  update(input: ObjectsInput): void {
    this.input = input;
    this.bars = barsOf(input);
    if (this.focus >= this.bars.length) this.focus = this.bars.length - 1;
    this.bins.value = input.binning;
    this.legend.replaceChildren(
      ...SIZE_LABELS[input.binning].map((label, b) => {
        const item = h("span", "swr-objects-key");
        const swatch = h("span", "swr-objects-swatch");
        swatch.style.background = SIZE_COLORS[b];
        item.append(swatch, h("span", "", label));
        return item;
      }),
    );
    this.draw();
  }

  private readonly onClick = (e: MouseEvent) => {
    const y = e.clientY - this.canvas.getBoundingClientRect().top;
    const k = this.bars.findIndex((_, i) => y >= rowTop(i) && y < rowTop(i) + ROW);
    if (k < 0) return;
    this.focus = k;
    this.choose(...this.bars[k]);
  };

  /**
   * Up / Down (Home / End) move between the bars, Enter or Space selects class and bin: the canvas keeps these
   * keys (as the heatmap does); Left / Right go on to the panel area's other controls (keyboard.ts roving).
   */
  private readonly onKey = (e: KeyboardEvent) => {
    const n = this.bars.length;
    if (n === 0) return;
    const at = Math.max(0, this.focus);
    const step: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: n - 1 };
    const to = step[e.key];
    if (e.key === "Enter" || e.key === " ") this.choose(...this.bars[at]);
    else if (to !== undefined) this.moveTo(Math.min(n - 1, Math.max(0, to)));
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  private moveTo(k: number): void {
    if (k >= this.bars.length || !this.input) return;
    this.focus = k;
    this.live.replaceChildren(h("span", "", describeBar(this.input, ...this.bars[k])));
    this.draw();
  }

  draw(): void {
    const canvas = this.canvas;
    const input = this.input;
    const width = canvas.clientWidth || 320;
    const height = this.bars.length === 0 ? ROW : rowTop(this.bars.length - 1) + ROW + GAP;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.height = `${height}px`;
    // for tests and automation: bar k = [class, bin, objects, missed, top]: its row spans y = top … top + data-row
    const x1 = Math.max(LEFT + 40, width - RIGHT);
    canvas.dataset.bars = JSON.stringify(
      input ? this.bars.map(([c, b], k) => [c, b, input.objects[c * 3 + b], input.missed[c * 3 + b], rowTop(k)]) : [],
    );
    Object.assign(canvas.dataset, { row: String(ROW), x0: String(LEFT), x1: String(x1), binning: input?.binning });
    const focused = document.activeElement === canvas && this.focus >= 0 ? this.bars[this.focus] : null;
    canvas.dataset.focusClass = focused ? String(focused[0]) : "";
    canvas.dataset.focusSize = focused ? String(focused[1]) : "";
    const ctx = canvas.getContext("2d");
    if (!ctx || !input) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const fg = cssVar(this.el, "--swr-fg", "#222");
    const fg2 = cssVar(this.el, "--swr-fg2", "#616161");
    const accent = cssVar(this.el, "--swr-accent", "#1565c0");
    ctx.clearRect(0, 0, width, height);
    ctx.textBaseline = "middle";
    ctx.font = "12px sans-serif";
    this.bars.forEach(([c, b], k) => {
      const top = rowTop(k);
      if (b === 0) {
        ctx.fillStyle = fg;
        ctx.font = "600 12px sans-serif";
        ctx.fillText(input.classes[c], LEFT, top - NAME / 2, width - 2 * LEFT);
        ctx.font = "12px sans-serif";
      }
      const n = input.objects[c * 3 + b];
      const lost = input.missed[c * 3 + b];
      ctx.strokeStyle = fg2;
      ctx.lineWidth = 1;
      ctx.strokeRect(LEFT + 0.5, top + 4.5, x1 - LEFT - 1, ROW - 9);
      if (n > 0) {
        ctx.fillStyle = SIZE_COLORS[b];
        ctx.fillRect(LEFT + 1, top + 5, ((x1 - LEFT - 2) * (n - lost)) / n, ROW - 10);
      }
      ctx.fillStyle = fg2;
      ctx.fillText(n === 0 ? "–" : `${fmtInt(lost)}/${fmtInt(n)} missed`, x1 + 6, top + ROW / 2, RIGHT - 8);
      const chosen = input.selected !== null && input.selected[0] === c && input.selected[1] === b;
      if (chosen) {
        ctx.strokeStyle = fg;
        ctx.lineWidth = 2;
        ctx.strokeRect(LEFT - 2, top + 2, x1 - LEFT + 4, ROW - 4);
      }
      if (focused && focused[0] === c && focused[1] === b) {
        ctx.strokeStyle = accent;
        ctx.lineWidth = 2;
        ctx.setLineDash([4, 2]);
        ctx.strokeRect(1, top, width - 2, ROW);
        ctx.setLineDash([]);
      }
    });
  }
}

/** The panel "objects": the chart of the slice shown, linked to the model's selection and size bins. */
export function objectsChartPanel(view: ObjectView): Panel {
  let chart: ObjectsChart | null = null;
  const draw = (ctx: PanelContext) => {
    const objects = view.objects();
    if (chart === null || objects === null) return;
    const { C, classes } = ctx.data;
    const member = ctx.counts.member ?? null;
    const binning = view.binning();
    const table = objectTable(objects, C, binning, member);
    const size = view.size();
    const cell = ctx.cell;
    const chosen = cell !== null && cell[0] === cell[1] && ctx.model.get("order") === "missed" && size !== null;
    chart.update({
      classes,
      ...table,
      binning,
      selected: chosen && cell !== null && size !== null ? [cell[0], size] : null,
      sizeText: (c, b) => view.sizeText(c, b, member),
    });
  };
  return {
    id: "objects",
    label: "objects",
    title: "per class: the share of small, medium and large truth objects found; click a bar",
    available: (ctx) => !ctx.comparison && view.objects() !== null,
    mount(el, ctx) {
      chart = new ObjectsChart(
        (c, b) => {
          ctx.model.set("selected_cell", [c, c]);
          ctx.model.set("order", "missed");
          ctx.model.set("object_size", b);
          ctx.model.save_changes();
        },
        (binning) => {
          ctx.model.set("object_bins", binning);
          ctx.model.save_changes();
        },
      );
      el.append(chart.el);
      draw(ctx);
      requestAnimationFrame(() => chart?.draw()); // the canvas learns its width once shown
    },
    update: draw,
    destroy() {
      chart = null;
    },
  };
}
