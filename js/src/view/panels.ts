// The panel area: charts and lists that answer questions about the current selection (the most confused pairs,
// per-class IoU, the loss histogram, and what other features add) behind one switcher, inside the explorer's frame,
// so that they never push the gallery down. A panel is a small object (`Panel`); the area mounts it the first time
// it is shown, keeps its DOM while another is shown, and updates it when the selection, slice or ranking changes.
// Panels listed by the kernel (a bqplot figure: widget-panels.ts) replace the built-in panel of the same id.
// ARCHITECTURE.md "Adding a panel" says how to add one.

import type { RGB } from "../data/colors";
import type { Counts } from "../data/counts";
import { h } from "../data/format";
import type { Cell, Data, Model } from "../data/protocol";
import type { Ranked } from "../data/ranking";

/** What a panel is given: the model (read or set synced traits) and what the view shows now. */
export interface PanelContext {
  /** The widget's model: `set` a synced trait then `save_changes()`, as the rest of the view does. */
  model: Model;
  data: Data;
  /** The counts the heatmap shows (after the slice and the pixel region). */
  counts: Counts;
  /** The selected cell [true, pred], or null. */
  cell: Cell | null;
  /** The gallery's list, in its order. */
  ranked: Ranked;
  palette: readonly RGB[];
  theme: "light" | "dark";
  /** Whether a comparison of two models is shown. */
  comparison: boolean;
}

export interface Panel {
  /** Stable identifier: the switcher's data-panel; a kernel-listed panel of the same id replaces this one. */
  readonly id: string;
  /** The switcher's short label (one or two words). */
  readonly label: string;
  /** The switcher's tooltip: what the panel shows. */
  readonly title?: string;
  /** Whether the panel has anything to show for these results (its tab is hidden when not). Default: yes. */
  available?(ctx: PanelContext): boolean;
  /** Build the panel into `el` (called once, the first time the panel is shown). */
  mount(el: HTMLElement, ctx: PanelContext): void | Promise<void>;
  /** The selection, slice, ranking or results changed (called while the panel is shown, and when it is shown
   * again after changes it missed). */
  update?(ctx: PanelContext): void;
  /** The panel leaves the area (replaced, or the widget closes). */
  destroy?(): void;
}

interface Slot {
  panel: Panel;
  tab: HTMLButtonElement;
  body: HTMLDivElement;
  mounted: boolean;
  /** The context the panel last saw (null: never updated). */
  seen: PanelContext | null;
}

export class PanelArea {
  readonly el = h("section", "sw-panelarea");
  private readonly tabs = h("div", "sw-panel-tabs");
  private readonly bodies = h("div", "sw-panelarea-body");
  private slots: Slot[] = [];
  private active = "";
  private ctx: PanelContext | null = null;

  constructor() {
    this.el.dataset.testid = "segwidget-panelarea";
    this.el.setAttribute("aria-label", "panels");
    this.tabs.setAttribute("role", "tablist");
    this.tabs.setAttribute("aria-label", "panels");
    // The body scrolls a tall panel (a chart, a long table): a Tab stop lets the keyboard scroll it too.
    this.bodies.tabIndex = 0;
    this.bodies.setAttribute("role", "group");
    this.bodies.setAttribute("aria-label", "panel content");
    this.el.append(this.tabs, this.bodies);
  }

  /** The panels offered, in switcher order (panels no longer listed are destroyed; kept ones keep their DOM). */
  setPanels(panels: readonly Panel[]): void {
    const old = new Map(this.slots.map((s) => [s.panel, s]));
    this.slots = panels.map((panel) => old.get(panel) ?? this.slot(panel));
    for (const [panel, slot] of old) if (!this.slots.includes(slot)) this.drop(panel, slot);
    this.tabs.replaceChildren(...this.slots.map((s) => s.tab));
    this.bodies.replaceChildren(...this.slots.map((s) => s.body));
    if (this.ctx) this.update(this.ctx);
  }

  /** The id of the panel shown. */
  get shown(): string {
    return this.active;
  }

  /** Show panel `id` (opening the area where it is collapsed). */
  show(id: string): void {
    if (!this.slots.some((s) => s.panel.id === id)) return;
    this.active = id;
    this.el.dataset.open = "true";
    if (this.ctx) this.update(this.ctx);
  }

  /** New state: tabs follow availability; the shown panel is mounted if needed and updated. */
  update(ctx: PanelContext): void {
    this.ctx = ctx;
    const offered = this.slots.filter((s) => s.panel.available?.(ctx) ?? true);
    for (const s of this.slots) s.tab.hidden = !offered.includes(s);
    this.el.hidden = offered.length === 0;
    if (!offered.some((s) => s.panel.id === this.active)) this.active = offered[0]?.panel.id ?? "";
    this.el.dataset.panel = this.active;
    for (const s of this.slots) {
      const on = s.panel.id === this.active;
      s.tab.setAttribute("aria-selected", String(on));
      s.tab.tabIndex = on ? 0 : -1;
      s.body.hidden = !on;
      if (on) this.refresh(s, ctx);
    }
  }

  private refresh(s: Slot, ctx: PanelContext): void {
    if (!s.mounted) {
      s.mounted = true;
      // A panel that fails to build says so in its place; the rest of the view goes on.
      Promise.resolve(s.panel.mount(s.body, ctx)).catch((e: unknown) => {
        s.body.replaceChildren(h("div", "sw-error", `${s.panel.label}: ${e instanceof Error ? e.message : e}`));
      });
    } else if (s.seen !== ctx) s.panel.update?.(ctx);
    s.seen = ctx;
  }

  private slot(panel: Panel): Slot {
    const tab = h("button", "sw-panel-tab", panel.label);
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.dataset.testid = "segwidget-panel-tab";
    tab.dataset.panel = panel.id;
    tab.title = panel.title ?? panel.label;
    const body = h("div", "sw-panelarea-panel");
    body.setAttribute("role", "tabpanel");
    body.dataset.panel = panel.id;
    body.setAttribute("aria-label", panel.label);
    tab.addEventListener("click", () => {
      // The shown tab again folds the area where it is folded (a narrow frame); another tab shows its panel.
      if (panel.id === this.active && this.el.dataset.open === "true") delete this.el.dataset.open;
      else this.show(panel.id);
    });
    tab.addEventListener("keydown", (e) => this.onKey(e, panel.id));
    return { panel, tab, body, mounted: false, seen: null };
  }

  /** Arrows move between the tabs (one Tab stop for the switcher). */
  private onKey(e: KeyboardEvent, id: string): void {
    const offered = this.slots.filter((s) => !s.tab.hidden);
    const at = offered.findIndex((s) => s.panel.id === id);
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (step === undefined || at < 0) return;
    e.preventDefault();
    e.stopPropagation();
    const next = offered[(at + step + offered.length) % offered.length];
    this.show(next.panel.id);
    next.tab.focus();
  }

  private drop(panel: Panel, slot: Slot): void {
    if (slot.mounted) panel.destroy?.();
    slot.tab.remove();
    slot.body.remove();
  }

  destroy(): void {
    for (const s of this.slots) if (s.mounted) s.panel.destroy?.();
    this.slots = [];
  }
}
