// The filter bar: one group per image column (text and boolean columns as chips, any number of values allowed;
// numeric columns as brushable histograms), one chip per tag, and every other condition of the slice as a chip
// that removes it. Conditions combine with AND. Each control sets the synced `slice` trait (data-name="slice");
// its shown state is derived from the trait. Values, column and tag names are user text: textContent only.

import { fmtInt, fmtNum, h } from "../data/format";
import { type Column, type Condition, type SliceSpec, TAG, type Tags } from "../data/slices";
import { type Binned, binValues, Histogram } from "./histogram";

/** A text column shows at most this many value chips (its most frequent, and every chosen one). */
export const MAX_CHIPS = 24;

export interface FilterInput {
  columns: readonly Column[];
  spec: SliceSpec;
  tags: Tags;
  /** The slice's images (null: no slice), for the histograms' "in the slice" bars. */
  member: Uint8Array | null;
  N: number;
}

export interface FilterEvents {
  set(spec: SliceSpec): void;
}

interface ColumnView {
  column: Column;
  /** Per category, its number of images (text and booleans). */
  counts: number[];
  binned: Binned | null;
  histogram: Histogram | null;
}

export class FilterBar {
  readonly el = h("section", "sw-filters");
  private readonly summary = h("span", "sw-dim");
  private readonly clear = h("button", "sw-link", "clear slice");
  private readonly toggle = h("button", "sw-button sw-filters-toggle");
  /** The slice's conditions as chips that remove them, in the toolbar whether the filters are open or not. */
  private readonly active = h("span", "sw-filters-active");
  private readonly groups = h("div", "sw-filter-groups");
  private views: ColumnView[] = [];
  private columns: readonly Column[] | null = null;
  private input: FilterInput | null = null;
  /** Closed by default: the filters open over the view (frame.css), never pushing it down. */
  private open = false;

  constructor(private readonly events: FilterEvents) {
    this.el.dataset.testid = "segwidget-filters";
    this.clear.type = this.toggle.type = "button";
    this.toggle.dataset.testid = "segwidget-control";
    this.toggle.dataset.name = "slice";
    this.toggle.dataset.action = "filters";
    this.clear.dataset.testid = "segwidget-control";
    this.clear.dataset.name = "slice";
    this.clear.dataset.action = "clear";
    this.clear.addEventListener("click", () => events.set({}));
    this.toggle.addEventListener("click", () => {
      this.open = !this.open;
      if (this.input) this.update(this.input);
    });
    const head = h("div", "sw-filters-head");
    head.append(this.toggle, this.summary, this.active, this.clear);
    // Open, they lie over the view: a press anywhere else closes them.
    document.addEventListener("pointerdown", this.onOutside, true);
    this.el.addEventListener("keydown", (e) => {
      if (e.key !== "Escape" || !this.open) return;
      e.stopPropagation(); // Escape closes the filters first (then the detail, then the selection)
      this.open = false;
      if (this.input) this.update(this.input);
      this.toggle.focus();
    });
    this.el.append(head, this.groups);
  }

  update(input: FilterInput): void {
    this.input = input;
    if (input.columns !== this.columns) this.rebuild(input.columns, input.N);
    const conditions = Object.keys(input.spec).length;
    const tagNames = Object.keys(input.tags);
    this.el.hidden = this.views.length === 0 && tagNames.length === 0 && conditions === 0;
    const shown = input.member ? input.member.reduce((a, b) => a + b, 0) : input.N;
    this.summary.textContent = conditions ? `${fmtInt(shown)} of ${fmtInt(input.N)} images` : "";
    this.summary.title = describeSlice(input.spec);
    this.active.replaceChildren(...Object.keys(input.spec).map((name) => this.conditionChip(name, input.spec)));
    this.clear.hidden = conditions === 0;
    this.toggle.textContent = `filters (${fmtInt(this.views.length + (tagNames.length ? 1 : 0))}) ${this.open ? "▴" : "▾"}`;
    this.toggle.title = this.open ? "close the filters (Esc)" : "filter the images by their metadata and tags";
    this.toggle.setAttribute("aria-expanded", String(this.open));
    this.groups.hidden = !this.open;
    if (!this.open) return;
    const used = new Set<string>();
    const groups: HTMLElement[] = [];
    for (const view of this.views) {
      const group = this.columnGroup(view, input);
      if (group) {
        groups.push(group);
        used.add(view.column.name);
      }
    }
    if (tagNames.length) groups.push(this.tagGroup(input));
    for (const name of tagNames) used.add(TAG + name);
    const others = Object.keys(input.spec).filter(
      (name) => !used.has(name) || (name.startsWith(TAG) && !isTagged(input.spec[name])),
    );
    if (others.length) groups.push(this.otherGroup(others, input.spec));
    this.groups.replaceChildren(...groups);
  }

