// The confusion heatmap on a HiDPI canvas: rows = true class, columns = predicted class, in the order of the
// shown classes. The canvas is a window that pans in whole cells under fixed label margins (layout.ts). Two
// layers: the base (cells and labels, redrawn when values, order, size or pan change) and marks on top
// (hover, highlight, selection), redrawn alone when only those change.

import type { Scale, Theme } from "../data/colors";
import { h } from "../data/format";
import type { Cell, Normalize } from "../data/protocol";
import { cellImage, drawFocus, drawLabels, drawLegend, drawPanBars, fontFamily, themeColors } from "./heatmap-draw";
import { focusPoint, heatmapKey, startFocus } from "./keyboard";
import { computeLayout, drawnCols, drawnRows, type Hit, hitTest, type Layout, pannable, revealPan } from "./layout";

export interface HeatmapInput {
  classes: string[];
  /** The classes shown as rows and columns, in order. */
  order: readonly number[];
  values: Float64Array;
  scale: Scale;
  normalize: Normalize;
  theme: Theme;
  hideDiagonal: boolean;
  zoom: number;
  selected: Cell | null;
  highlight: number | null;
  /** The legend's title, when not the normalisation's (e.g. a comparison's delta). */
  legend?: string;
  /** Tooltip lines for cell (t, p). */
  describe: (t: number, p: number) => string[];
  /** Cell (t, p) in one sentence, read aloud when the keyboard moves there (else the tooltip's lines). */
  speak?: (t: number, p: number) => string;
}

export interface HeatmapEvents {
  /** A cell or class was clicked: (t,p), (c,c), or null to clear. */
  select(cell: Cell | null): void;
  /** The pointer rests on cell (t, p): a chance to fetch what a click would show. */
  hover?(cell: Cell): void;
  /** The keyboard's focus cell is (t, p) now (not a selection), described by `text`. */
  focus?(cell: Cell, text: string): void;
}

const DRAG_THRESHOLD = 4;

export class Heatmap {
  readonly el = h("div", "sw-heatmap");
  readonly canvas = h("canvas", "sw-heatmap-canvas");
  readonly scroller = h("div", "sw-heatmap-scroll");
  private readonly note = h("div", "sw-axis-note");
  private readonly tooltip = h("div", "sw-tooltip");
  private readonly legend = h("canvas", "sw-legend-canvas");
  private readonly legendTitle = h("div", "sw-legend-title");
  private input: HeatmapInput | null = null;
  private layout: Layout | null = null;
  private pan = { row: 0, col: 0 };
  private hover: Hit = null;
  private base: HTMLCanvasElement | null = null;
  private cells: HTMLCanvasElement | null = null;
  private width = 0;
  private labelWidths = new Map<number, number>();
  private drag: { x: number; y: number; pan: { row: number; col: number }; moved: boolean } | null = null;
  private wheel = { x: 0, y: 0 };
  /** The keyboard's focus cell: drawn while the canvas has focus; arrows move it, Enter or Space select it. */
  private focusCell: Cell | null = null;
  /** Removes every listener at once. */
  private readonly listeners = new AbortController();

