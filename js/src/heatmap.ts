// The confusion heatmap on a HiDPI canvas: rows = true class, columns = predicted class, labels on both axes,
// a colour legend and a hover tooltip. Geometry and hit-testing live in layout.ts.

import { type RGB, ramp, type Scale, scalePosition, scaleValue, type Theme } from "./colors";
import { fmtInt, fmtPct, fmtValue, h, NORMALIZE_LABELS } from "./format";
import { abbreviate, computeLayout, type Hit, hitTest, type Layout, labelSpace } from "./layout";
import type { Cell, Normalize } from "./protocol";
import { cssVar } from "./theme";

export interface HeatmapInput {
  classes: string[];
  values: Float64Array;
  scale: Scale;
  normalize: Normalize;
  theme: Theme;
  hideDiagonal: boolean;
  selected: Cell | null;
  highlight: number | null;
  zoom: number;
  /** Tooltip lines for cell (t, p). */
  describe: (t: number, p: number) => string[];
}

export interface HeatmapEvents {
  /** A cell or class was clicked: (t,p), (c,c), or null to clear. */
  select(cell: Cell | null): void;
}

export class Heatmap {
  readonly el = h("div", "sw-heatmap");
  readonly canvas = h("canvas", "sw-heatmap-canvas");
  readonly scroller = h("div", "sw-heatmap-scroll");
  private readonly tooltip = h("div", "sw-tooltip");
  private readonly legend = h("canvas", "sw-legend-canvas");
  private readonly legendTitle = h("div", "sw-legend-title");
  private input: HeatmapInput | null = null;
  private layout: Layout | null = null;
  private hover: Hit = null;
  private base: HTMLCanvasElement | null = null;
  private width = 0;

  constructor(private readonly events: HeatmapEvents) {
    this.canvas.dataset.testid = "segwidget-heatmap";
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", "confusion matrix: rows true class, columns predicted class");
    this.scroller.append(this.canvas);
    const legend = h("div", "sw-legend");
    legend.append(this.legendTitle, this.legend);
    // The tooltip lives outside the scroller so that its overflow does not clip it.
    this.tooltip.hidden = true;
    this.el.append(
      h("div", "sw-axis-note", "rows: true class · columns: predicted class"),
      this.scroller,
      legend,
      this.tooltip,
    );
    this.canvas.addEventListener("mousemove", this.onMove);
    this.canvas.addEventListener("mouseleave", this.onLeave);
    this.canvas.addEventListener("click", this.onClick);
    this.canvas.addEventListener("keydown", this.onKey);
  }

  update(input: HeatmapInput): void {
    this.input = input;
    this.render();
  }

  /** Redraw when the available width changed (not when only the height did: that is our own canvas). */
  resized(): void {
    if ((this.scroller.clientWidth || 480) !== this.width) this.render();
  }

  /** Recompute the layout (width or DPR changed) and redraw everything. */
  render(): void {
    const input = this.input;
    if (!input) return;
    const ctx = this.canvas.getContext("2d");
    const width = this.scroller.clientWidth || 480;
    this.width = width;
    const measure = (font: number) => {
      if (!ctx) return 60;
      ctx.font = `${font}px ${fontFamily(this.el)}`;
      return Math.max(0, ...input.classes.map((c) => ctx.measureText(c).width));
    };
    const L = computeLayout(input.classes.length, width, input.zoom, measure);
    this.layout = L;
    const ds = this.canvas.dataset;
    ds.classes = String(L.C);
    ds.originX = String(L.originX);
    ds.originY = String(L.originY);
    ds.cellSize = String(L.cell);
    const dpr = window.devicePixelRatio || 1;
    this.canvas.style.width = `${L.width}px`;
    this.canvas.style.height = `${L.height}px`;
    this.canvas.width = Math.round(L.width * dpr);
    this.canvas.height = Math.round(L.height * dpr);
    this.base = this.drawBase(input, L, dpr);
    this.drawOverlay();
    this.drawLegend(input, dpr);
  }

