// The reliability chart, panel "calibration" of the panel area: accuracy against confidence per bin, the gap to the
// diagonal shaded, the pixels per bin below, and the ECE, of the slice shown and of the selection's predicted class
// (calibration.ts computes every number as Results does). Each bin is a button: it ranks the gallery by that bin's
// wrong pixels per image (order "overconfident", trait calibration_bin); again, or "all bins", goes back to the
// overconfident order. SVG, so every bin is focusable and readable by tests (data-*: the exact numbers).

import { ece, mce, type Reliability, reliability } from "../data/calibration";
import { fmtInt, fmtPct, h } from "../data/format";
import type { State } from "../data/protocol";
import { type CalibrationView, chosenBin, classOf } from "./calibrationview";

export { CalibrationView } from "./calibrationview";

import type { Panel, PanelContext } from "./panels";

const SVG = "http://www.w3.org/2000/svg";
const COLUMN = 28; // px per bin at the least: a target of at least 24 px
const PLOT = 150; // px of the accuracy plot
const COUNTS = 44; // px of the pixel-count bars below it
const GAP = 10;
const LEFT = 34;
const TOP = 8;
const BOTTOM = 22;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** A bin's range as people read it: [lo, hi) and, for the last slot, "= 1". */
export function binLabel(rel: Reliability, b: number): string {
  const last = b === rel.count.length - 1;
  return last ? "confidence = 1" : `confidence ${rel.lo[b].toFixed(2)}–${rel.hi[b].toFixed(2)}`;
}

export class ReliabilityChart {
  readonly el = h("section", "sw-reliability");
  private readonly heading = h("div", "sw-reliability-head");
  private readonly eceEl = h("span", "sw-reliability-ece");
  private readonly scope = h("span", "sw-reliability-scope");
  private readonly clear = h("button", "sw-reliability-clear", "all bins");
  private readonly plot = svg("svg", { role: "group" });
  private readonly note = h("p", "sw-reliability-note");

  constructor(private readonly set: <K extends keyof State>(key: K, value: State[K]) => void) {
    this.el.dataset.testid = "segwidget-reliability";
    this.eceEl.dataset.testid = "segwidget-reliability-ece";
    this.clear.type = "button";
    this.clear.dataset.testid = "segwidget-control";
    this.clear.dataset.name = "calibration_bin";
    this.clear.title = "rank the gallery by overconfidence again, not by one bin's wrong pixels";
    this.clear.addEventListener("click", () => this.set("calibration_bin", null));
    this.plot.setAttribute("aria-label", "reliability: accuracy against confidence per bin");
    this.heading.append(this.eceEl, this.scope, this.clear);
    this.note.textContent =
      "Bars: accuracy per confidence bin; shaded: the gap to the diagonal (above it: underconfident, below: " +
      "overconfident). Below: pixels per bin. Click a bin to rank the gallery by its wrong pixels.";
    this.el.append(this.heading, this.plot, this.note);
  }

  update(ctx: PanelContext, view: CalibrationView): void {
    const cal = view.of(ctx.data);
    if (!cal) return;
    const cls = classOf(ctx.cell);
    const rel = reliability(cal, ctx.counts.member ?? null, cls);
    const e = ece(rel);
    this.eceEl.textContent = `ECE ${fmtPct(e)} · MCE ${fmtPct(mce(rel))}`;
    this.eceEl.dataset.value = String(e ?? Number.NaN);
    this.scope.textContent = cls === null ? "all valid pixels" : `pixels predicted ${ctx.data.classes[cls]}`;
    const order = ctx.model.get("order");
    const bin = order === "overconfident" ? chosenBin(ctx.model, cal) : null;
    this.clear.hidden = bin === null;
    this.draw(rel, bin);
  }

