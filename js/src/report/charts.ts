// The offline report's charts, standing in for the notebook's bqplot ones (segwidget/view/charts.py): per-class IoU
// bars (click one to select its class) and the per-image loss histogram (drag to keep a loss range; the
// selection's images drawn over it). They read and set the same synced traits as the notebook's charts. On a
// comparison of two models they show, as the notebook's do, each class's IoU change B − A on a scale symmetric
// about zero, and each image's loss change (the brush then bounds that change). reportnumbers.ts computes them.

import { fmtChange } from "../compare/view";
import { type RGB, toHex } from "../data/colors";
import { fmtInt, fmtNum, fmtPct, h, labelled, select } from "../data/format";
import type { Cell, LossRange } from "../data/protocol";
import { rovingIndex } from "../view/keyboard";
import { cssVar } from "../view/theme";

/** Bars offered when there are more classes than the smallest (as the notebook's chart). */
const BAR_COUNTS = [25, 50];
/** A comparison's IoU change: up (B better) and down (B worse), as the notebook's chart; blue / vermillion. */
export const BETTER = "#0072b2";
export const WORSE = "#d55e00";
/** The loss chart's bars of the selected cell's images, over all images' (the text's grey, --swr-fg2). */
export const MATCHING = "#d55e00";

export interface IouInput {
  classes: readonly string[];
  palette: readonly RGB[];
  /** Per class: IoU, or with `change` its change B − A (NaN where undefined). */
  values: Float64Array;
  selected: Cell | null;
  /** The two models' names [A, B] when `values` are changes; null for one model's IoU. */
  change: readonly [string, string] | null;
}

/** Half the width of a change chart's axis: the largest |change| drawn, 1 when there is none (charts.py's). */
export function symmetricReach(values: ArrayLike<number>): number {
  let reach = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) reach = Math.max(reach, Math.abs(values[i]));
  return reach > 0 ? reach : 1;
}

/**
 * Per-class IoU bars, worst first (or best first, or in class order), every drawn bar labelled; on a comparison the
 * IoU change from the middle of the track, left for a fall, right for a rise. Each bar's data-value is its exact
 * number (String of the float64; "NaN" when undefined), for tests and automation.
 */
export class IouChart {
  readonly el = h("section", "swr-chart swr-iou");
  private readonly title = h("h2", "swr-chart-title");
  private readonly sort = select("order of the bars", [
    ["iou", "worst first"],
    ["best", "best first"],
    ["class", "class order"],
  ]);
  private readonly count = select("how many bars", []);
  private readonly countLabel = labelled("bars", this.count);
  private readonly bars = h("div", "swr-bars");
  private input: IouInput | null = null;

  constructor(private readonly choose: (c: number) => void) {
    this.bars.dataset.testid = "segwidget-report-iou";
    const controls = h("div", "swr-chart-controls");
    controls.append(labelled("order", this.sort), this.countLabel);
    this.el.append(this.title, controls, this.bars);
    this.sort.addEventListener("change", () => this.draw());
    this.count.addEventListener("change", () => this.draw());
    this.bars.addEventListener("click", (e) => {
      const bar = (e.target as Element).closest<HTMLElement>(".swr-bar");
      if (bar) this.choose(Number(bar.dataset.class));
    });
    // the keyboard's path: one Tab stop, Up / Down (Home / End) between the bars, Enter or Space chooses
    this.bars.setAttribute("role", "group");
    this.bars.setAttribute("aria-label", "per-class IoU: arrow keys move between the bars, Enter selects the class");
    this.bars.addEventListener("keydown", this.onKey);
  }

  private readonly onKey = (e: KeyboardEvent) => {
    const rows = [...this.bars.children] as HTMLElement[];
    const at = rows.indexOf(e.target as HTMLElement);
    if (at < 0) return;
    const next = rovingIndex(e.key, at, rows.length);
    if (next === null && e.key !== "Enter" && e.key !== " ") return;
    e.preventDefault();
    if (next === null) this.choose(Number(rows[at].dataset.class));
    else {
      rows[at].tabIndex = -1;
      rows[next].tabIndex = 0;
      rows[next].focus();
    }
  };