  private drawBase(input: HeatmapInput, L: Layout, dpr: number): HTMLCanvasElement | null {
    const base = document.createElement("canvas");
    base.width = this.canvas.width;
    base.height = this.canvas.height;
    const ctx = base.getContext("2d");
    if (!ctx) return null;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const colors = themeColors(this.el, input.theme);
    // One source pixel per cell: scale up with hard edges.
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cellImage(input, colors), L.originX, L.originY, L.C * L.cell, L.C * L.cell);
    this.drawLabels(ctx, input, L, colors.fg);
    return base;
  }

  private drawLabels(ctx: CanvasRenderingContext2D, input: HeatmapInput, L: Layout, fg: string): void {
    ctx.font = `${L.font}px ${fontFamily(this.el)}`;
    ctx.fillStyle = fg;
    ctx.textBaseline = "middle";
    const max = labelSpace(L);
    const measure = (s: string) => ctx.measureText(s).width;
    for (let c = 0; c < L.C; c += L.labelStep) {
      const text = abbreviate(input.classes[c], max, measure);
      const mid = (c + 0.5) * L.cell;
      ctx.textAlign = "right";
      ctx.fillText(text, L.originX - 4, L.originY + mid);
      ctx.save();
      ctx.translate(L.originX + mid, L.originY - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = "left";
      ctx.fillText(text, 0, 0);
      ctx.restore();
    }
  }

  /** The base layer plus hover, highlight and selection marks; cheap enough for every mouse move. */
  private drawOverlay(): void {
    const { input, layout: L, base } = this;
    const ctx = this.canvas.getContext("2d");
    if (!ctx || !input || !L || !base) return;
    const dpr = this.canvas.width / L.width;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(base, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const colors = themeColors(this.el, input.theme);
    const side = L.C * L.cell;
    const band = (t: number | null, p: number | null, color: string) => {
      ctx.fillStyle = color;
      if (t !== null) ctx.fillRect(0, L.originY + t * L.cell, L.originX + side, L.cell);
      if (p !== null) ctx.fillRect(L.originX + p * L.cell, 0, L.cell, L.originY + side);
    };
    if (input.highlight !== null) band(input.highlight, input.highlight, colors.highlight);
    const hv = this.hover;
    if (hv?.kind === "cell") band(hv.t, hv.p, colors.hover);
    if (hv?.kind === "row" || hv?.kind === "col") band(hv.c, hv.c, colors.hover);
    if (input.selected) {
      const [t, p] = input.selected;
      ctx.lineWidth = 2;
      ctx.strokeStyle = colors.select;
      ctx.strokeRect(L.originX + p * L.cell - 1, L.originY + t * L.cell - 1, L.cell + 2, L.cell + 2);
    }
  }

  private drawLegend(input: HeatmapInput, dpr: number): void {
    const log = input.scale.log ? ", log scale" : "";
    this.legendTitle.textContent = `${NORMALIZE_LABELS[input.normalize]}${log}`;
    const W = 220;
    const H = 30;
    this.legend.style.width = `${W}px`;
    this.legend.style.height = `${H}px`;
    this.legend.width = W * dpr;
    this.legend.height = H * dpr;
    const ctx = this.legend.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const bar = W - 20;
    for (let x = 0; x < bar; x++) {
      ctx.fillStyle = rgb(ramp(input.theme, x / (bar - 1)));
      ctx.fillRect(10 + x, 0, 1, 12);
    }
    ctx.font = `10px ${fontFamily(this.el)}`;
    ctx.fillStyle = themeColors(this.el, input.theme).fg;
    ctx.textBaseline = "top";
    for (const x of [0, 0.5, 1]) {
      ctx.textAlign = x === 0 ? "left" : x === 1 ? "right" : "center";
      ctx.fillText(fmtValue(scaleValue(input.scale, x), input.normalize), 10 + x * bar, 16);
    }
  }

  /** Show the tooltip near the pointer (client coordinates), on the side with room for it. */
  private showTooltip(hit: Hit, clientX: number, clientY: number): void {
    const input = this.input;
    if (!input || hit === null) {
      this.tooltip.hidden = true;
      return;
    }
    const lines =
      hit.kind === "cell" ? input.describe(hit.t, hit.p) : [input.classes[hit.c], "click to select this class"];
    this.tooltip.replaceChildren(...lines.map((line, i) => h("div", i === 0 ? "sw-tooltip-head" : "", line)));
    this.tooltip.hidden = false;
    const box = this.el.getBoundingClientRect();
    const right = (this.el.closest(".segwidget") ?? this.el).getBoundingClientRect().right;
    const x = clientX - box.left;
    const w = this.tooltip.offsetWidth;
    const flip = clientX + 14 + w > right;
    this.tooltip.style.left = `${flip ? Math.max(0, x - 14 - w) : x + 14}px`;
    this.tooltip.style.top = `${clientY - box.top + 14}px`;
  }

  private readonly onMove = (e: MouseEvent) => {
    if (!this.layout) return;
    const r = this.canvas.getBoundingClientRect();
    const hit = hitTest(this.layout, e.clientX - r.left, e.clientY - r.top);
    if (JSON.stringify(hit) !== JSON.stringify(this.hover)) {
      this.hover = hit;
      this.drawOverlay();
    }
    this.canvas.style.cursor = hit ? "pointer" : "default";
    this.showTooltip(hit, e.clientX, e.clientY);
  };

  private readonly onLeave = () => {
    this.hover = null;
    this.tooltip.hidden = true;
    this.drawOverlay();
  };

  private readonly onClick = (e: MouseEvent) => {
    if (!this.layout) return;
    const r = this.canvas.getBoundingClientRect();
    const hit = hitTest(this.layout, e.clientX - r.left, e.clientY - r.top);
    if (hit === null) return;
    const cell: Cell = hit.kind === "cell" ? [hit.t, hit.p] : [hit.c, hit.c];
    this.toggle(cell);
  };

  /** Select `cell`, or clear when it is the current selection. */
  private toggle(cell: Cell): void {
    const sel = this.input?.selected;
    this.events.select(sel && sel[0] === cell[0] && sel[1] === cell[1] ? null : cell);
  }

  /** Arrows move the selected cell; Enter on nothing selects (0,0). */
  private readonly onKey = (e: KeyboardEvent) => {
    const C = this.layout?.C ?? 0;
    const [t, p] = this.input?.selected ?? [0, 0];
    const moves: Record<string, Cell> = {
      ArrowUp: [t - 1, p],
      ArrowDown: [t + 1, p],
      ArrowLeft: [t, p - 1],
      ArrowRight: [t, p + 1],
    };
    const next = moves[e.key];
    if (!next || C === 0) return;
    e.preventDefault();
    e.stopPropagation();
    const clamp = (v: number) => Math.min(C - 1, Math.max(0, v));
    this.events.select(this.input?.selected ? [clamp(next[0]), clamp(next[1])] : [0, 0]);
  };

  destroy(): void {
    this.canvas.removeEventListener("mousemove", this.onMove);
    this.canvas.removeEventListener("mouseleave", this.onLeave);
    this.canvas.removeEventListener("click", this.onClick);
    this.canvas.removeEventListener("keydown", this.onKey);
  }
}

/** One pixel per cell, scaled up by the caller with smoothing off. */
function cellImage(input: HeatmapInput, colors: ThemeColors): HTMLCanvasElement {
  const C = input.classes.length;
  const img = document.createElement("canvas");
  img.width = Math.max(1, C);
  img.height = Math.max(1, C);
  const ctx = img.getContext("2d");
  if (!ctx || C === 0) return img;
  const data = ctx.createImageData(C, C);
  input.values.forEach((v, k) => {
    const diag = k % (C + 1) === 0;
    const x = scalePosition(input.scale, v);
    const c = input.hideDiagonal && diag ? colors.hidden : Number.isNaN(x) ? colors.empty : ramp(input.theme, x);
    data.data.set([c[0], c[1], c[2], 255], 4 * k);
  });
  ctx.putImageData(data, 0, 0);
  return img;
}

interface ThemeColors {
  fg: string;
  hover: string;
  highlight: string;
  select: string;
  empty: RGB;
  hidden: RGB;
}

function themeColors(el: Element, theme: Theme): ThemeColors {
  const light = theme === "light";
  return {
    fg: cssVar(el, "--sw-fg", light ? "#222" : "#ddd"),
    hover: light ? "rgba(0,0,0,0.07)" : "rgba(255,255,255,0.09)",
    highlight: light ? "rgba(255,170,0,0.22)" : "rgba(255,190,60,0.22)",
    select: light ? "#e0115f" : "#ff4fa0",
    empty: light ? [246, 246, 246] : [34, 34, 38],
    hidden: light ? [210, 210, 210] : [70, 70, 76],
  };
}

function fontFamily(el: Element): string {
  return cssVar(el, "--sw-font", "system-ui, -apple-system, 'Segoe UI', sans-serif");
}

function rgb([r, g, b]: RGB): string {
  return `rgb(${r},${g},${b})`;
}

/** Tooltip lines for a cell: names, the value under every normalisation, pixels, images. */
export function describeCell(
  classes: readonly string[],
  values: Record<Normalize, number>,
  images: number,
  t: number,
  p: number,
): string[] {
  return [
    `${classes[t]} → ${classes[p]}`,
    `true: ${classes[t]}`,
    `predicted: ${classes[p]}`,
    `share of true: ${fmtPct(values.true)}`,
    `share of predicted: ${fmtPct(values.pred)}`,
    `per-image mean: ${fmtPct(values.mean)}`,
    `pixels: ${fmtInt(values.none)}`,
    `images: ${fmtInt(images)}`,
    t === p ? "click: images with this class, lowest IoU first" : "click: images with this confusion",
  ];
}
