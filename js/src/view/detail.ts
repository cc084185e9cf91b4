// The detail view of one image: image | truth | prediction | selected-pair pixels | boundary band | confident
// disagreements, the class under the cursor, and this image's own confusion matrix and per-class IoU.

import { type RGB, ramp, type Theme, toHex } from "../data/colors";
import { fmtInt, fmtNum, fmtPct, h } from "../data/format";
import type { Cell, DetailReply, DetailRequest } from "../data/protocol";
import { voidValue } from "../data/protocol";
import { paintBoxes } from "./objectboxes";
import { detailOverlays, type OverlayKind, type Overlays, paintOverlay } from "./overlays";
import { type Layer, paint } from "./paint";
import { closeImage, decodeEncoded, PENDING_MS, type Thumb } from "./thumbs";

/** A decoded detail reply: the picture, both masks, the loss, the image's sparse confusion and its overlays. */
export type Loaded = Thumb &
  Pick<DetailReply, "loss" | "cells" | "counts" | "note"> &
  Partial<Pick<DetailReply, "objects">> & { overlays: Overlays };

/** Detail requests and a small cache of answers, so that previous/next is instant when revisited. */
export class DetailStore {
  private readonly cache = new Map<number, Loaded>();
  /** Index → when it was asked for; unanswered requests are asked again after PENDING_MS. */
  private readonly asked = new Map<number, number>();
  private closed = false;
  /** Replies to requests numbered up to this one are for data since replaced. */
  private stale = 0;
  /** Off when the results kept no images (the kernel would not answer). */
  enabled = true;

  constructor(
    private readonly send: (req: DetailRequest) => void,
    private readonly nextId: () => number,
    private readonly onReady: (index: number) => void,
    private readonly capacity = 8,
  ) {}

  get(index: number): Loaded | undefined {
    return this.cache.get(index);
  }

  want(index: number, now = Date.now()): void {
    const since = this.asked.get(index);
    if (!this.enabled || this.cache.has(index) || (since !== undefined && now - since < PENDING_MS)) return;
    this.asked.set(index, now);
    this.send({ kind: "detail", request: this.nextId(), index });
  }

  async receive(reply: DetailReply): Promise<void> {
    if (reply.request <= this.stale) return;
    const decoded = await decodeEncoded(reply);
    const overlays = await detailOverlays(decoded, reply.overlays, voidValue(decoded.dtype));
    if (this.closed || reply.request <= this.stale) return;
    this.asked.delete(reply.index);
    const { loss, cells, counts, note, objects } = reply;
    this.cache.set(reply.index, { ...decoded, loss, cells, counts, note, overlays, objects });
    for (const [n, d] of this.cache) {
      if (this.cache.size <= this.capacity) break;
      this.cache.delete(n);
      closeImage(d.image);
    }
    this.onReady(reply.index);
  }

  /** New data: forget every image, and ignore answers to requests up to `lastRequest`. */
  clear(lastRequest: number): void {
    this.stale = lastRequest;
    for (const d of this.cache.values()) closeImage(d.image);
    this.cache.clear();
    this.asked.clear();
  }

  close(): void {
    this.closed = true;
    this.clear(Number.POSITIVE_INFINITY);
  }
}

export interface DetailInput {
  index: number;
  loaded: Loaded | undefined;
  /** e.g. "rank 3 of 120", or "not in the current list". */
  position: string;
  /** False when the results kept no images, so none will come. */
  hasImages: boolean;
  classes: string[];
  palette: RGB[];
  cell: Cell | null;
  theme: Theme;
  /** The panels, in order (default PANELS; a comparison shows both predictions and their difference). */
  panels?: readonly DetailPanel[];
  /** Replaces the per-class IoU table (a comparison's shows both models). */
  iouTable?: (cm: Float64Array) => HTMLElement;
}

export interface DetailEvents {
  step(delta: -1 | 1): void;
  close(): void;
  opacity(value: number): void;
}

