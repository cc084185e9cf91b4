// The heatmap's class controls: which classes are shown (all, the K most confused, or a custom list), their
// order, hiding absent classes, and zoom. Each sets one synced trait; its shown state is derived from the trait.

import { absentClasses, type ClassOrder, focusClasses, orderClasses, orderOf } from "../data/classview";
import { h, labelled, select } from "../data/format";

export interface ClassControlsInput {
  C: number;
  pooled: Float64Array;
  /** The synced visible_classes: the shown classes in order, empty = all. */
  visible: readonly number[];
  zoom: number;
}

export interface ClassControlsEvents {
  visible(classes: number[]): void;
  zoom(value: number): void;
}

/** The focus sizes offered (those below C). */
export const FOCUS_SIZES = [10, 20, 30, 50, 80];
export const ZOOMS = [1, 2, 4, 8];

export class ClassControls {
  readonly el = h("span", "sw-class-controls");
  private readonly shown = select("classes shown as rows and columns", []);
  private readonly order = select("row and column order", [
    ["index", "index"],
    ["iou", "worst IoU"],
    ["grouped", "grouped"],
    ["custom", "custom"],
  ]);
  private readonly hideAbsent = h("input");
  private readonly zoom = select(
    "heatmap zoom (drag or scroll the heatmap to pan)",
    ZOOMS.map((z) => [String(z), z === 1 ? "fit" : `${z}×`] as const),
  );
  private readonly shownLabel: HTMLLabelElement;
  private readonly absentLabel: HTMLLabelElement;
  private readonly zoomLabel: HTMLLabelElement;
  private input: ClassControlsInput | null = null;
  /** focusClasses for each offered size, for the current matrix (cheap redraws on other changes). */
  private focusSets = new Map<number, number[]>();

  constructor(events: ClassControlsEvents) {
    this.hideAbsent.type = "checkbox";
    this.hideAbsent.title = "hide classes absent from both truth and prediction";
    for (const [control, action] of [
      [this.shown, "focus"],
      [this.order, "order"],
      [this.hideAbsent, "hide-absent"],
    ] as const) {
      control.dataset.testid = "segwidget-control";
      control.dataset.name = "visible_classes";
      control.dataset.action = action;
    }
    this.zoom.dataset.testid = "segwidget-control";
    this.zoom.dataset.name = "zoom";
    const titles = ["classes in index order", "classes by IoU, worst first", "classes grouped by confusion", ""];
    titles.forEach((title, i) => {
      this.order.options[i].title = title || "a custom order (set visible_classes)";
    });
    this.shownLabel = labelled("classes", this.shown);
    this.absentLabel = labelled("hide absent", this.hideAbsent);
    this.zoomLabel = labelled("zoom", this.zoom);
    this.el.append(this.shownLabel, labelled("class order", this.order), this.absentLabel, this.zoomLabel);
    this.shown.addEventListener("change", () => {
      const input = this.input;
      if (!input) return;
      const k = Number(this.shown.value);
      if (this.shown.value === "all") events.visible([]);
      else if (Number.isInteger(k)) events.visible(this.focus(k));
    });
    this.order.addEventListener("change", () => {
      const input = this.input;
      if (!input || this.order.value === "custom") return;
      events.visible(orderClasses(this.current(), input.pooled, input.C, this.order.value as ClassOrder));
    });
    this.hideAbsent.addEventListener("change", () => {
      const input = this.input;
      if (!input) return;
      const absent = absentClasses(input.pooled, input.C);
      const current = this.current();
      // Unchecking brings the absent classes back, at the end of the list.
      events.visible(
        this.hideAbsent.checked
          ? current.filter((c) => !absent.has(c))
          : [...current, ...[...absent].filter((c) => !current.includes(c)).sort((a, b) => a - b)],
      );
    });
    this.zoom.addEventListener("change", () => events.zoom(Number(this.zoom.value)));
  }

  /** The shown classes in order (all, in index order, when the trait is empty). */
  private current(): number[] {
    const input = this.input;
    if (!input) return [];
    return input.visible.length > 0 ? [...input.visible] : Array.from({ length: input.C }, (_, c) => c);
  }

  private focus(k: number): number[] {
    const input = this.input as ClassControlsInput;
    let found = this.focusSets.get(k);
    if (!found) {
      found = focusClasses(input.pooled, input.C, k);
      this.focusSets.set(k, found);
    }
    return found;
  }

  update(input: ClassControlsInput): void {
    const old = this.input;
    this.input = input;
    this.zoom.value = String(ZOOMS.includes(input.zoom) ? input.zoom : 1);
    this.zoomLabel.hidden = FOCUS_SIZES.every((k) => k >= input.C) && this.zoom.value === "1";
    if (old && old.pooled === input.pooled && old.visible === input.visible) return; // nothing else moved
    if (old?.pooled !== input.pooled) this.focusSets.clear();
    const { C, pooled } = input;
    const current = this.current();
    const sizes = FOCUS_SIZES.filter((k) => k < C);
    const chosen = new Set(current);
    const sameSet = (list: number[]) => list.length === chosen.size && list.every((c) => chosen.has(c));
    // the offered sizes, and the current list's own size when it is a focus (the automatic one is)
    const offered = sameSet(this.focus(current.length)) && current.length < C ? [...sizes, current.length] : sizes;
    const focused = offered.find((k) => sameSet(this.focus(k)));
    const options: [string, string][] = [["all", `all ${C} classes`]];
    for (const k of [...new Set(offered)].sort((a, b) => a - b)) options.push([String(k), `${k} most confused`]);
    const value = input.visible.length === 0 ? "all" : focused !== undefined ? String(focused) : "custom";
    if (value === "custom") options.push(["custom", `${current.length} chosen`]);
    this.shown.replaceChildren(
      ...options.map(([v, text]) => {
        const o = h("option", "", text);
        o.value = v;
        return o;
      }),
    );
    this.shown.value = value;
    this.order.value = orderOf(current, pooled, C);
    const absent = absentClasses(pooled, C);
    this.hideAbsent.checked = absent.size > 0 && current.every((c) => !absent.has(c));
    this.hideAbsent.disabled = absent.size === 0;
    // What can do nothing is not shown: no focus to offer, no absent class to hide, a matrix that fits whole.
    this.shownLabel.hidden = sizes.length === 0 && value === "all";
    this.absentLabel.hidden = absent.size === 0 && !this.hideAbsent.checked;
  }
}
