// The view of a comparison: the header's two-model numbers and its controls (model shown, direction), gallery
// captions and titles, the heatmap's tooltip, the side list of most changed confusions, and the detail view's
// panels and per-class IoU of both models. widget.ts calls these where a comparison differs from one model.

import type { RGB } from "../data/colors";
import { fmtInt, fmtNum, fmtPct, h, labelled, select } from "../data/format";
import type { Cell, LossRange, Normalize, Overlay } from "../data/protocol";
import type { DetailPanel } from "../view/detail";
import type { HeaderExtra } from "../view/header";
import type { PairItem } from "../view/pairs";
import type { Comparison, Paired, Shown } from "./data";
import { type Change, imageCounts } from "./data";
import { type Changes, changeKind, type Direction } from "./ranking";

export interface CompareEvents {
  set(key: "model" | "direction", value: string): void;
}

/** A signed change: "+8.1 pts" for shares (percentage points), "−0.12" for losses; "–" when undefined. */
export function fmtChange(v: number, points: boolean): string {
  if (Number.isNaN(v)) return "–";
  const sign = v > 0 ? "+" : v < 0 ? "−" : "±";
  const size = points ? fmtPct(Math.abs(v)).replace("%", " pts") : fmtNum(Math.abs(v));
  return `${sign}${size}`;
}

/** The header's extra part in a comparison: both models' numbers, and the model and direction controls. */
export class CompareHeader {
  readonly el = h("span", "sw-compare-controls");
  private readonly shown = select("the heatmap shows", [
    ["delta", "B − A"],
    ["A", "A"],
    ["B", "B"],
  ]);
  private readonly direction = select("the gallery shows the images where B got", [
    ["worse", "worse"],
    ["better", "better"],
  ]);
  private readonly directionText = h("span", "", "images where B got");

  constructor(events: CompareEvents) {
    for (const [control, name] of [
      [this.shown, "model"],
      [this.direction, "direction"],
    ] as const) {
      control.dataset.testid = "segwidget-control";
      control.dataset.name = name;
      control.addEventListener("change", () => events.set(name, control.value));
    }
    const direction = h("label", "sw-control");
    direction.append(this.directionText, this.direction);
    this.el.append(labelled("heatmap", this.shown), direction);
  }

  /** The controls' state and the header's numbers; `members`: the images of a slice (null: all). */
  update(cmp: Comparison, shown: Shown, direction: Direction, members: number | null = null): HeaderExtra {
    const [a, b] = cmp.names;
    const texts: Record<string, string> = { delta: `${b} − ${a}`, A: a, B: b, worse: "worse", better: "better" };
    for (const o of [...this.shown.options, ...this.direction.options]) o.textContent = texts[o.value];
    this.directionText.textContent = `images where ${b} got`;
    this.shown.value = shown;
    this.direction.value = direction;
    const overlays: Partial<Record<Overlay, string>> = {
      prediction: `${a}'s prediction`,
      "prediction-b": `${b}'s prediction`,
      difference: `where ${a} and ${b} differ`,
    };
    return { stats: compareStats(cmp, members), controls: this.el, hide: ["order"], overlays };
  }
}

function compareStats(cmp: Comparison, members: number | null): HTMLElement[] {
  const [a, b] = cmp.names;
  const s = cmp.summary;
  const stat = (label: string, pair: Paired | undefined, pct: boolean, lowerIsBetter: boolean) => {
    const [va, vb, d] = pair ?? [null, null, null];
    const show = (v: number | null) => (pct ? fmtPct(v) : fmtNum(v));
    const el = h("div", "sw-stat");
    el.title = `${label}: ${a} ${show(va)}, ${b} ${show(vb)}`;
    const delta = h("span", "sw-change", fmtChange(d ?? Number.NaN, pct));
    if (d !== null && d !== 0) delta.classList.add(d > 0 !== lowerIsBetter ? "sw-better" : "sw-worse");
    const value = h("span", "sw-stat-value", `${show(va)} → ${show(vb)} `);
    value.append(delta);
    el.append(value, h("span", "sw-stat-label", `${label} (${a} → ${b})`));
    return el;
  };
  const images = h("div", "sw-stat");
  const count = members === null ? fmtInt(cmp.b.N) : `${fmtInt(members)} of ${fmtInt(cmp.b.N)}`;
  images.append(h("span", "sw-stat-value", count), h("span", "sw-stat-label", "images"));
  return [
    images,
    stat("mean IoU", s.mean_iou, true, false),
    stat("pixel accuracy", s.pixel_accuracy, true, false),
    stat("mean loss", s.mean_loss, false, true),
  ];
}

/** A gallery caption: "#index · Δ" and the two models' scores. */
export function compareCaption(changes: Changes, rank: number, cell: Cell | null, names: [string, string]) {
  const kind = changeKind(cell);
  const show = (v: number) => (kind === "loss" ? fmtNum(v) : fmtPct(v));
  const what = kind === "loss" ? "Δ loss" : kind === "iou" ? "Δ IoU" : "Δ share";
  const head = `#${changes.indices[rank]} · ${what} ${fmtChange(changes.scores[rank], kind !== "loss")}`;
  return [head, `${names[0]} ${show(changes.a[rank])} → ${names[1]} ${show(changes.b[rank])}`] as const;
}

/** "More like this" in a comparison: "#index · distance d" and the two models' losses of that image. */
export function similarCaption(near: Changes, rank: number, names: [string, string]) {
  const head = `#${near.indices[rank]} · distance ${fmtNum(near.scores[rank])}`;
  return [head, `loss ${names[0]} ${fmtNum(near.a[rank])} → ${names[1]} ${fmtNum(near.b[rank])}`] as const;
}