  constructor(private readonly events: HeatmapEvents) {
    this.canvas.dataset.testid = "segwidget-heatmap";
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "img");
    const label = "confusion matrix: rows true class, columns predicted class; arrow keys move, Enter selects";
    this.canvas.setAttribute("aria-label", label);
    this.scroller.append(this.canvas);
    const legend = h("div", "sw-legend");
    legend.append(this.legendTitle, this.legend);
    // The tooltip lives outside the scroller so that its overflow does not clip it.
    this.tooltip.hidden = true;
    this.el.append(this.note, this.scroller, legend, this.tooltip);
    const on = { signal: this.listeners.signal };
    this.canvas.addEventListener("mousemove", this.onMove, on);
    this.canvas.addEventListener("mouseleave", this.onLeave, on);
    this.canvas.addEventListener("mousedown", this.onDown, on);
    this.canvas.addEventListener("click", this.onClick, on);
    this.canvas.addEventListener("keydown", this.onKey, on);
    this.canvas.addEventListener("focus", this.onFocus, on);
    this.canvas.addEventListener("blur", this.onBlur, on);
    this.canvas.addEventListener("wheel", this.onWheel, { passive: false, ...on });
    window.addEventListener("mouseup", this.onUp, on);
  }

  /** Show `input`; only what changed is redrawn (a new selection moves the outline and nothing else). */
  update(input: HeatmapInput): void {
    const old = this.input;
    this.input = input;
    const relayout =
      !old || old.classes !== input.classes || old.order !== input.order || old.zoom !== input.zoom || !this.layout;
    const recolour =
      relayout ||
      old.values !== input.values ||
      old.scale !== input.scale ||
      old.theme !== input.theme ||
      old.hideDiagonal !== input.hideDiagonal;
    if (old?.classes !== input.classes) this.labelWidths.clear();
    if (relayout) this.layoutAndDraw();
    else if (recolour) {
      this.cells = null;
      this.drawBase();
      this.drawLegend();
    }
    const sel = input.selected;
    const moved = sel && (old?.selected?.[0] !== sel[0] || old?.selected?.[1] !== sel[1]);
    if (moved && this.layout && !relayout) {
      const next = revealPan(this.layout, sel[0], sel[1]);
      if (next.row !== this.layout.firstRow || next.col !== this.layout.firstCol) {
        this.setPan(next);
        return;
      }
    }
    this.drawMarks();
  }

  /** Redraw when the available width changed (not when only the height did: that is our own canvas). */
  resized(): void {
    if ((this.scroller.clientWidth || 480) !== this.width) this.layoutAndDraw();
  }

  /** Recompute the layout (width, zoom, order or DPR changed) and redraw everything. */
  render(): void {
    this.layoutAndDraw();
  }

  private layoutAndDraw(): void {
    const input = this.input;
    if (!input) return;
    this.width = this.scroller.clientWidth || 480;
    const measure = (font: number) => this.labelWidth(font);
    let L = computeLayout(input.order, this.width, input.zoom, measure, this.pan);
    if (input.selected)
      L = computeLayout(input.order, this.width, input.zoom, measure, revealPan(L, ...input.selected));
    this.layout = L;
    this.pan = { row: L.firstRow, col: L.firstCol };
    const dpr = window.devicePixelRatio || 1;
    this.canvas.style.width = `${L.width}px`;
    this.canvas.style.height = `${L.height}px`;
    this.canvas.width = Math.round(L.width * dpr);
    this.canvas.height = Math.round(L.height * dpr);
    this.cells = null;
    this.drawBase();
    this.drawMarks();
    this.drawLegend();
  }

  /** The longest label's width at `font`, measured once per set of class names and font. */
  private labelWidth(font: number): number {
    const known = this.labelWidths.get(font);
    if (known !== undefined) return known;
    const ctx = this.canvas.getContext("2d");
    let widest = 60;
    if (ctx && this.input) {
      ctx.font = `${font}px ${fontFamily(this.el)}`;
      widest = Math.max(0, ...this.input.order.map((c) => ctx.measureText(this.input?.classes[c] ?? "").width));
    }
    this.labelWidths.set(font, widest);
    return widest;
  }

  private setPan(pan: { row: number; col: number }): void {
    const L = this.layout;
    if (!L) return;
    const next = computeLayout(L.order, this.width, this.input?.zoom ?? 1, (f) => this.labelWidth(f), pan);
    if (next.firstRow === L.firstRow && next.firstCol === L.firstCol) return;
    this.layout = next;
    this.pan = { row: next.firstRow, col: next.firstCol };
    this.drawBase();
    this.drawMarks();
  }

  private drawBase(): void {
    const { input, layout: L } = this;
    if (!input || !L) return;
    const ds = this.canvas.dataset;
    ds.classes = String(input.classes.length);
    ds.rows = JSON.stringify(drawnRows(L));
    ds.cols = JSON.stringify(drawnCols(L));
    ds.originX = String(L.originX);
    ds.originY = String(L.originY);
    ds.cellSize = String(L.cell);
    const n = L.order.length;
    this.note.textContent =
      pannable(L) && n > 0
        ? `rows: true class ${L.firstRow + 1}–${L.firstRow + L.nRows} of ${n} · columns: predicted ` +
          `${L.firstCol + 1}–${L.firstCol + L.nCols} · drag or scroll to pan`
        : "rows: true class · columns: predicted class";
    const base = this.base ?? document.createElement("canvas");
    this.base = base;
    base.width = this.canvas.width;
    base.height = this.canvas.height;
    const ctx = base.getContext("2d");
    if (!ctx) return;
    const dpr = this.canvas.width / L.width;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, L.width, L.height);
    const colors = themeColors(this.el, input.theme);
    this.cells ??= cellImage(input, colors, this);
    // One source pixel per cell: scale up with hard edges.
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(
      this.cells,
      L.firstCol,
      L.firstRow,
      L.nCols,
      L.nRows,
      L.originX,
      L.originY,
      L.nCols * L.cell,
      L.nRows * L.cell,
    );
    drawLabels(ctx, input, L, colors.fg, this.el);
  }

  /** The base layer plus hover, highlight, selection and pan marks; cheap enough for every mouse move. */
  private drawMarks(): void {
    const { input, layout: L, base } = this;
    const ctx = this.canvas.getContext("2d");
    if (!ctx || !input || !L || !base) return;
    const dpr = this.canvas.width / L.width;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(base, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const colors = themeColors(this.el, input.theme);
    const rows = drawnRows(L);
    const cols = drawnCols(L);
    const band = (c: number | null, color: string, asRow: boolean, asCol: boolean) => {
      ctx.fillStyle = color;
      const r = c === null ? -1 : rows.indexOf(c);
      const k = c === null ? -1 : cols.indexOf(c);
      if (asRow && r >= 0) ctx.fillRect(0, L.originY + r * L.cell, L.originX + L.nCols * L.cell, L.cell);
      if (asCol && k >= 0) ctx.fillRect(L.originX + k * L.cell, 0, L.cell, L.originY + L.nRows * L.cell);
    };
    if (input.highlight !== null) band(input.highlight, colors.highlight, true, true);
    const hv = this.hover;
    if (hv?.kind === "cell") {
      band(hv.t, colors.hover, true, false);
      band(hv.p, colors.hover, false, true);
    }
    if (hv?.kind === "row" || hv?.kind === "col") band(hv.c, colors.hover, true, true);
    if (input.selected) {
      const r = rows.indexOf(input.selected[0]);
      const k = cols.indexOf(input.selected[1]);
      if (r >= 0 && k >= 0) {
        ctx.lineWidth = 2;
        ctx.strokeStyle = colors.select;
        ctx.strokeRect(L.originX + k * L.cell - 1, L.originY + r * L.cell - 1, L.cell + 2, L.cell + 2);
      }
    }
    if (this.focusCell && document.activeElement === this.canvas) drawFocus(ctx, L, this.focusCell, input.theme);
    if (pannable(L)) drawPanBars(ctx, L, colors.fg);
  }

  private drawLegend(): void {
    if (this.input) drawLegend(this.legend, this.legendTitle, this.input, this.el);
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

  private hitAt(e: MouseEvent): Hit {
    if (!this.layout) return null;
    const r = this.canvas.getBoundingClientRect();
    return hitTest(this.layout, e.clientX - r.left, e.clientY - r.top);
  }

  private readonly onMove = (e: MouseEvent) => {
    const L = this.layout;
    if (!L) return;
    if (this.drag) {
      const dx = e.clientX - this.drag.x;
      const dy = e.clientY - this.drag.y;
      if (Math.abs(dx) + Math.abs(dy) > DRAG_THRESHOLD) this.drag.moved = true;
      if (this.drag.moved) {
        this.setPan({ row: this.drag.pan.row - dy / L.cell, col: this.drag.pan.col - dx / L.cell });
        return;
      }
    }
    const hit = this.hitAt(e);
    if (JSON.stringify(hit) !== JSON.stringify(this.hover)) {
      this.hover = hit;
      this.drawMarks();
      if (hit?.kind === "cell") this.events.hover?.([hit.t, hit.p]);
    }
    this.canvas.style.cursor = hit ? "pointer" : pannable(L) ? "grab" : "default";
    this.showTooltip(hit, e.clientX, e.clientY);
  };

  private readonly onLeave = () => {
    this.hover = null;
    this.tooltip.hidden = true;
    this.drawMarks();
  };

  private readonly onDown = (e: MouseEvent) => {
    if (e.button !== 0 || !this.layout || !pannable(this.layout)) return;
    this.drag = { x: e.clientX, y: e.clientY, pan: { ...this.pan }, moved: false };
  };

  private readonly onUp = () => {
    // A drag that moved is not a click; the click event that follows it checks `moved`.
    if (this.drag && !this.drag.moved) this.drag = null;
  };

  private readonly onClick = (e: MouseEvent) => {
    if (this.drag?.moved) {
      this.drag = null;
      return;
    }
    this.drag = null;
    const hit = this.hitAt(e);
    if (hit === null) return;
    this.toggle(hit.kind === "cell" ? [hit.t, hit.p] : [hit.c, hit.c]);
  };

  private readonly onWheel = (e: WheelEvent) => {
    const L = this.layout;
    if (!L || !pannable(L)) return; // the page scrolls as usual
    e.preventDefault();
    const unit = e.deltaMode === 1 ? L.cell : e.deltaMode === 2 ? L.nRows * L.cell : 1;
    const [dx, dy] = e.shiftKey && e.deltaX === 0 ? [e.deltaY, 0] : [e.deltaX, e.deltaY];
    this.wheel.x += dx * unit;
    this.wheel.y += dy * unit;
    const cols = Math.trunc(this.wheel.x / L.cell);
    const rows = Math.trunc(this.wheel.y / L.cell);
    this.wheel.x -= cols * L.cell;
    this.wheel.y -= rows * L.cell;
    if (rows !== 0 || cols !== 0) this.setPan({ row: L.firstRow + rows, col: L.firstCol + cols });
  };

  /** Select `cell`, or clear when it is the current selection. */
  private toggle(cell: Cell): void {
    const sel = this.input?.selected;
    this.events.select(sel && sel[0] === cell[0] && sel[1] === cell[1] ? null : cell);
  }

  /** Focus lands on the top-left drawn cell (or the one left before), shown as a dashed outline. */
  private readonly onFocus = () => {
    const L = this.layout;
    this.focusCell = L && startFocus(this.focusCell, L.order, drawnRows(L), drawnCols(L));
    this.drawMarks();
    if (this.focusCell) this.announce(this.focusCell);
  };

  private readonly onBlur = () => this.onLeave();

  /** Arrows move the focus cell without selecting; Enter or Space select it (and Space never scrolls the page). */
  private readonly onKey = (e: KeyboardEvent) => {
    const L = this.layout;
    const focus = this.focusCell;
    const action = L && focus && !e.altKey && !e.ctrlKey && !e.metaKey ? heatmapKey(e.key, focus, L.order) : null;
    if (!L || !action) return;
    e.preventDefault();
    e.stopPropagation();
    if (action.kind === "select") return this.events.select(action.cell);
    this.focusCell = action.cell;
    const next = revealPan(L, ...action.cell);
    if (next.row !== L.firstRow || next.col !== L.firstCol) this.setPan(next);
    else this.drawMarks();
    this.announce(action.cell);
  };

  /** Read the focus cell aloud, and show its tooltip beside it as a pointer resting there would. */
  private announce([t, p]: Cell): void {
    const { input, layout: L } = this;
    const at = L && focusPoint(L, [t, p], this.canvas);
    if (at) this.showTooltip({ kind: "cell", t, p }, at.x, at.y);
    if (input) this.events.focus?.([t, p], input.speak?.(t, p) ?? input.describe(t, p).slice(0, -1).join(", "));
  }

  destroy(): void {
    this.listeners.abort();
  }
}