  private rebuild(columns: readonly Column[], N: number): void {
    for (const view of this.views) view.histogram?.destroy();
    this.columns = columns;
    this.views = columns.map((column) => {
      const counts = new Array(column.categories.length).fill(0);
      if (column.codes) for (let n = 0; n < N; n++) counts[column.codes[n]]++;
      const binned = column.values ? binValues(column.values) : null;
      const histogram = binned
        ? new Histogram(column.name, { range: (lo, hi) => this.setCondition(column.name, { lo, hi }) })
        : null;
      return { column, counts, binned, histogram };
    });
  }

  /** The group of a column, or null when it has nothing to choose (one value) and no condition. */
  private columnGroup(view: ColumnView, input: FilterInput): HTMLElement | null {
    const { column } = view;
    const condition = input.spec[column.name];
    const group = h("div", "sw-filter");
    group.dataset.column = column.name;
    group.dataset.kind = column.kind;
    const title = h("span", "sw-filter-name", column.name);
    group.append(title);
    if (column.values) {
      if (!view.binned || !view.histogram || (condition && "values" in condition)) return null;
      const range = condition && !("values" in condition) ? condition : null;
      view.histogram.update({ binned: view.binned, inSlice: inSliceCounts(view.binned, input.member), range });
      group.append(view.histogram.el);
      const label = h("span", "sw-dim sw-range", range ? rangeText(range) : "any");
      group.append(label);
      if (range) group.append(this.removeButton(column.name));
      if (view.binned.nan) label.title = `${fmtInt(view.binned.nan)} images have no value (in no range)`;
      return group;
    }
    const chosen = condition && "values" in condition ? condition.values : null;
    const order = view.counts.map((_, k) => k).sort((a, b) => view.counts[b] - view.counts[a] || a - b);
    const categoryValue = (k: number) => (column.kind === "bool" ? k === 1 : column.categories[k]);
    const isChosen = (k: number) => chosen?.includes(categoryValue(k)) ?? false;
    const shown = order.filter((k, at) => at < MAX_CHIPS || isChosen(k));
    if (shown.length < 2 && !chosen) return null;
    for (const k of shown) {
      const chip = this.chip(column.categories[k], view.counts[k], isChosen(k));
      chip.dataset.column = column.name;
      chip.dataset.value = column.categories[k];
      chip.addEventListener("click", () => this.toggleValue(column.name, categoryValue(k)));
      group.append(chip);
    }
    if (shown.length < order.length) {
      group.append(h("span", "sw-dim", `+${fmtInt(order.length - shown.length)} more (set explorer.slice)`));
    }
    return group;
  }

  private tagGroup(input: FilterInput): HTMLElement {
    const group = h("div", "sw-filter");
    group.dataset.column = "tags";
    group.append(h("span", "sw-filter-name", "tags"));
    for (const [name, members] of Object.entries(input.tags)) {
      const on = isTagged(input.spec[TAG + name]);
      const chip = this.chip(name, members.length, on);
      chip.dataset.column = TAG + name;
      chip.dataset.value = "true";
      chip.addEventListener("click", () => this.setCondition(TAG + name, on ? null : { values: [true] }));
      group.append(chip);
    }
    return group;
  }