/** The gallery's title for "more like this" in a comparison. */
export function similarTitle(of: number): string {
  return `images most like image ${of} (the map's embedding), nearest first`;
}

/** What a comparison's gallery lists, e.g. "true road predicted sidewalk: where final's share grew, most first". */
export function compareTitle(
  classes: readonly string[],
  names: [string, string],
  cell: Cell | null,
  direction: Direction,
  range: LossRange | null,
): string {
  const b = names[1];
  const worse = direction === "worse";
  const filter = range ? ` · loss change in [${fmtNum(range[0])}, ${fmtNum(range[1])}]` : "";
  if (cell === null)
    return `all images by ${b}'s loss change, ${worse ? "largest rise" : "largest fall"} first${filter}`;
  const [t, p] = cell;
  if (t === p) return `${classes[t]}: images where ${b}'s IoU ${worse ? "fell" : "rose"}, most first${filter}`;
  const change = worse ? "grew" : "shrank";
  return `true ${classes[t]} predicted ${classes[p]}: where ${b}'s share of true pixels ${change}, most first${filter}`;
}

/** Tooltip lines of heatmap cell (t, p): A's and B's value of the shown normalisation, and the change. */
export function describeChange(
  classes: readonly string[],
  names: [string, string],
  values: { a: number; b: number; normalize: Normalize; pixelsA: number; pixelsB: number },
  direction: Direction,
  t: number,
  p: number,
): string[] {
  const [a, b] = names;
  const { normalize } = values;
  const counts = normalize === "none";
  const show = (v: number) => (counts ? fmtInt(v) : fmtPct(v));
  const label = { true: "share of true", pred: "share of predicted", none: "pixels", mean: "per-image mean" }[
    normalize
  ];
  const click =
    t === p
      ? `click: images where ${b}'s IoU ${direction === "worse" ? "fell" : "rose"}`
      : `click: images where this confusion ${direction === "worse" ? "grew" : "shrank"}`;
  return [
    `${classes[t]} → ${classes[p]}`,
    `${label}: ${a} ${show(values.a)} → ${b} ${show(values.b)}`,
    `change: ${fmtChange(values.b - values.a, !counts)}`,
    `pixels: ${a} ${fmtInt(values.pixelsA)} · ${b} ${fmtInt(values.pixelsB)}`,
    click,
  ];
}

/** The side list: the confusions that grew most, then those that shrank most. */
export function changeItems(changes: { grew: Change[]; shrank: Change[] }): PairItem[] {
  return [...changes.grew, ...changes.shrank].map((c) => ({
    t: c.t,
    p: c.p,
    stats: `${fmtChange(c.delta, true)} · ${fmtPct(c.shareA)} → ${fmtPct(c.shareB)} of true`,
  }));
}

/** The detail view's panels in a comparison: both predictions and where they differ. */
export function comparePanels(names: [string, string]): DetailPanel[] {
  return [
    ["image", "image"],
    ["truth", "truth"],
    ["prediction", `${names[0]}'s prediction`],
    ["prediction-b", `${names[1]}'s prediction`],
    ["difference", `blue: only ${names[1]} right · vermillion: only ${names[0]} right · yellow: both wrong`],
  ];
}

/** This image's per-class IoU in A and B and the change, worst change first. */
export function compareIouTable(
  cmA: Float64Array,
  cmp: Comparison,
  index: number,
  classes: readonly string[],
  palette: readonly RGB[],
): HTMLElement {
  const C = classes.length;
  const cmB = imageCounts(cmp.b, index);
  const iou = (cm: Float64Array, c: number) => {
    let union = -cm[c * C + c];
    for (let q = 0; q < C; q++) union += cm[c * C + q] + cm[q * C + c];
    return union === 0 ? Number.NaN : cm[c * C + c] / union;
  };
  const rows = [];
  for (let c = 0; c < C; c++) {
    const [a, b] = [iou(cmA, c), iou(cmB, c)];
    if (!Number.isNaN(a) || !Number.isNaN(b)) rows.push({ c, a, b, d: b - a });
  }
  rows.sort((x, y) => (Number.isNaN(x.d) ? 1 : 0) - (Number.isNaN(y.d) ? 1 : 0) || x.d - y.d || x.c - y.c);
  const box = h("div", "sw-mini");
  const [na, nb] = cmp.names;
  box.append(h("div", "sw-mini-title", `per-class IoU in this image: ${na} → ${nb} (largest fall first)`));
  const table = h("table", "sw-iou");
  const head = h("tr");
  head.append(h("th"), h("th", "sw-num", na), h("th", "sw-num", nb), h("th", "sw-num", "change"));
  table.append(head);
  for (const { c, a, b, d } of rows) {
    const swatch = h("span", "sw-swatch");
    const [r, g, bl] = palette[c] ?? [128, 128, 128];
    swatch.style.background = `rgb(${r},${g},${bl})`;
    const name = h("td", "sw-iou-name");
    name.append(swatch, document.createTextNode(classes[c]));
    name.title = classes[c];
    const change = h("td", "sw-num sw-change", fmtChange(d, true));
    if (d !== 0 && !Number.isNaN(d)) change.classList.add(d > 0 ? "sw-better" : "sw-worse");
    const tr = h("tr");
    tr.append(name, h("td", "sw-num", fmtPct(a)), h("td", "sw-num", fmtPct(b)), change);
    table.append(tr);
  }
  box.append(table);
  return box;
}
