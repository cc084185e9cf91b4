// A small brushable histogram of one numeric image column, for the filter bar. Bars are elements (no canvas):
// a few dozen per column, styled by the theme, and found by tests through data-bin. Dragging across bars
// chooses a range of bins; the range set is [the lowest, the highest value in those bins], so the images it
// keeps are exactly those of the bins chosen.

import { fmtInt, fmtNum, h } from "../data/format";

/** Columns with at most this many distinct values get one bar per value; others this many equal-width bars. */
export const MAX_BINS = 16;

export interface Binned {
  /** Per bin, the lowest and the highest value in it (NaN when empty) and its number of images. */
  lo: number[];
  hi: number[];
  count: number[];
  /** Per image, its bin; -1 for NaN. */
  bin: Int32Array;
  /** Images whose value is NaN (in no range). */
  nan: number;
}

/** Bins of `values`, or null when fewer than two distinct values leave nothing to choose. */
export function binValues(values: Float64Array, maxBins = MAX_BINS): Binned | null {
  const sorted = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  const distinct: number[] = [];
  for (const v of sorted) if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v);
  if (distinct.length < 2) return null;
  const finite = distinct.filter(Number.isFinite);
  const byValue = distinct.length <= maxBins;
  const bins = byValue ? distinct.length : maxBins;
  const min = finite[0] ?? 0;
  const width = ((finite[finite.length - 1] ?? 0) - min) / bins;
  const binOf = (v: number): number => {
    if (byValue) return distinct.indexOf(v);
    if (!(width > 0)) return v > min ? bins - 1 : 0;
    return Math.max(0, Math.min(bins - 1, Math.floor((v - min) / width)));
  };
  const out: Binned = {
    lo: new Array(bins).fill(Number.NaN),
    hi: new Array(bins).fill(Number.NaN),
    count: new Array(bins).fill(0),
    bin: new Int32Array(values.length).fill(-1),
    nan: 0,
  };
  values.forEach((v, n) => {
    if (Number.isNaN(v)) {
      out.nan++;
      return;
    }
    const b = binOf(v);
    out.bin[n] = b;
    out.count[b]++;
    if (!(v >= out.lo[b])) out.lo[b] = v;
    if (!(v <= out.hi[b])) out.hi[b] = v;
  });
  return out;
}

/** The range [lo, hi] covering the images of bins a..b (either order), or null when they hold none. */
export function rangeOfBins(binned: Binned, a: number, b: number): [number, number] | null {
  const [first, last] = a <= b ? [a, b] : [b, a];
  let lo = Number.NaN;
  let hi = Number.NaN;
  for (let k = first; k <= last; k++) {
    if (binned.count[k] === 0) continue;
    if (Number.isNaN(lo)) lo = binned.lo[k];
    hi = binned.hi[k];
  }
  return Number.isNaN(lo) ? null : [lo, hi];
}

export interface HistogramEvents {
  /** A range was brushed: keep lo <= value <= hi (null: unbounded on that side). */
  range(lo: number | null, hi: number | null): void;
}

export interface HistogramInput {
  binned: Binned;
  /** Per bin, its images in the current slice. */
  inSlice: number[];
  /** The column's condition, if any. */
  range: { lo: number | null; hi: number | null } | null;
}

export class Histogram {
  readonly el = h("div", "sw-hist");
  private input: HistogramInput | null = null;
  private bars: HTMLDivElement[] = [];
  private drag: { anchor: number; at: number } | null = null;

  constructor(
    column: string,
    private readonly events: HistogramEvents,
  ) {
    this.el.dataset.testid = "segwidget-control";
    this.el.dataset.name = "slice";
    this.el.dataset.column = column;
    this.el.setAttribute("role", "group");
    this.el.setAttribute(
      "aria-label",
      `${column}: drag across the bars, or move with the arrow keys (Shift widens) and press Enter, to keep a range`,
    );
    this.el.tabIndex = 0;
    this.el.addEventListener("keydown", this.onKey);
    this.el.addEventListener("blur", this.onBlur);
    this.el.addEventListener("mousedown", this.onDown);
    this.el.addEventListener("mouseover", this.onOver);
    window.addEventListener("mouseup", this.onUp);
  }

