// Number formatting and small DOM helpers shared by the views. User text only ever goes through textContent.

import type { Normalize } from "./protocol";
import type { RankKind } from "./ranking";

const INT = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function fmtInt(v: number): string {
  return Number.isFinite(v) ? INT.format(v) : "–";
}

/**
 * A share as a percentage with one decimal, or with as many significant digits as it takes for a nonzero
 * share not to read "0.0%" and for a share below one not to read "100.0%".
 */
export function fmtPct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const pct = 100 * v;
  const fixed = pct.toFixed(digits);
  if (pct !== 0 && Math.abs(pct) < 10 ** -digits) return `${pct.toPrecision(2)}%`;
  if (v < 1 && Number(fixed) >= 100) {
    const missing = -Math.floor(Math.log10(100 - pct)); // digits until the first non-9
    return `${pct.toFixed(Math.min(8, Math.max(digits + 1, missing)))}%`;
  }
  return `${fixed}%`;
}

/** 3 significant digits, switching to exponent form for very small or large values. */
export function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number.isInteger(v) ? INT.format(v) : v.toPrecision(3);
}

/** A heatmap value as its normalisation means it. */
export function fmtValue(v: number, mode: Normalize): string {
  return mode === "none" ? fmtInt(v) : fmtPct(v);
}

export const NORMALIZE_LABELS: Record<Normalize, string> = {
  true: "share of true pixels (row-normalised)",
  pred: "share of predicted pixels (column-normalised)",
  none: "pixel counts",
  mean: "per-image mean share of true pixels (fastai mean_cm)",
};

/** A ranking score for a thumbnail caption. */
export function fmtScore(kind: RankKind, score: number): string {
  switch (kind) {
    case "loss":
      return `loss ${fmtNum(score)}`;
    case "share":
      return `share ${fmtPct(score)}`;
    case "pixels":
      return `${fmtInt(score)} px`;
    case "iou":
      return `IoU ${fmtPct(score)}`;
    case "confident":
      return `confident ${fmtPct(score)}`;
    case "overconfident": // mean confidence − accuracy (calibration.ts)
      return `conf − acc ${score > 0 ? "+" : ""}${fmtPct(score)}`;
    case "missed":
      return `${fmtInt(score)} missed`;
    case "false":
      return `${fmtInt(score)} false`;
    case "distance": // "more like this": cosine distance to the chosen image
      return `distance ${score.toFixed(3)}`;
  }
}

/** An element with optional class and text (textContent, never HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text = ""): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text) el.textContent = text;
  return el;
}

/** A labelled <select> whose options are [value, label] pairs. */
export function select(label: string, options: readonly (readonly [string, string])[]): HTMLSelectElement {
  const s = h("select");
  s.title = label;
  for (const [value, text] of options) {
    const o = h("option", "", text);
    o.value = value;
    s.append(o);
  }
  return s;
}

/** `label` wrapping a control and its text. */
export function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const l = h("label", "sw-control");
  l.append(h("span", "", text), control);
  return l;
}