/** A panel: the layer or overlay it draws (its data-kind) and its caption. */
export type DetailPanel = readonly [Layer | OverlayKind | "objects", string];

const PANELS: readonly DetailPanel[] = [
  ["image", "image"],
  ["truth", "truth"],
  ["prediction", "prediction"],
  ["pair", "selected pair"],
];
/** The overlay panels, after the others, for the overlays an image has. */
const OVERLAYS: readonly OverlayKind[] = ["boundary", "confident"];

function isOverlay(kind: Layer | OverlayKind | "objects"): kind is OverlayKind | "objects" {
  if (kind === "objects") return true;
  return (OVERLAYS as readonly string[]).includes(kind);
}

/** Index of the pixel under (x, y) CSS px of an element of size (w, h) showing a width×height image. */
export function pixelAt(x: number, y: number, w: number, hgt: number, width: number, height: number): number | null {
  const px = Math.floor((x / w) * width);
  const py = Math.floor((y / hgt) * height);
  return px >= 0 && py >= 0 && px < width && py < height ? py * width + px : null;
}

export class Detail {
  readonly el = h("section", "sw-detail");
  private readonly title = h("span", "sw-detail-title");
  private readonly under = h("div", "sw-under");
  private readonly stats = h("div", "sw-detail-stats");
  private readonly canvases = new Map<Layer | OverlayKind | "objects", HTMLCanvasElement>();
  private readonly figures = new Map<Layer | OverlayKind | "objects", HTMLElement>();
  private readonly row = h("div", "sw-panels");
  private shown: readonly DetailPanel[] = [];
  private readonly opacityInput = h("input");
  private input: DetailInput | null = null;

  constructor(private readonly events: DetailEvents) {
    this.el.dataset.testid = "segwidget-detail";
    this.el.tabIndex = -1;
    this.el.hidden = true;
    this.setPanels(PANELS);
    // The per-image tables fold away, so that the detail fits the frame (open, they stay open from image to image).
    const more = h("details", "sw-detail-more");
    more.append(h("summary", "", "per-image confusion and IoU"), this.stats);
    this.el.append(this.toolbar(), this.row, this.under, more);
    this.el.addEventListener("keydown", this.onKey);
  }

  private toolbar(): HTMLElement {
    const bar = h("div", "sw-detail-bar");
    const button = (text: string, label: string, action: () => void) => {
      const b = h("button", "sw-button", text);
      b.type = "button";
      b.title = label;
      b.setAttribute("aria-label", label);
      b.addEventListener("click", action);
      return b;
    };
    Object.assign(this.opacityInput, { type: "range", min: "0", max: "1", step: "0.05", value: "0.5" });
    this.opacityInput.title = "overlay opacity";
    this.opacityInput.addEventListener("input", () => this.events.opacity(Number(this.opacityInput.value)));
    const opacity = h("label", "sw-control");
    opacity.append(h("span", "", "opacity"), this.opacityInput);
    bar.append(
      button("◀", "previous image (←)", () => this.events.step(-1)),
      button("▶", "next image (→)", () => this.events.step(1)),
      this.title,
      opacity,
      button("✕", "close (Esc)", () => this.events.close()),
    );
    return bar;
  }

  /** Build the panels when they change (a DOM node per panel shown, none hidden). */
  private setPanels(panels: readonly DetailPanel[]): void {
    if (panels.length === this.shown.length && panels.every((p, i) => p.join() === this.shown[i].join())) return;
    this.shown = panels;
    this.canvases.clear();
    this.figures.clear();
    this.row.replaceChildren();
    for (const [layer, label] of panels) {
      const fig = h("figure", "sw-panel");
      fig.dataset.testid = "segwidget-panel";
      fig.dataset.kind = layer;
      const canvas = h("canvas", "sw-panel-canvas");
      canvas.addEventListener("mousemove", (e) => this.onHover(canvas, e));
      canvas.addEventListener("mouseleave", () => {
        this.under.textContent = "\u00a0";
      });
      fig.append(canvas, h("figcaption", "", label));
      this.canvases.set(layer, canvas);
      this.figures.set(layer, fig);
      this.row.append(fig);
    }
  }