  update(input: HistogramInput): void {
    this.input = input;
    const { binned } = input;
    if (this.bars.length !== binned.count.length) {
      this.bars = binned.count.map((_, k) => {
        const bar = h("div", "sw-bin");
        bar.dataset.bin = String(k);
        bar.append(h("div", "sw-bin-all"), h("div", "sw-bin-in"));
        return bar;
      });
      this.el.replaceChildren(...this.bars);
    }
    const max = Math.max(1, ...binned.count);
    this.bars.forEach((bar, k) => {
      const [all, inside] = bar.children as unknown as HTMLElement[];
      all.style.height = `${(100 * binned.count[k]) / max}%`;
      inside.style.height = `${(100 * input.inSlice[k]) / max}%`;
      const span =
        binned.lo[k] === binned.hi[k] ? fmtNum(binned.lo[k]) : `${fmtNum(binned.lo[k])} – ${fmtNum(binned.hi[k])}`;
      bar.title = binned.count[k]
        ? `${span}: ${fmtInt(binned.count[k])} images, ${fmtInt(input.inSlice[k])} in the slice`
        : "no image";
    });
    this.paintChosen();
  }

  /** Bars inside the condition's range (or the range being dragged) are marked. */
  private paintChosen(): void {
    const input = this.input;
    if (!input) return;
    const { binned, range } = input;
    this.bars.forEach((bar, k) => {
      let on: boolean;
      if (this.drag) {
        on = k >= Math.min(this.drag.anchor, this.drag.at) && k <= Math.max(this.drag.anchor, this.drag.at);
      } else {
        on =
          range !== null &&
          binned.count[k] > 0 &&
          (range.lo === null || binned.hi[k] >= range.lo) &&
          (range.hi === null || binned.lo[k] <= range.hi);
      }
      bar.classList.toggle("sw-on", on);
    });
  }

  private binAt(e: MouseEvent): number | null {
    const bar = (e.target as Element | null)?.closest?.<HTMLElement>(".sw-bin");
    return bar && this.el.contains(bar) ? Number(bar.dataset.bin) : null;
  }

  private readonly onDown = (e: MouseEvent) => {
    const k = this.binAt(e);
    if (k === null || e.button !== 0) return;
    e.preventDefault(); // no text selection while dragging
    this.drag = { anchor: k, at: k };
    this.paintChosen();
  };

  private readonly onOver = (e: MouseEvent) => {
    const k = this.binAt(e);
    if (!this.drag || k === null) return;
    this.drag.at = k;
    this.paintChosen();
  };

  private readonly onUp = () => {
    const drag = this.drag;
    const input = this.input;
    this.drag = null;
    if (!drag || !input) return;
    const range = rangeOfBins(input.binned, drag.anchor, drag.at);
    this.paintChosen();
    if (!range) return;
    // JSON has no infinity: -inf as lo or +inf as hi is no bound (the same images); otherwise the nearest number
    const [lo, hi] = range.map((v) => Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, v)));
    this.events.range(range[0] === -Infinity ? null : lo, range[1] === Infinity ? null : hi);
  };

  /**
   * The keyboard's path: Left / Right (Home / End) move a one-bin choice, with Shift they widen it from where it
   * began; Enter keeps it as the range (as a drag's release), Escape drops it. Each move names its bin (title).
   */
  private readonly onKey = (e: KeyboardEvent) => {
    const n = this.bars.length;
    if (n === 0) return;
    if (e.key === "Enter" && this.drag) this.onUp();
    else if (e.key === "Escape" && this.drag) this.drag = null;
    else {
      const at = this.drag?.at ?? -1;
      const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: n - 1 }[e.key];
      // past either end the key is the toolbar's, to move on to the next control
      if (to === undefined || to < 0 || to >= n) return;
      const next = to;
      this.drag = { anchor: e.shiftKey && this.drag ? this.drag.anchor : next, at: next };
      this.el.title = this.bars[next].title;
    }
    e.preventDefault();
    e.stopPropagation();
    this.paintChosen();
  };

  private readonly onBlur = () => {
    this.drag = null;
    this.paintChosen();
  };

  destroy(): void {
    window.removeEventListener("mouseup", this.onUp);
  }
}
