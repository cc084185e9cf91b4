// Heatmap geometry. The canvas is a window onto the matrix: label margins stay fixed at its left and top while
// the cells pan in whole-cell steps under them, so labels always sit beside the cells they name. Geometry and
// hit-testing are shared by the mouse handlers and the DOM testability contract (data-rows, data-cols,
// data-origin-x/y, data-cell-size).

export interface Layout {
  /** The classes of the rows and the columns, in display order (all of them, drawn or panned away). */
  order: readonly number[];
  /** Top-left corner of the first drawn cell and a cell's side, CSS px relative to the canvas. */
  originX: number;
  originY: number;
  cell: number;
  /** Canvas size, CSS px. */
  width: number;
  height: number;
  font: number;
  /** Every `labelStep`-th drawn class is labelled when cells are too small for all. */
  labelStep: number;
  /** Pan: positions in `order` of the first drawn row and column, and how many of each fit. */
  firstRow: number;
  firstCol: number;
  nRows: number;
  nCols: number;
}

export type Hit = { kind: "cell"; t: number; p: number } | { kind: "row" | "col"; c: number } | null;

const PAD = 4;
const MAX_LABEL = 120;
const MIN_CELL = 2;
const MAX_FIT_CELL = 32;
const MAX_CELL = 64;

/**
 * Layout of the classes `order` in a canvas `width` CSS px wide (and at most as tall) at `zoom` (1 = fit);
 * `labelPx` gives the width of the longest label at a font size; `pan` asks for the first drawn row/column.
 */
export function computeLayout(
  order: readonly number[],
  width: number,
  zoom: number,
  labelPx: (font: number) => number,
  pan: { row: number; col: number } = { row: 0, col: 0 },
): Layout {
  const n = order.length;
  // Fit with the widest margin the labels may need; smaller fonts then only shrink the margin.
  const widest = Math.ceil(Math.min(MAX_LABEL, labelPx(12)) + 6);
  const fit = Math.min(MAX_FIT_CELL, Math.floor((width - widest - 2 * PAD) / Math.max(1, n)));
  const cell = Math.min(MAX_CELL, Math.max(MIN_CELL, Math.round(Math.max(MIN_CELL, fit) * zoom)));
  const font = Math.max(8, Math.min(12, cell - 2));
  const labelStep = Math.max(1, Math.ceil((font + 2) / cell));
  const margin = Math.ceil(Math.min(MAX_LABEL, labelPx(font)) + 6);
  const origin = PAD + margin;
  const room = Math.max(cell, width - origin - PAD);
  const nCols = Math.min(n, Math.max(1, Math.floor(room / cell)));
  const nRows = nCols; // a square window: the canvas is as tall as it is wide at most
  const clamp = (v: number, fitting: number) => Math.max(0, Math.min(n - fitting, Math.round(v)));
  return {
    order,
    originX: origin,
    originY: origin,
    cell,
    width: origin + nCols * cell + PAD,
    height: origin + nRows * cell + PAD,
    font,
    labelStep,
    firstRow: clamp(pan.row, nRows),
    firstCol: clamp(pan.col, nCols),
    nRows,
    nCols,
  };
}

/** The classes drawn as rows, top to bottom (the contract's data-rows). */
export function drawnRows(L: Layout): number[] {
  return L.order.slice(L.firstRow, L.firstRow + L.nRows);
}

/** The classes drawn as columns, left to right (the contract's data-cols). */
export function drawnCols(L: Layout): number[] {
  return L.order.slice(L.firstCol, L.firstCol + L.nCols);
}

/** Whether the whole matrix does not fit and can be panned. */
export function pannable(L: Layout): boolean {
  return L.nRows < L.order.length || L.nCols < L.order.length;
}

/** What is under (x, y) CSS px of the canvas: a cell, a row label (left margin) or a column label (top). */
export function hitTest(L: Layout, x: number, y: number): Hit {
  const col = Math.floor((x - L.originX) / L.cell);
  const row = Math.floor((y - L.originY) / L.cell);
  const inCols = x >= L.originX && col < L.nCols;
  const inRows = y >= L.originY && row < L.nRows;
  const t = L.order[L.firstRow + row];
  const p = L.order[L.firstCol + col];
  if (inCols && inRows) return { kind: "cell", t, p };
  if (inRows && x >= 0 && x < L.originX) return { kind: "row", c: t };
  if (inCols && y >= 0 && y < L.originY) return { kind: "col", c: p };
  return null;
}

/** Centre of cell (t, p) in CSS px of the canvas, or null when it is not drawn now. */
export function cellCenter(L: Layout, t: number, p: number): { x: number; y: number } | null {
  const row = drawnRows(L).indexOf(t);
  const col = drawnCols(L).indexOf(p);
  if (row < 0 || col < 0) return null;
  return { x: L.originX + (col + 0.5) * L.cell, y: L.originY + (row + 0.5) * L.cell };
}

/** The pan that brings the cell of classes (t, p) into view, moving as little as possible. */
export function revealPan(L: Layout, t: number, p: number): { row: number; col: number } {
  const reveal = (pos: number, first: number, fitting: number) =>
    pos < 0 ? first : pos < first ? pos : pos >= first + fitting ? pos - fitting + 1 : first;
  return {
    row: reveal(L.order.indexOf(t), L.firstRow, L.nRows),
    col: reveal(L.order.indexOf(p), L.firstCol, L.nCols),
  };
}

/** Room for a label in the margins, in CSS px. */
export function labelSpace(L: Layout): number {
  return L.originX - PAD - 6;
}

/** A label shortened with an ellipsis to fit `max` px. */
export function abbreviate(text: string, max: number, measure: (s: string) => number): string {
  if (measure(text) <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(`${text.slice(0, mid)}…`) <= max) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}
