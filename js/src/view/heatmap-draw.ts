// Drawing the heatmap's layers: the cell image, labels, pan bars, legend and tooltip text (heatmap.ts decides
// when each is redrawn).

import { deltaColor, divergingRamp } from "../data/change-colors";
import { type RGB, ramp, scalePosition, scaleValue, type Theme } from "../data/colors";
import { fmtInt, fmtPct, fmtValue, NORMALIZE_LABELS } from "../data/format";
import type { Normalize } from "../data/protocol";
import type { HeatmapInput } from "./heatmap";
import { abbreviate, drawnCols, drawnRows, type Layout, labelSpace } from "./layout";
import { cssVar } from "./theme";

/** Row labels left of the drawn rows, column labels above the drawn columns (every labelStep-th). */
export function drawLabels(
  ctx: CanvasRenderingContext2D,
  input: HeatmapInput,
  L: Layout,
  fg: string,
  el: Element,
): void {
  ctx.font = `${L.font}px ${fontFamily(el)}`;
  ctx.fillStyle = fg;
  ctx.textBaseline = "middle";
  const max = labelSpace(L);
  const measure = (s: string) => ctx.measureText(s).width;
  const rows = drawnRows(L);
  const cols = drawnCols(L);
  for (let i = 0; i < rows.length; i += L.labelStep) {
    ctx.textAlign = "right";
    ctx.fillText(abbreviate(input.classes[rows[i]], max, measure), L.originX - 4, L.originY + (i + 0.5) * L.cell);
  }
  for (let i = 0; i < cols.length; i += L.labelStep) {
    ctx.save();
    ctx.translate(L.originX + (i + 0.5) * L.cell, L.originY - 4);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "left";
    ctx.fillText(abbreviate(input.classes[cols[i]], max, measure), 0, 0);
    ctx.restore();
  }
}

/** The colour ramp with its scale's lowest, middle and highest values. */
export function drawLegend(canvas: HTMLCanvasElement, title: HTMLElement, input: HeatmapInput, el: Element): void {
  const dpr = window.devicePixelRatio || 1;
  const log = input.scale.log ? ", log scale" : "";
  const diverging = input.scale.diverging === true;
  title.textContent = input.legend ?? `${NORMALIZE_LABELS[input.normalize]}${diverging ? "" : log}`;
  const W = 220;
  const H = 30;
  canvas.style.width = `${W}px`;
  canvas.style.height = `${H}px`;
  canvas.width = W * dpr;
  canvas.height = H * dpr;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const bar = W - 20;
  for (let x = 0; x < bar; x++) {
    const at = x / (bar - 1);
    ctx.fillStyle = rgb(diverging ? divergingRamp(input.theme, 2 * at - 1) : ramp(input.theme, at));
    ctx.fillRect(10 + x, 0, 1, 12);
  }
  ctx.font = `10px ${fontFamily(el)}`;
  ctx.fillStyle = themeColors(el, input.theme).fg;
  ctx.textBaseline = "top";
  for (const x of [0, 0.5, 1]) {
    ctx.textAlign = x === 0 ? "left" : x === 1 ? "right" : "center";
    const v = scaleValue(input.scale, x);
    const sign = diverging && v > 0 ? "+" : "";
    ctx.fillText(sign + fmtValue(v, input.normalize), 10 + x * bar, 16);
  }
}

/** Thin bars along the cell area's right and bottom edges: where the window is in the whole matrix. */
export function drawPanBars(ctx: CanvasRenderingContext2D, L: Layout, fg: string): void {
  const n = L.order.length;
  const side = L.nRows * L.cell;
  ctx.globalAlpha = 0.35;
  ctx.fillStyle = fg;
  const x0 = L.originX + L.nCols * L.cell + 1;
  ctx.fillRect(x0, L.originY + (side * L.firstRow) / n, 2, (side * L.nRows) / n);
  const y0 = L.originY + side + 1;
  ctx.fillRect(L.originX + (L.nCols * L.cell * L.firstCol) / n, y0, (L.nCols * L.cell * L.nCols) / n, 2);
  ctx.globalAlpha = 1;
}

/**
 * The keyboard's focus cell: a dashed outline over a solid one of the opposite lightness, so that it
 * shows on the darkest and the lightest cells (and apart from the selection's solid outline), with its row and
 * column labels underlined.
 */
export function drawFocus(ctx: CanvasRenderingContext2D, L: Layout, [t, p]: readonly number[], theme: Theme): void {
  const [fg, under] = theme === "dark" ? ["#ffffff", "#000000"] : ["#000000", "#ffffff"];
  const r = drawnRows(L).indexOf(t);
  const k = drawnCols(L).indexOf(p);
  if (r < 0 || k < 0) return;
  const [x, y, s] = [L.originX + k * L.cell + 1.5, L.originY + r * L.cell + 1.5, Math.max(1, L.cell - 3)];
  ctx.lineWidth = 2;
  ctx.setLineDash([]);
  ctx.strokeStyle = under;
  ctx.strokeRect(x, y, s, s);
  ctx.setLineDash([3, 2]);
  ctx.strokeStyle = fg;
  ctx.strokeRect(x, y, s, s);
  ctx.setLineDash([]);
  ctx.fillStyle = fg;
  ctx.fillRect(0, L.originY + r * L.cell + L.cell - 1, L.originX - 2, 1);
  ctx.fillRect(L.originX + k * L.cell, L.originY - 2, L.cell, 1);
}

/** One pixel per shown cell, in display order, scaled up by the caller with smoothing off. */
const cellCanvases = new WeakMap<object, HTMLCanvasElement>();

/** `owner`'s canvas of one pixel per cell, redrawn (a new canvas and context each time cost ~2 ms at 150 classes). */
export function cellImage(input: HeatmapInput, colors: ThemeColors, owner: object): HTMLCanvasElement {
  const { order } = input;
  const n = order.length;
  const img = cellCanvases.get(owner) ?? document.createElement("canvas");
  cellCanvases.set(owner, img);
  img.width = Math.max(1, n);
  img.height = Math.max(1, n);
  const ctx = img.getContext("2d");
  if (!ctx || n === 0) return img;
  const data = ctx.createImageData(n, n);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) {
      const t = order[r];
      const p = order[k];
      const c = input.hideDiagonal && t === p ? colors.hidden : cellColor(input, t, p, colors.empty);
      data.data.set([c[0], c[1], c[2], 255], 4 * (r * n + k));
    }
  }
  ctx.putImageData(data, 0, 0);
  return img;
}

/** A cell's colour on the input's scale (the ramp, or a delta's diverging one); `empty` where undefined. */
function cellColor(input: HeatmapInput, t: number, p: number, empty: RGB): RGB {
  const v = input.values[t * input.classes.length + p];
  if (input.scale.diverging) return deltaColor(input.scale, input.theme, v, t === p) ?? empty;
  const x = scalePosition(input.scale, v);
  return Number.isNaN(x) ? empty : ramp(input.theme, x);
}

export interface ThemeColors {
  fg: string;
  hover: string;
  highlight: string;
  select: string;
  empty: RGB;
  hidden: RGB;
}

export function themeColors(el: Element, theme: Theme): ThemeColors {
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

export function fontFamily(el: Element): string {
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