  update(input: IouInput): void {
    const C = input.classes.length;
    if (C !== this.input?.classes.length) {
      const sizes = BAR_COUNTS.filter((k) => k < C);
      const options = [...sizes.map((k) => [String(k), String(k)]), [String(C), `all ${C}`]];
      this.count.replaceChildren(
        ...options.map(([value, text]) => {
          const o = h("option", "", text);
          o.value = value;
          return o;
        }),
      );
      this.count.value = options[0][0];
      this.countLabel.hidden = sizes.length === 0;
    }
    this.input = input;
    this.draw();
  }

  private draw(): void {
    const input = this.input;
    if (!input) return;
    const C = input.classes.length;
    const { values: iou, change } = input;
    this.title.textContent = change
      ? `Per-class IoU change (${change[1]} − ${change[0]}) · click a bar`
      : "Per-class IoU · click a bar";
    this.bars.dataset.kind = change ? "iou-change" : "iou";
    const key = (c: number) => {
      if (Number.isNaN(iou[c])) return Number.POSITIVE_INFINITY; // absent classes last either way
      return this.sort.value === "best" ? -iou[c] : iou[c];
    };
    const all = Array.from({ length: C }, (_, c) => c);
    const order = this.sort.value === "class" ? all : all.sort((a, b) => key(a) - key(b) || a - b);
    const chosen = input.selected ? new Set(input.selected) : null;
    const reach = change ? symmetricReach(iou) : 1;
    this.bars.dataset.reach = String(reach);
    const focused = Number(
      (document.activeElement as HTMLElement | null)?.closest?.<HTMLElement>(".swr-bar")?.dataset.class,
    );
    const rows = order.slice(0, Number(this.count.value) || C).map((c, i) => {
      const row = h("div", "swr-bar");
      row.setAttribute("role", "button");
      row.tabIndex = c === focused || (Number.isNaN(focused) && i === 0) ? 0 : -1;
      row.dataset.class = String(c);
      row.dataset.value = String(iou[c]);
      row.classList.toggle("swr-dim", chosen !== null && !chosen.has(c));
      const absent = Number.isNaN(iou[c]);
      const name = h("span", "swr-bar-name", absent ? `${input.classes[c]} (absent)` : input.classes[c]);
      name.title = input.classes[c];
      const track = h("span", change ? "swr-bar-track swr-bar-centred" : "swr-bar-track");
      const fill = h("span", "swr-bar-fill");
      const v = absent ? 0 : iou[c];
      if (change) {
        const half = (50 * Math.abs(v)) / reach; // % of the track on one side of zero
        fill.style.marginLeft = `${Math.round(10 * (v < 0 ? 50 - half : 50)) / 10}%`;
        fill.style.width = `${Math.round(10 * half) / 10}%`;
        fill.style.background = v < 0 ? WORSE : BETTER;
      } else {
        fill.style.width = `${Math.round(1000 * v) / 10}%`;
        fill.style.background = toHex(input.palette[c] ?? [128, 128, 128]);
      }
      track.append(fill);
      const text = change ? fmtChange(iou[c], true) : fmtPct(iou[c]);
      row.append(name, track, h("span", "swr-bar-value", text));
      row.title = `${input.classes[c]}: IoU ${change ? `change ${text}` : text}`;
      return row;
    });
    this.bars.replaceChildren(...rows);
    if (!rows.some((r) => r.tabIndex === 0) && rows[0]) rows[0].tabIndex = 0;
    if (!Number.isNaN(focused)) rows.find((r) => r.tabIndex === 0)?.focus();
  }
}

/** Counts of `values` in the bins `edges` as numpy's histogram: [e_i, e_i+1), the last bin closed; NaN skipped. */
export function histogram(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const out = new Array<number>(Math.max(0, bins)).fill(0);
  if (bins < 1) return out;
  const lo = edges[0];
  const hi = edges[bins];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    let a = 0;
    let b = bins; // the bin is the last edge <= v, searched in [a, b)
    while (b - a > 1) {
      const mid = (a + b) >> 1;
      if (edges[mid] <= v) a = mid;
      else b = mid;
    }
    out[a]++;
  }
  return out;
}