  /** Show image `input.index`, or hide with null. */
  update(input: DetailInput | null, opacity: number): void {
    this.input = input;
    this.el.hidden = input === null;
    if (input === null) {
      delete this.el.dataset.index;
      return;
    }
    this.el.dataset.index = String(input.index);
    const d = input.loaded;
    // while the next image loads, its overlay panels are those of the last one (no flicker when stepping)
    const has = (kind: OverlayKind | "objects") => (kind === "objects" ? d?.objects : d?.overlays[kind]);
    const shown = d ? [...OVERLAYS, "objects" as const].filter(has) : this.shown.map(([k]) => k).filter(isOverlay);
    this.setPanels([...(input.panels ?? PANELS), ...shown.map((kind): DetailPanel => [kind, kind])]);
    this.opacityInput.value = String(opacity);
    const loss = d ? ` · loss ${fmtNum(d.loss)}` : input.hasImages ? " · loading…" : " · these results kept no images";
    this.title.textContent = `#${input.index}${loss} · ${input.position}${d?.note ? ` · ${d.note}` : ""}`;
    this.el.classList.toggle("sw-loading", !d);
    if (!d) return;
    for (const [layer, canvas] of this.canvases) {
      if (!isOverlay(layer)) paint(canvas, d, layer, input.cell, input.palette, opacity);
      else if (layer === "objects" && d.objects)
        paintBoxes(canvas, this.figures.get(layer) as HTMLElement, d, d.objects);
      else if (layer !== "objects") this.drawOverlay(layer, canvas, d);
    }
    const cm = denseConfusion(d.cells, d.counts, input.classes.length);
    this.stats.replaceChildren(confusionTable(cm, input), input.iouTable?.(cm) ?? iouTable(cm, input));
  }

  /** An overlay panel: its pixels over the dimmed image, their count in the caption and in data-pixels. */
  private drawOverlay(kind: OverlayKind, canvas: HTMLCanvasElement, d: Loaded): void {
    const overlay = d.overlays[kind];
    const fig = this.figures.get(kind);
    if (!overlay || !fig) return;
    paintOverlay(canvas, d, overlay, kind);
    fig.dataset.pixels = String(overlay.count);
    const caption = fig.querySelector("figcaption");
    if (caption) caption.textContent = `${overlay.label} · ${fmtInt(overlay.count)} px`;
  }

  focus(): void {
    this.el.focus();
  }

  private onHover(canvas: HTMLCanvasElement, e: MouseEvent): void {
    const d = this.input?.loaded;
    if (!d?.truth || !d.pred || !this.input) return;
    const r = canvas.getBoundingClientRect();
    const i = pixelAt(e.clientX - r.left, e.clientY - r.top, r.width, r.height, d.width, d.height);
    if (i === null) return;
    const name = (c: number) => (c === voidValue(d.dtype) ? "void" : (this.input?.classes[c] ?? `class ${c}`));
    const [t, p] = [d.truth[i], d.pred[i]];
    const mark = t === p ? "✓" : "✗";
    const predicted = d.predB ? `A: ${name(p)} · B: ${name(d.predB[i])}` : `predicted: ${name(p)}`;
    const marks = [
      d.overlays.boundary?.pixels[i] ? " · in the boundary band" : "",
      d.overlays.confident?.pixels[i] ? " · confident disagreement" : "",
    ].join("");
    const at = `(${i % d.width}, ${Math.floor(i / d.width)})`;
    this.under.textContent = `${mark} truth: ${name(t)} · ${predicted}${marks} · ${at}`;
  }

  private readonly onKey = (e: KeyboardEvent) => {
    const actions: Record<string, () => void> = {
      ArrowLeft: () => this.events.step(-1),
      ArrowUp: () => this.events.step(-1),
      ArrowRight: () => this.events.step(1),
      ArrowDown: () => this.events.step(1),
      Escape: () => this.events.close(),
    };
    const action = actions[e.key];
    if (!action || (e.target as Element).tagName === "INPUT") return;
    e.preventDefault();
    e.stopPropagation();
    action();
  };

