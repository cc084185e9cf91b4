// What a screen reader hears: a polite live region inside the explorer that reads what the keyboard just moved to
// (the heatmap's focus cell), since a canvas cell has no element of its own to be read.

import { cellValues } from "../data/colors";
import type { Counts } from "../data/counts";
import { fmtInt, fmtPct, h } from "../data/format";
import type { Cell } from "../data/protocol";
import { imagesWithCell } from "../data/ranking";

export class LiveRegion {
  readonly el = h("div", "sw-live");

  /** `root` carries the heatmap's focus cell (data-focus-true / -pred, the DOM contract). */
  constructor(private readonly root: HTMLElement) {
    this.el.dataset.testid = "segwidget-live";
    this.el.setAttribute("role", "status");
    this.el.setAttribute("aria-live", "polite");
    this.el.setAttribute("aria-atomic", "true");
  }

  /** The heatmap's keyboard focus moved to `cell`: mark it on the root and read `text`. */
  focusCell([t, p]: Cell, text: string): void {
    this.root.dataset.focusTrue = String(t);
    this.root.dataset.focusPred = String(p);
    this.say(text);
  }

  /** Read `text` (repeating the same text is read again: the node is replaced, not left equal). */
  say(text: string): void {
    this.el.replaceChildren(h("span", "", text));
  }
}

/** A cell in one sentence, e.g. "sidewalk → road: 13.9% of true sidewalk, 27,229 px, 157 images". */
export function cellSentence(classes: readonly string[], k: Counts, t: number, p: number): string {
  const values = cellValues(k.pooled, k.meanCm, k.C, t, p);
  const images = imagesWithCell(k, t * k.C + p);
  const pair = t === p ? `${classes[t]} (correct)` : `${classes[t]} → ${classes[p]}`;
  const imgs = `${fmtInt(images)} image${images === 1 ? "" : "s"}`;
  return `${pair}: ${fmtPct(values.true)} of true ${classes[t]}, ${fmtInt(values.none)} px, ${imgs}`;
}
