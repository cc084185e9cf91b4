// Summary numbers and the controls of the view; every control mirrors one synced trait, named by its
// data-name (the DOM contract), and shows the trait's value.

import { fmtInt, fmtNum, fmtPct, h, labelled, select } from "../data/format";
import type { Controls, Normalize, Order, Overlay, Summary } from "../data/protocol";
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

export class Header {
  readonly el = h("header", "sw-header");
  private readonly stats = h("div", "sw-stats");
  private readonly normalize = select("heatmap normalisation", [
    ["true", "share of true (row)"],
    ["pred", "share of predicted (column)"],
    ["none", "pixel counts"],
    ["mean", "per-image mean (fastai)"],
  ]);
  private readonly log = h("input");
  private readonly hideDiagonal = h("input");
  private readonly order = select("gallery order for a selected confusion", [
    ["share", "share of the true class"],
    ["pixels", "pixel count"],
    ["confident", "confident disagreements (possible label errors)"],
    ["missed", "missed objects"],
    ["false", "false objects"],
  ]);
  private readonly region = select("pixels counted by the heatmap and the gallery", [
    ["all", "all pixels"],
    ["interior", "interior only"],
    ["boundary", "boundary only"],
  ]);
  private readonly overlay = select("thumbnail overlay", Object.entries(OVERLAY_LABELS));
  private readonly extra = h("span");
  private readonly classes: ClassControls;

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
    const controls = h("div", "sw-controls");
    controls.append(
      labelled("colour", this.normalize),
      labelled("log scale", this.log),
      labelled("hide diagonal", this.hideDiagonal),
      this.classes.el,
      labelled("gallery order", this.order),
      labelled("pixels", this.region),
      labelled("overlay", this.overlay),
      this.extra,
    );
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
    for (const el of this.el.querySelectorAll<HTMLElement>(".sw-controls > label > [data-name]")) {
      (el.parentElement as HTMLElement).hidden = extra?.hide.includes(el.dataset.name ?? "") ?? false;
    }
    // What the results have no counts for is not offered (the kernel refuses it too).
    if (!offer.band) (this.region.parentElement as HTMLElement).hidden = true;
    const confident = this.order.querySelector<HTMLOptionElement>('option[value="confident"]') as HTMLOptionElement;
    confident.hidden = confident.disabled = !offer.confident;
    for (const value of ["missed", "false"]) {
      const option = this.order.querySelector<HTMLOptionElement>(`option[value="${value}"]`) as HTMLOptionElement;
      option.hidden = option.disabled = !offer.objects;
    }
    for (const o of this.overlay.options) {
      const label = extra?.overlays[o.value as Overlay] ?? OVERLAY_LABELS[o.value as Overlay];
      o.textContent = label;
      o.hidden = o.disabled = label === "";
    }
    this.normalize.value = c.normalize;
    this.log.checked = c.log_scale;
    this.hideDiagonal.checked = c.hide_diagonal;
    this.order.value = c.order;
    this.region.value = c.region;
    this.region.title =
      c.order === "confident"
        ? "the heatmap's pixels; the confident order ranks among all pixels"
        : "pixels counted by the heatmap and the gallery";
    this.overlay.value = c.overlay;
  }
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
  if (s?.partial) {
    const badge = h("span", "sw-badge", "partial");
    badge.title = "the analysis pass stopped early: these numbers cover only the images analysed";
    items.push(badge);
  }
  return items;
}
