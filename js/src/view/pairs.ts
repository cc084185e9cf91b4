// Ways into the heatmap besides clicking it: the most confused pairs, and a class search for many classes.

import { type RGB, toHex } from "../data/colors";
import { fmtInt, fmtPct, h } from "../data/format";
import type { Cell } from "../data/protocol";
import type { Panel } from "./panels";

export interface PairsEvents {
  select(cell: Cell): void;
  highlight(c: number | null): void;
}

export interface ConfusedPair {
  t: number;
  p: number;
  count: number;
  /** count / pooled row total of t */
  share: number;
}

/** One entry of the list: a cell and what to say about it. */
export interface PairItem {
  t: number;
  p: number;
  stats: string;
}

/** The most confused pairs as list entries. */
export function confusedItems(pairs: readonly ConfusedPair[]): PairItem[] {
  return pairs.map((x) => ({ t: x.t, p: x.p, stats: `${fmtInt(x.count)} px · ${fmtPct(x.share)} of true` }));
}

/** Class indices whose name contains `query` (case-insensitive), names starting with it first. */
export function searchClasses(classes: readonly string[], query: string, limit = 8): number[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const hits = classes.map((name, c) => ({ c, at: name.toLowerCase().indexOf(q) })).filter((x) => x.at >= 0);
  hits.sort((a, b) => Number(a.at !== 0) - Number(b.at !== 0) || a.c - b.c);
  return hits.slice(0, limit).map((x) => x.c);
}

export class Pairs {
  readonly el = h("div", "sw-side");
  private readonly list = h("ol", "sw-pairs");
  private readonly search = h("input", "sw-search");
  private readonly matches = h("div", "sw-matches");
  private readonly title = h("div", "sw-side-title");
  private classes: string[] = [];
  private palette: RGB[] = [];
  private found: number[] = [];

  constructor(private readonly events: PairsEvents) {
    this.search.type = "search";
    this.search.placeholder = "find a class…";
    this.search.setAttribute("aria-label", "find a class");
    const find = h("div", "sw-find");
    find.append(this.search, this.matches);
    this.el.append(find, this.title, this.list);
    this.search.addEventListener("input", this.onInput);
    this.search.addEventListener("keydown", this.onKey);
  }

  update(
    classes: string[],
    palette: RGB[],
    pairs: readonly PairItem[],
    selected: Cell | null,
    title = "most confused pairs (pixels)",
  ): void {
    this.classes = classes;
    this.palette = palette;
    this.title.textContent = title;
    this.list.replaceChildren(
      ...pairs.map((pair) => {
        const on = selected !== null && selected[0] === pair.t && selected[1] === pair.p;
        const b = this.classButton([pair.t, pair.p], `${classes[pair.t]} → ${classes[pair.p]}`);
        b.append(h("span", "sw-dim sw-pair-stats", pair.stats));
        b.classList.toggle("sw-on", on);
        const li = h("li");
        li.append(b);
        return li;
      }),
    );
    if (pairs.length === 0) this.list.append(h("li", "sw-dim", "no confusion"));
    this.renderMatches();
  }

  /** This list as the panel area's first panel ("pairs"); widget.ts keeps it drawn. */
  panel(): Panel {
    return {
      id: "pairs",
      label: "pairs",
      title: "the most confused pairs, and a class search",
      mount: (el) => el.append(this.el),
    };
  }

  private classButton(cell: Cell, text: string): HTMLButtonElement {
    const b = h("button", "sw-link");
    b.type = "button";
    const swatch = h("span", "sw-swatch");
    swatch.style.background = toHex(this.palette[cell[0]] ?? [128, 128, 128]);
    b.append(swatch, h("span", "", text));
    b.title = text;
    b.addEventListener("click", () => this.events.select(cell));
    return b;
  }

  private renderMatches(): void {
    this.found = searchClasses(this.classes, this.search.value);
    this.matches.replaceChildren(...this.found.map((c) => this.classButton([c, c], this.classes[c])));
    this.matches.hidden = this.found.length === 0;
  }

  private readonly onInput = () => {
    this.renderMatches();
    this.events.highlight(this.found[0] ?? null);
  };

  private readonly onKey = (e: KeyboardEvent) => {
    if (e.key === "Enter" && this.found.length > 0) {
      e.preventDefault();
      this.events.select([this.found[0], this.found[0]]);
    } else if (e.key === "Escape" && this.search.value) {
      e.stopPropagation();
      this.search.value = "";
      this.onInput();
    }
  };
}