  destroy(): void {
    this.el.removeEventListener("keydown", this.onKey);
  }
}

/** The image's dense C×C counts from its nonzero cells (cells outside the matrix are dropped). */
export function denseConfusion(cells: Int32Array, counts: Int32Array, C: number): Float64Array {
  const cm = new Float64Array(C * C);
  cells.forEach((k, j) => {
    if (k >= 0 && k < C * C) cm[k] = counts[j];
  });
  return cm;
}

/** Classes present in the image (truth or prediction), by pixels desc. */
export function presentClasses(cm: Float64Array, C: number): { c: number; row: number; col: number }[] {
  const out = [];
  for (let c = 0; c < C; c++) {
    let row = 0;
    let col = 0;
    for (let q = 0; q < C; q++) {
      row += cm[c * C + q];
      col += cm[q * C + c];
    }
    if (row > 0 || col > 0) out.push({ c, row, col });
  }
  return out.sort((a, b) => b.row + b.col - (a.row + a.col) || a.c - b.c);
}

const MAX_MATRIX = 12;

function confusionTable(cm: Float64Array, input: DetailInput): HTMLElement {
  const C = input.classes.length;
  const shown = presentClasses(cm, C).slice(0, MAX_MATRIX);
  const box = h("div", "sw-mini");
  box.append(h("div", "sw-mini-title", "this image's confusion (rows true, columns predicted; colour = share of row)"));
  const table = h("table", "sw-mini-cm");
  const head = h("tr");
  head.append(h("th"));
  for (const { c } of shown) head.append(classHeader(input, c));
  table.append(head);
  for (const r of shown) {
    const tr = h("tr");
    tr.append(classHeader(input, r.c));
    for (const { c } of shown) {
      const v = cm[r.c * C + c];
      const td = h("td", "", v > 0 ? fmtInt(v) : "");
      const share = r.row > 0 ? v / r.row : 0;
      if (v > 0) {
        td.style.background = toHex(ramp(input.theme, share));
        td.classList.toggle("sw-strong", share > 0.5);
      }
      td.title = `${input.classes[r.c]} → ${input.classes[c]}: ${fmtInt(v)} px (${fmtPct(share)} of true)`;
      tr.append(td);
    }
    table.append(tr);
  }
  box.append(table);
  return box;
}

function classHeader(input: DetailInput, c: number): HTMLElement {
  const th = h("th", "", input.classes[c]);
  th.title = input.classes[c];
  th.style.borderColor = toHex(input.palette[c]);
  return th;
}

function iouTable(cm: Float64Array, input: DetailInput): HTMLElement {
  const C = input.classes.length;
  const rows = presentClasses(cm, C).map(({ c, row, col }) => {
    const tp = cm[c * C + c];
    return { c, iou: tp / (row + col - tp), row };
  });
  rows.sort((a, b) => a.iou - b.iou || a.c - b.c);
  const box = h("div", "sw-mini");
  box.append(h("div", "sw-mini-title", "per-class IoU in this image (worst first)"));
  const table = h("table", "sw-iou");
  for (const { c, iou, row } of rows) {
    const tr = h("tr");
    const swatch = h("span", "sw-swatch");
    swatch.style.background = toHex(input.palette[c]);
    const name = h("td", "sw-iou-name");
    name.append(swatch, document.createTextNode(input.classes[c]));
    name.title = input.classes[c];
    const bar = h("span", "sw-bar");
    bar.style.width = `${Math.round(100 * iou)}%`;
    const barCell = h("td", "sw-bar-cell");
    barCell.append(bar);
    tr.append(name, h("td", "sw-num", fmtPct(iou)), barCell, h("td", "sw-num sw-dim", `${fmtInt(row)} px`));
    table.append(tr);
  }
  box.append(table);
  return box;
}
