// The objects in the explorer: the gallery's "missed objects" and "false objects" orders under the slice and the
// objects chart's size bin, their captions, and the objects chart (a panel: per class, recall of small, medium and
// large truth objects; a bar selects its class, the "missed" order and its size bin). Python: view/objects.py.

import type { Counts } from "../data/counts";
import { fmtInt, fmtPct, h } from "../data/format";
import {
  COCO_EDGES,
  type ObjectOrder,
  type Objects,
  objectTable,
  rankObjects,
  readObjects,
  SIZE_LABELS,
} from "../data/objects";
import type { Cell, LossRange, Model, Order } from "../data/protocol";
import { filterByLoss, type Ranked } from "../data/ranking";
import { readControls } from "../data/traits";
import { galleryTitle } from "./gallery";
import type { Panel, PanelContext } from "./panels";
import type { RegionOffer } from "./regionview";

const isObjectOrder = (order: Order): order is ObjectOrder => order === "missed" || order === "false";

export class ObjectView {
  private read: { truth: unknown; false: unknown; objects: Objects | null } | null = null;

  constructor(private readonly model: Model) {}

  /** The records (re-read when the kernel sends new ones); null without objects. */
  objects(): Objects | null {
    const truth = this.model.get("objects_truth");
    const false_ = this.model.get("objects_false");
    if (this.read === null || this.read.truth !== truth || this.read.false !== false_) {
      this.read = { truth, false: false_, objects: readObjects(this.model) };
    }
    return this.read.objects;
  }

  /** The chart's size bin, kept by the "missed" order of a selected class. */
  size(): number | null {
    const size = this.model.get("object_size");
    return Number.isInteger(size) && (size as number) >= 0 && (size as number) < 3 ? (size as number) : null;
  }

  /** The gallery's list for the objects' orders (null for the others): view/objects.py object_ranking. */
  rank(cell: Cell | null, range: LossRange | null, counts: Counts): Ranked | null {
    const { order } = readControls(this.model);
    const [member, losses] = [counts.member ?? null, counts.losses];
    const objects = this.objects();
    if (!isObjectOrder(order) || objects === null) return null;
    const [t, p] = cell ?? [null, null];
    const size = order === "missed" && t !== null ? this.size() : null;
    const ranked = rankObjects(objects, losses.length, order, t, p, member, size);
    return range === null ? ranked : filterByLoss(ranked, losses, range);
  }

  /** What the header offers: the objects' orders when there are objects (never in a comparison). */
  offer(offer: RegionOffer, comparison: boolean): RegionOffer {
    return { ...offer, objects: !comparison && this.objects() !== null };
  }

  /** The gallery's caption: for the objects' orders, what is counted and how many in how many images. */
  title(classes: readonly string[], cell: Cell | null, order: Order, ranked: Ranked, range: LossRange | null): string {
    if (!isObjectOrder(order)) return galleryTitle(classes, cell, order, range);
    let total = 0;
    for (const s of ranked.scores) total += s;
    const what = order === "missed" ? "missed objects" : "false objects";
    const size = order === "missed" && cell !== null ? this.size() : null;
    const sized = size === null ? "" : ` (${SIZE_LABELS.coco[size]}, ${sizeRange(size)})`;
    let of = "";
    if (cell !== null) {
      const [t, p] = cell;
      if (order === "missed") of = t === p ? ` of ${classes[t]}` : ` of ${classes[t]} confused with ${classes[p]}`;
      else of = t === p ? ` predicted ${classes[p]}` : ` predicted ${classes[p]} that are ${classes[t]}`;
    }
    return `${fmtInt(total)} ${what}${of}${sized} in ${fmtInt(ranked.indices.length)} images, most first`;
  }
}

function sizeRange(size: number): string {
  const [lo, hi] = [COCO_EDGES[size], COCO_EDGES[size + 1]];
  return hi === Number.POSITIVE_INFINITY
    ? `≥ ${fmtInt(lo)} px`
    : lo === 0
      ? `< ${fmtInt(hi)} px`
      : `${fmtInt(lo)}–${fmtInt(hi)} px`;
}

/** The objects chart: per class with truth objects, one bar per COCO size bin, its length the object recall. */
export function objectsPanel(view: ObjectView): Panel {
  let list: HTMLElement | null = null;
  const draw = (ctx: PanelContext) => {
    const objects = view.objects();
    if (list === null || objects === null) return;
    const { C, classes } = ctx.data;
    const table = objectTable(objects, C, "coco", ctx.counts.member ?? null);
    const chosen = ctx.cell !== null && ctx.cell[0] === ctx.cell[1] && ctx.model.get("order") === "missed";
    const rows: HTMLElement[] = [];
    for (let c = 0; c < C; c++) {
      const total = table.objects.subarray(c * 3, c * 3 + 3).reduce((a, b) => a + b, 0);
      if (total === 0) continue;
      const row = h("div", "sw-objects-row");
      row.append(h("span", "sw-objects-class", classes[c]));
      for (let b = 0; b < 3; b++) {
        const n = table.objects[c * 3 + b];
        const found = n - table.missed[c * 3 + b];
        const bar = h("button", "sw-objects-bar");
        bar.type = "button";
        bar.dataset.testid = "segwidget-object-bar";
        bar.dataset.class = String(c);
        bar.dataset.size = String(b);
        bar.dataset.objects = String(n);
        bar.dataset.missed = String(n - found);
        bar.disabled = n === 0;
        const pressed = chosen && ctx.cell?.[0] === c && view.size() === b;
        bar.setAttribute("aria-pressed", String(pressed));
        const label = `${classes[c]}, ${SIZE_LABELS.coco[b]} objects (${sizeRange(b)})`;
        const said = n === 0 ? "none" : `${fmtPct(found / n)} found, ${fmtInt(n - found)} of ${fmtInt(n)} missed`;
        bar.title = `${label}: ${said}`;
        bar.setAttribute("aria-label", `${label}: ${said}`);
        const fill = h("span", "sw-objects-fill");
        fill.style.width = n === 0 ? "0%" : `${(100 * found) / n}%`;
        bar.append(fill, h("span", "sw-objects-text", n === 0 ? "–" : `${fmtInt(n - found)}/${fmtInt(n)}`));
        bar.addEventListener("click", () => {
          ctx.model.set("selected_cell", [c, c]);
          ctx.model.set("order", "missed");
          ctx.model.set("object_size", b);
          ctx.model.save_changes();
        });
        row.append(bar);
      }
      rows.push(row);
    }
    const head = h("div", "sw-objects-row sw-objects-head");
    head.append(
      h("span", "sw-objects-class", "class"),
      ...SIZE_LABELS.coco.map((s) => h("span", "sw-objects-size", s)),
    );
    list.replaceChildren(head, ...rows);
  };
  return {
    id: "objects",
    label: "objects",
    title: "per class: the share of small, medium and large truth objects found (bar) and missed/all (text)",
    available: (ctx) => !ctx.comparison && view.objects() !== null,
    mount(el, ctx) {
      list = h("div", "sw-objects");
      list.dataset.testid = "segwidget-objects-chart";
      el.append(list);
      draw(ctx);
    },
    update: draw,
  };
}