  /** A condition of the slice as a chip that removes it. */
  private conditionChip(name: string, spec: SliceSpec): HTMLButtonElement {
    const text = `${name.startsWith(TAG) ? `tag ${name.slice(TAG.length)}` : name} ${conditionText(spec[name])}`;
    const chip = this.chip(`${text} ×`, null, true);
    chip.classList.add("sw-condition");
    chip.dataset.condition = name; // not data-column: the filters' own chips are those
    chip.dataset.action = "remove";
    chip.title = `${text}: click to remove this condition`;
    chip.addEventListener("click", () => this.setCondition(name, null));
    return chip;
  }

  /** Conditions with no control of their own (set from Python: object sizes, a constant column...). */
  private otherGroup(names: string[], spec: SliceSpec): HTMLElement {
    const group = h("div", "sw-filter");
    group.dataset.column = "other";
    group.append(h("span", "sw-filter-name", "also"));
    for (const name of names) {
      const chip = this.chip(`${name} ${conditionText(spec[name])}`, null, true);
      chip.dataset.column = name;
      chip.title = `remove the condition on ${name}`;
      chip.addEventListener("click", () => this.setCondition(name, null));
      group.append(chip);
    }
    return group;
  }

  private chip(text: string, count: number | null, on: boolean): HTMLButtonElement {
    const chip = h("button", "sw-chip");
    chip.type = "button";
    chip.dataset.testid = "segwidget-control";
    chip.dataset.name = "slice";
    chip.setAttribute("aria-pressed", String(on));
    chip.append(h("span", "", text));
    if (count !== null) {
      chip.append(h("span", "sw-dim", fmtInt(count)));
      chip.title = `${text}: ${fmtInt(count)} images`;
    }
    return chip;
  }

  private removeButton(name: string): HTMLButtonElement {
    const b = h("button", "sw-link", "×");
    b.type = "button";
    b.title = `remove the condition on ${name}`;
    b.dataset.action = "remove";
    b.addEventListener("click", () => this.setCondition(name, null));
    return b;
  }

  private toggleValue(name: string, value: string | boolean): void {
    const current = this.input?.spec[name];
    const values = current && "values" in current ? [...current.values] : [];
    const at = values.indexOf(value);
    if (at >= 0) values.splice(at, 1);
    else values.push(value);
    this.setCondition(name, values.length ? { values } : null);
  }

  private setCondition(name: string, condition: Condition | null): void {
    const spec = { ...(this.input?.spec ?? {}) };
    if (condition) spec[name] = condition;
    else delete spec[name];
    this.events.set(spec);
  }

  private readonly onOutside = (e: Event) => {
    if (!this.open || this.el.contains(e.target as Node)) return;
    this.open = false;
    if (this.input) this.update(this.input);
  };

  destroy(): void {
    document.removeEventListener("pointerdown", this.onOutside, true);
    for (const view of this.views) view.histogram?.destroy();
  }
}

/** The condition a tag chip shows ("tagged"); others on a tag ("not tagged", from Python) are listed apart. */
function isTagged(c: Condition | undefined): boolean {
  return c !== undefined && "values" in c && c.values.length === 1 && c.values[0] === true;
}

function inSliceCounts(binned: Binned, member: Uint8Array | null): number[] {
  if (!member) return binned.count;
  const out = new Array(binned.count.length).fill(0);
  binned.bin.forEach((b, n) => {
    if (b >= 0 && member[n]) out[b]++;
  });
  return out;
}

/** A bound in at most 4 significant digits, without trailing zeros ("0.4", "12", "1.23e+6"). */
function bound(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? fmtNum(v) : String(Number(v.toPrecision(4)));
}

function rangeText({ lo, hi }: { lo: number | null; hi: number | null }): string {
  return `[${lo === null ? "–∞" : bound(lo)}, ${hi === null ? "∞" : bound(hi)}]`;
}

function conditionText(c: Condition): string {
  return "values" in c ? `= ${c.values.map(String).join(" or ") || "(none)"}` : `in ${rangeText(c)}`;
}

/** The slice in words, e.g. "kerb = false · horizon in [0.4, 0.45]". */
export function describeSlice(spec: SliceSpec): string {
  return Object.entries(spec)
    .map(([name, c]) => `${name} ${conditionText(c)}`)
    .join(" · ");
}