export interface LossInput {
  /** Per image: the loss, or on a comparison the loss change. */
  losses: Float64Array;
  /** Images of the selected cell, drawn over the whole distribution; null with nothing selected. */
  matching: Int32Array | null;
  range: LossRange | null;
}

const MARGIN = { left: 44, right: 12, top: 8, bottom: 34 };
const HEIGHT = 220;
/** A drag shorter than this (CSS px) is a click: it clears the range. */
const MIN_DRAG = 3;

/** What the histogram counts: one model's loss, or a comparison's loss change (B − A, by the models' names). */
export function lossLabels(change: readonly [string, string] | null): { title: string; axis: string } {
  if (!change) return { title: "Loss per image · drag to filter", axis: "per-image loss" };
  return {
    title: "Loss change per image · drag to filter",
    axis: `per-image loss change (${change[1]} − ${change[0]})`,
  };
}

/**
 * The loss histogram on a canvas; dragging across it keeps a range of its values (the loss_range trait). A line
 * marks zero when the bins span it (a comparison's "no change").
 */
export class LossChart {
  readonly el = h("section", "swr-chart swr-loss");
  readonly canvas = h("canvas", "swr-loss-canvas");
  private input: LossInput | null = null;
  private drag: { from: number; to: number } | null = null;

  constructor(
    private readonly edges: readonly number[],
    private readonly setRange: (range: LossRange | null) => void,
    private readonly labels = lossLabels(null),
  ) {
    this.canvas.dataset.testid = "segwidget-report-loss";
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute(
      "aria-label",
      `${labels.axis} histogram; drag, or use the arrow keys (Shift widens) and Enter, to keep a range of it`,
    );
    this.canvas.tabIndex = 0;
    this.el.append(h("h2", "swr-chart-title", labels.title), this.canvas);
    this.canvas.addEventListener("mousedown", this.onDown);
    this.canvas.addEventListener("keydown", this.onKey);
    this.canvas.addEventListener("blur", () => {
      this.keys = null;
      this.drag = null;
      this.draw();
    });
  }

  /** The keyboard's choice of bins (first, last chosen), drawn as a drag would be. */
  private keys: { anchor: number; at: number } | null = null;

