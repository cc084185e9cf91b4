// Summary numbers and the controls of the view; every control mirrors one synced trait, named by its
// data-name (the DOM contract), and shows the trait's value.

import { fmtInt, fmtNum, fmtPct, h, labelled, select } from "../data/format";
import type { Controls, Normalize, Order, Overlay, Summary } from "../data/protocol";
import type { RankKind } from "../data/ranking";
import type { Region } from "../data/regions";
import { ClassControls, type ClassControlsInput } from "./classcontrols";
import type { RegionOffer } from "./regionview";

/** What a feature adds to the header (a comparison: its own numbers and controls). */
export interface HeaderExtra {
  /** Shown instead of the summary's numbers. */
  stats: HTMLElement[];
  /** Shown after the other controls. */
  controls: HTMLElement;
  /** Controls (by data-name) that do nothing here: hidden. */
  hide: readonly string[];
  /** Overlays offered besides the usual ones, or relabelled, with their labels. */
  overlays: Partial<Record<Overlay, string>>;
}

const OVERLAY_LABELS: Record<Overlay, string> = {
  none: "none",
  prediction: "prediction",
  truth: "truth",
  pair: "selected pair",
  "prediction-b": "",
  difference: "",
};

export interface HeaderEvents {
  set<K extends keyof Controls>(key: K, value: Controls[K]): void;
  visible(classes: number[]): void;
  zoom(value: number): void;
}

/** [value, short text shown, full text in the tooltip] of a select's options. */
type Choice = readonly [string, string, string];

const NORMALIZE: readonly Choice[] = [
  ["true", "share of true", "share of true pixels (row-normalised)"],
  ["pred", "share of predicted", "share of predicted pixels (column-normalised)"],
  ["none", "pixel counts", "pixel counts"],
  ["mean", "per-image mean", "per-image mean of the row-normalised matrices (fastai)"],
];
const ORDERS: readonly Choice[] = [
  ["share", "share of true", "a confusion's images by the share of the true class's pixels it takes"],
  ["pixels", "pixel count", "a confusion's images by its pixel count"],
  ["confident", "confident errors", "by confident disagreements (possible label errors), for any selection"],
  ["overconfident", "overconfident", "by overconfidence: mean confidence minus accuracy, of a class's or all pixels"],
  ["missed", "missed objects", "images by missed truth objects of the selected class (and size bin)"],
  ["false", "false objects", "images by false predicted objects of the selected class"],
];
const REGIONS: readonly Choice[] = [
  ["all", "all", "all pixels"],
  ["interior", "interior", "interior only: pixels outside the boundary band"],
  ["boundary", "boundary", "boundary only: pixels in the boundary band"],
];

/** What the gallery is ordered by now, when the order select does not govern it (no cell, a diagonal cell). */
const NOW: Partial<Record<RankKind, string>> = { loss: "loss", iou: "IoU", distance: "likeness to one image" };

export class Header {
  readonly el = h("header", "sw-header");
  private readonly stats = h("div", "sw-stats");
  private readonly normalize = choices("heatmap colour", NORMALIZE);
  private readonly log = h("input");
  private readonly hideDiagonal = h("input");
  private readonly order = choices("gallery order for a selected confusion", ORDERS);
  private readonly orderLabel = labelled("by", this.order);
  private readonly region = choices("pixels counted by the heatmap and the gallery", REGIONS);
  private readonly overlay = select("thumbnail overlay", Object.entries(OVERLAY_LABELS));
  private readonly extra = h("div", "sw-group");
  private readonly classes: ClassControls;
  private readonly pixels: HTMLElement;

  constructor(events: HeaderEvents) {
    this.log.type = "checkbox";
    this.hideDiagonal.type = "checkbox";
    this.classes = new ClassControls({ visible: events.visible, zoom: events.zoom });
    const named: [HTMLElement, string][] = [
      [this.normalize, "normalize"],
      [this.log, "log_scale"],
      [this.hideDiagonal, "hide_diagonal"],
      [this.order, "order"],
      [this.region, "region"],
      [this.overlay, "overlay"],
    ];
    for (const [control, name] of named) {
      control.dataset.testid = "segwidget-control";
      control.dataset.name = name;
    }
    this.extra.setAttribute("role", "group");
    this.extra.setAttribute("aria-label", "comparison");
    this.pixels = group("pixels", labelled("pixels", this.region));
    const controls = h("div", "sw-controls");
    controls.append(
      group(
        "heatmap",
        labelled("colour", this.normalize),
        labelled("log", this.log),
        labelled("no diagonal", this.hideDiagonal),
        this.classes.el,
      ),
      group("gallery", this.orderLabel, labelled("overlay", this.overlay)),
      this.pixels,
      this.extra,
    );
    // In a narrow frame the groups fold behind one button (frame.css), so that the heatmap and gallery keep room.
    const fold = h("button", "sw-button sw-options-toggle", "options ▾");
    fold.type = "button";
    fold.setAttribute("aria-expanded", "false");
    fold.title = "show the heatmap's and the gallery's options";
    fold.addEventListener("click", () => {
      const open = this.el.dataset.options !== "open";
      if (open) this.el.dataset.options = "open";
      else delete this.el.dataset.options;
      fold.setAttribute("aria-expanded", String(open));
      fold.textContent = open ? "options ▴" : "options ▾";
    });
    controls.prepend(fold);
    this.log.title = "log colour scale";
    this.hideDiagonal.title = "hide the diagonal (correct pixels) from the colour scale";
    this.el.append(this.stats, controls);
    this.normalize.addEventListener("change", () => events.set("normalize", this.normalize.value as Normalize));
    this.log.addEventListener("change", () => events.set("log_scale", this.log.checked));
    this.hideDiagonal.addEventListener("change", () => events.set("hide_diagonal", this.hideDiagonal.checked));
    this.order.addEventListener("change", () => events.set("order", this.order.value as Order));
    this.overlay.addEventListener("change", () => events.set("overlay", this.overlay.value as Overlay));
    this.region.addEventListener("change", () => events.set("region", this.region.value as Region));
  }

