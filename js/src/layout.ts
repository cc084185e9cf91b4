// Heatmap geometry: the layout of cells and labels on the canvas, and hit-testing (pixel ↔ cell), shared by
// the mouse handlers and the DOM testability contract (data-origin-x/y, data-cell-size).

export interface Layout {
  C: number;
  /** Top-left corner of cell (0,0) and a cell's side, CSS px relative to the canvas. */
  originX: number;
  originY: number;
  cell: number;
  width: number;
  height: number;
  font: number;
  /** Every `labelStep`-th class is labelled when cells are too small for all. */
  labelStep: number;
}

export type Hit = { kind: "cell"; t: number; p: number } | { kind: "row" | "col"; c: number } | null;

const PAD = 4;
const MAX_LABEL = 120;

/** Layout for C classes in `width` CSS px; `labelPx` = width of the longest label at `font`. */
export function computeLayout(C: number, width: number, zoom: number, labelPx: (font: number) => number): Layout {
  // Fit with the widest margin the labels may need; smaller fonts then only shrink the margin.
  const widest = Math.ceil(Math.min(MAX_LABEL, labelPx(12)) + 6);
  const fit = Math.min(32, Math.floor((width - widest - 2 * PAD) / Math.max(1, C)));
  const cell = Math.max(2, Math.round(Math.max(2, fit) * zoom));
  const font = Math.max(8, Math.min(12, cell - 2));
  const labelStep = Math.max(1, Math.ceil((font + 2) / cell));
  const margin = Math.ceil(Math.min(MAX_LABEL, labelPx(font)) + 6);
  const side = C * cell;
  return {
    C,
    originX: PAD + margin,
    originY: PAD + margin,
    cell,
    width: PAD + margin + side + PAD,
    height: PAD + margin + side + PAD,
    font,
    labelStep,
  };
}

/** What is under (x, y) CSS px of the canvas: a cell, a row label (left margin) or a column label (top). */
export function hitTest(L: Layout, x: number, y: number): Hit {
  const side = L.C * L.cell;
  const p = Math.floor((x - L.originX) / L.cell);
  const t = Math.floor((y - L.originY) / L.cell);
  const inCols = x >= L.originX && x < L.originX + side;
  const inRows = y >= L.originY && y < L.originY + side;
  if (inCols && inRows) return { kind: "cell", t, p };
  if (inRows && x >= 0 && x < L.originX) return { kind: "row", c: t };
  if (inCols && y >= 0 && y < L.originY) return { kind: "col", c: p };
  return null;
}

/** Centre of cell (t, p) in CSS px of the canvas: the contract's origin + (p+0.5, t+0.5)·size. */
export function cellCenter(L: Layout, t: number, p: number): { x: number; y: number } {
  return { x: L.originX + (p + 0.5) * L.cell, y: L.originY + (t + 0.5) * L.cell };
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