  private draw(rel: Reliability, chosen: number | null): void {
    const S = rel.count.length;
    const width = LEFT + S * COLUMN + 4;
    const height = TOP + PLOT + GAP + COUNTS + BOTTOM;
    this.plot.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.plot.style.minWidth = `${width}px`;
    const x = (b: number) => LEFT + b * COLUMN;
    const y = (v: number) => TOP + PLOT * (1 - v);
    const top = Math.max(1, ...rel.count);
    const parts: SVGElement[] = [
      svg("rect", { class: "sw-rel-frame", x: LEFT, y: TOP, width: S * COLUMN, height: PLOT }),
      // the diagonal: accuracy = confidence, over the bins (the last slot is confidence exactly 1)
      svg("line", { class: "sw-rel-diagonal", x1: x(0), y1: y(0), x2: x(S - 1), y2: y(1) }),
    ];
    for (const v of [0, 0.5, 1]) {
      const t = svg("text", { class: "sw-rel-tick", x: LEFT - 4, y: y(v) + 4, "text-anchor": "end" });
      t.textContent = v.toFixed(1);
      parts.push(t);
    }
    for (let b = 0; b < S; b++) parts.push(this.bin(rel, b, x(b), y, top, chosen === b));
    const axis = svg("text", { class: "sw-rel-tick", x: LEFT, y: height - 6 });
    axis.textContent = "confidence → (last column: exactly 1)";
    parts.push(axis);
    this.plot.replaceChildren(...parts);
  }

  private bin(rel: Reliability, b: number, x0: number, y: (v: number) => number, top: number, on: boolean) {
    const n = rel.count[b];
    const acc = rel.accuracy[b];
    const conf = rel.confidence[b];
    const g = svg("g", { class: "sw-rel-bin", tabindex: 0, role: "button" });
    g.dataset.testid = "segwidget-reliability-bin";
    g.dataset.bin = String(b);
    g.dataset.count = String(n);
    g.dataset.accuracy = String(acc);
    g.dataset.confidence = String(conf);
    g.setAttribute("aria-pressed", String(on));
    const label = `${binLabel(rel, b)}: ${fmtInt(n)} px, accuracy ${fmtPct(acc)}, mean confidence ${fmtPct(conf)}`;
    g.setAttribute("aria-label", label);
    const title = svg("title");
    title.textContent = label;
    const w = COLUMN - 4;
    const bottom = TOP + PLOT + GAP + COUNTS;
    g.append(title, svg("rect", { class: "sw-rel-hit", x: x0, y: TOP, width: COLUMN, height: bottom - TOP }));
    if (n > 0) {
      g.append(svg("rect", { class: "sw-rel-acc", x: x0 + 2, y: y(acc), width: w, height: y(0) - y(acc) }));
      const [lo, hi] = acc < conf ? [acc, conf] : [conf, acc];
      const gap = svg("rect", { class: "sw-rel-gap", x: x0 + 2, y: y(hi), width: w, height: y(lo) - y(hi) });
      gap.dataset.over = String(conf > acc); // overconfident: confidence above accuracy
      g.append(gap, svg("line", { class: "sw-rel-conf", x1: x0 + 2, x2: x0 + 2 + w, y1: y(conf), y2: y(conf) }));
      const hCount = Math.max(1, (COUNTS * n) / top);
      g.append(svg("rect", { class: "sw-rel-count", x: x0 + 2, y: bottom - hCount, width: w, height: hCount }));
    }
    if (on)
      g.append(svg("rect", { class: "sw-rel-chosen", x: x0 + 1, y: TOP, width: COLUMN - 2, height: bottom - TOP }));
    const choose = () => {
      this.set("order", "overconfident");
      this.set("calibration_bin", on ? null : b);
    };
    g.addEventListener("click", choose);
    g.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      e.stopPropagation();
      choose();
    });
    return g;
  }
}

/** The panel: shown where the results have calibration counts (one model's). */
export function reliabilityPanel(
  view: CalibrationView,
  set: <K extends keyof State>(key: K, value: State[K]) => void,
): Panel {
  let chart: ReliabilityChart | null = null;
  return {
    id: "calibration",
    label: "calibration",
    title: "can the confidence be trusted? accuracy against confidence per bin: click a bin to rank its errors",
    available: (ctx) => !ctx.comparison && view.of(ctx.data) !== null,
    mount(el, ctx) {
      chart = new ReliabilityChart(set);
      el.append(chart.el);
      chart.update(ctx, view);
    },
    update(ctx) {
      chart?.update(ctx, view);
    },
    destroy() {
      chart = null;
    },
  };
}