  /**
   * The keyboard's path to the brush: Left / Right (Home / End) choose a bin, with Shift they widen the choice;
   * Enter keeps it as the range, Escape (or Delete) clears the range.
   */
  private readonly onKey = (e: KeyboardEvent) => {
    const bins = this.edges.length - 1;
    const at = this.keys?.at ?? -1;
    const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: bins - 1 }[e.key];
    if (e.key === "Enter" || e.key === "Escape" || e.key === "Delete") {
      const range: LossRange | null = this.drag ? [this.drag.from, this.drag.to] : null;
      if (e.key === "Enter" && !range) return;
      this.keys = null;
      this.drag = null;
      this.setRange(e.key === "Enter" ? range : null);
    } else if (to !== undefined && bins > 0) {
      const next = Math.min(bins - 1, Math.max(0, to));
      this.keys = { anchor: e.shiftKey && this.keys ? this.keys.anchor : next, at: next };
      const [a, b] = [this.keys.anchor, next].sort((x, y) => x - y);
      this.drag = { from: this.edges[a], to: this.edges[b + 1] };
      this.draw();
    } else return;
    e.preventDefault();
  };

  update(input: LossInput): void {
    this.input = input;
    this.draw();
  }

  /** CSS px of the plot's left and right ends and the losses there: data-x0/x1/lo/hi, what tests drag by. */
  private geometry(): { x0: number; x1: number; lo: number; hi: number } {
    const width = this.canvas.clientWidth || 320;
    return { x0: MARGIN.left, x1: width - MARGIN.right, lo: this.edges[0], hi: this.edges[this.edges.length - 1] };
  }

  private valueAt(x: number): number {
    const g = this.geometry();
    const f = Math.min(1, Math.max(0, (x - g.x0) / (g.x1 - g.x0)));
    return g.lo + f * (g.hi - g.lo);
  }

  private xOf(v: number): number {
    const g = this.geometry();
    return g.x0 + ((v - g.lo) / (g.hi - g.lo || 1)) * (g.x1 - g.x0);
  }

  draw(): void {
    const input = this.input;
    const canvas = this.canvas;
    const width = canvas.clientWidth || 320;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(HEIGHT * dpr);
    canvas.style.height = `${HEIGHT}px`;
    const g = this.geometry();
    Object.assign(canvas.dataset, { x0: String(g.x0), x1: String(g.x1), lo: String(g.lo), hi: String(g.hi) });
    // the loss range kept now (JSON, exact) and how many images are drawn over the rest, for tests and automation
    canvas.dataset.range = JSON.stringify(input?.range ?? null);
    canvas.dataset.matching = input?.matching ? String(input.matching.length) : "";
    const ctx = canvas.getContext("2d");
    if (!ctx || !input) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const fg = cssVar(this.el, "--swr-fg", "#222");
    const all = histogram(input.losses, this.edges);
    const matching = input.matching
      ? histogram(
          Array.from(input.matching, (i) => input.losses[i]),
          this.edges,
        )
      : null;
    const top = Math.max(1, ...all);
    const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
    const y = (count: number) => MARGIN.top + plotH * (1 - count / top);
    const bar = (counts: number[], color: string) => {
      ctx.fillStyle = color;
      counts.forEach((count, b) => {
        if (count === 0) return;
        const left = this.xOf(this.edges[b]);
        const right = this.xOf(this.edges[b + 1]);
        const pad = 0.05 * (right - left);
        ctx.fillRect(left + pad, y(count), right - left - 2 * pad, y(0) - y(count));
      });
    };
    bar(all, cssVar(this.el, "--swr-fg2", "#616161"));
    if (matching) bar(matching, MATCHING);
    const range = this.drag ? [this.drag.from, this.drag.to].sort((a, b) => a - b) : input.range;
    if (range) {
      ctx.fillStyle = "rgba(213, 94, 0, 0.18)";
      const a = Math.max(g.x0, this.xOf(range[0]));
      const b = Math.min(g.x1, this.xOf(range[1]));
      ctx.fillRect(a, MARGIN.top, Math.max(1, b - a), plotH);
    }
    // axes: ticks at the bins' ends and middle, image counts at the top
    ctx.strokeStyle = fg;
    ctx.fillStyle = fg;
    ctx.font = `11px ${cssVar(this.el, "--swr-font", "system-ui, sans-serif")}`;
    ctx.beginPath();
    ctx.moveTo(g.x0, y(0) + 0.5);
    ctx.lineTo(g.x1, y(0) + 0.5);
    ctx.stroke();
    ctx.textBaseline = "top";
    const ticks: [number, CanvasTextAlign][] = [
      [g.lo, "left"],
      [(g.lo + g.hi) / 2, "center"],
      [g.hi, "right"],
    ];
    for (const [v, align] of ticks) {
      ctx.textAlign = align;
      ctx.fillText(fmtNum(v), this.xOf(v), y(0) + 4);
    }
    if (g.lo < 0 && 0 < g.hi) {
      ctx.fillRect(Math.round(this.xOf(0)), MARGIN.top, 1, plotH);
    }
    ctx.textAlign = "center";
    ctx.fillText(this.labels.axis, (g.x0 + g.x1) / 2, y(0) + 18);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillText(fmtInt(top), g.x0 - 4, y(top));
    ctx.fillText("0", g.x0 - 4, y(0));
  }

  private readonly onDown = (e: MouseEvent) => {
    if (e.button !== 0) return;
    e.preventDefault();
    const left = this.canvas.getBoundingClientRect().left;
    const start = e.clientX - left;
    this.drag = { from: this.valueAt(start), to: this.valueAt(start) };
    const move = (m: MouseEvent) => {
      if (!this.drag) return;
      this.drag.to = this.valueAt(m.clientX - left);
      this.draw();
    };
    const up = (u: MouseEvent) => {
      window.removeEventListener("mousemove", move);
      window.removeEventListener("mouseup", up);
      const end = u.clientX - left;
      const drag = this.drag;
      this.drag = null;
      if (!drag || Math.abs(end - start) < MIN_DRAG) {
        this.draw();
        this.setRange(null);
        return;
      }
      const lo = Math.min(drag.from, this.valueAt(end));
      const hi = Math.max(drag.from, this.valueAt(end));
      this.draw();
      this.setRange([lo, hi]);
    };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up);
  };
}