  update(
    summary: Summary | null,
    c: Controls,
    classes: ClassControlsInput | null,
    extra: HeaderExtra | null,
    offer: RegionOffer = { band: false, confident: false, objects: false },
  ): void {
    if (classes) this.classes.update(classes);
    this.stats.replaceChildren(...(extra?.stats ?? summaryItems(summary)));
    this.extra.replaceChildren(...(extra ? [extra.controls] : []));
    this.extra.hidden = !extra;
    for (const el of this.el.querySelectorAll<HTMLElement>(".sw-group > label > [data-name]")) {
      (el.parentElement as HTMLElement).hidden = extra?.hide.includes(el.dataset.name ?? "") ?? false;
    }
    // What the results have no counts for is not offered (the kernel refuses it too).
    this.pixels.hidden = !offer.band;
    const confident = this.order.querySelector<HTMLOptionElement>('option[value="confident"]') as HTMLOptionElement;
    confident.hidden = confident.disabled = !offer.confident;
    const over = this.order.querySelector<HTMLOptionElement>('option[value="overconfident"]') as HTMLOptionElement;
    over.hidden = over.disabled = !offer.calibration;
    for (const value of ["missed", "false"]) {
      const option = this.order.querySelector<HTMLOptionElement>(`option[value="${value}"]`) as HTMLOptionElement;
      option.hidden = option.disabled = !offer.objects;
    }
    for (const o of this.overlay.options) {
      const label = extra?.overlays[o.value as Overlay] ?? OVERLAY_LABELS[o.value as Overlay];
      o.textContent = label;
      o.hidden = o.disabled = label === "";
    }
    setChoice(this.normalize, c.normalize);
    this.log.checked = c.log_scale;
    this.hideDiagonal.checked = c.hide_diagonal;
    setChoice(this.order, c.order);
    setChoice(this.region, c.region);
    if (c.order === "confident") this.region.title = "the heatmap's pixels; the confident order ranks among all pixels";
    this.overlay.value = c.overlay;
  }

  /** The gallery's order now: the order select's label says when it waits for a confusion to be selected. */
  ranking(kind: RankKind): void {
    const now = NOW[kind];
    const text = this.orderLabel.firstElementChild as HTMLElement;
    text.textContent = now ? `by ${now} · a confusion by` : "by";
    this.orderLabel.title = now
      ? `the gallery shows images by ${now} now; a selected confusion's images are ordered by this`
      : "the gallery's order";
  }
}

/** A labelled group of the toolbar (heatmap, gallery, pixels, comparison). */
function group(name: string, ...items: HTMLElement[]): HTMLElement {
  const g = h("div", "sw-group");
  g.setAttribute("role", "group");
  g.setAttribute("aria-label", name);
  g.dataset.group = name;
  g.append(...items);
  return g;
}

/** A select of short option texts, each option's full text in its tooltip (and the select's, for the chosen). */
function choices(label: string, options: readonly Choice[]): HTMLSelectElement {
  const s = select(
    label,
    options.map(([value, short]) => [value, short] as const),
  );
  s.dataset.label = label;
  options.forEach(([, , full], i) => {
    s.options[i].title = full;
  });
  s.addEventListener("change", () => setChoice(s, s.value));
  return s;
}

function setChoice(s: HTMLSelectElement, value: string): void {
  s.value = value;
  s.title = `${s.dataset.label}: ${s.selectedOptions[0]?.title ?? value}`;
}

function summaryItems(s: Summary | null): HTMLElement[] {
  const stat = (label: string, value: string, title: string) => {
    const el = h("div", "sw-stat");
    el.title = title;
    el.append(h("span", "sw-stat-value", value), h("span", "sw-stat-label", label));
    return el;
  };
  const items: HTMLElement[] = [
    s?.of === undefined
      ? stat("images", fmtInt(s?.n_images ?? Number.NaN), "images analysed")
      : stat(`images of ${fmtInt(s.of)}`, fmtInt(s.n_images), "images in the slice, of the images analysed"),
    stat("mean IoU", fmtPct(s?.mean_iou), "mean over classes of the pooled per-class IoU"),
    stat("pixel accuracy", fmtPct(s?.pixel_accuracy), "correct pixels / valid pixels"),
    stat("mean loss", fmtNum(s?.mean_loss), "mean of the per-image losses"),
  ];
  const band = s?.boundary_error_share;
  if (band !== undefined && band !== null) {
    items.push(stat("of errors", `boundary: ${fmtPct(band)}`, "share of all wrong pixels in the boundary band"));
  }
  if (s?.ece !== undefined && s.ece !== null) {
    const ece = stat("ECE", fmtPct(s.ece), "expected calibration error: Σ_b n_b/n · |accuracy_b − confidence_b|");
    ece.dataset.testid = "segwidget-ece";
    ece.dataset.value = String(s.ece);
    items.push(ece);
  }
  if (s?.partial) {
    const badge = h("span", "sw-badge", "partial");
    badge.title = "the analysis pass stopped early: these numbers cover only the images analysed";
    items.push(badge);
  }
  return items;
}
