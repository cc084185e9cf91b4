// The virtualised gallery: only the visible rows of the ranked list exist in the DOM; their thumbnails are
// fetched on demand and coloured in the browser.

import type { RGB } from "../data/colors";
import { fmtInt, fmtNum, fmtScore, h } from "../data/format";
import type { Cell, LossRange, Order, Overlay } from "../data/protocol";
import type { Ranked, RankKind } from "../data/ranking";
import { layerOf, paint } from "./paint";
import { MAX_PER_MESSAGE, type ThumbStore } from "./thumbs";
import {
  columnsToFit,
  type GridGeometry,
  moveInGrid,
  revealScrollTop,
  tilePosition,
  totalHeight,
  visibleRange,
} from "./virtual";

export interface GalleryInput {
  ranked: Ranked;
  kind: RankKind;
  losses: Float64Array;
  overlay: Overlay;
  cell: Cell | null;
  palette: RGB[];
  opacity: number;
  /** What the list shows, e.g. "true road predicted sidewalk, by share of true pixels". */
  title: string;
  /** Whether a loss range filters the list (offers to clear it). */
  filtered: boolean;
  /** A caption's two lines for a rank, when not index, score and loss (a comparison's shows both models). */
  caption?: (rank: number) => readonly [string, string];
  /** Picked thumbnails and each image's tags (shown as badges). */
  marks?: Marks;
  /** The image open in the detail view (marked `aria-current`). */
  open?: number | null;
}

export interface Marks {
  picked: ReadonlySet<number>;
  tags: ReadonlyMap<number, readonly string[]>;
}

export interface GalleryEvents {
  open(index: number): void;
  clearFilter(): void;
  /** A thumbnail modifier-clicked (or Space on the cursor): pick it for tagging, or unpick it. */
  pick?(index: number): void;
}

/** Tag badges shown on a thumbnail; more are counted. */
const BADGES = 3;

const MIN_TILE = 132;
/** Tiles shrink to this side (CSS px) at least, so that a row fits a short gallery (a narrow frame). */
const SMALLEST_TILE = 72;
const GAP = 8;
const CAPTION = 34;

/**
 * Thumbnails fetched ahead of the viewport in the scroll direction (data only: no DOM): two full messages,
 * so that a request a visible tile waits for is rarely short of 32.
 */
const PREFETCH = 2 * MAX_PER_MESSAGE;

interface Tile {
  el: HTMLDivElement;
  canvas: HTMLCanvasElement;
  head: HTMLDivElement;
  loss: HTMLDivElement;
  badges: HTMLDivElement;
  index: number;
  /** What its canvas shows (thumbnail object and look), so that a tile re-attached to the same image skips the paint. */
  painted: string;
  thumb: unknown;
  pal: unknown;
}

export class Gallery {
  readonly el = h("section", "sw-gallery");
  private readonly heading = h("div", "sw-gallery-heading");
  private readonly title = h("span");
  private readonly clear = h("button", "sw-link", "clear loss filter");
  readonly viewport = h("div", "sw-gallery-viewport");
  private readonly sizer = h("div", "sw-gallery-sizer");
  private readonly empty = h("div", "sw-empty", "No image matches this selection.");
  /** Tiles in the DOM, by rank; tiles that scrolled away wait in `spare` to show another rank. */
  private readonly tiles = new Map<number, Tile>();
  private readonly spare: Tile[] = [];
  private input: GalleryInput | null = null;
  private geometry: GridGeometry = { columns: 1, rowHeight: MIN_TILE + CAPTION + GAP, colWidth: MIN_TILE + GAP };
  private cursor = -1;
  private frame = 0;
  private lastScrollTop = 0;
  private direction: 1 | -1 = 1;
  /** Tiles' ids start with this, so that the listbox can name its cursor (aria-activedescendant). */
  private readonly uid = `sw-tile-${Math.random().toString(36).slice(2)}`;

  constructor(
    private readonly store: ThumbStore,
    private readonly events: GalleryEvents,
  ) {
    this.viewport.dataset.testid = "segwidget-gallery";
    this.viewport.tabIndex = 0;
    this.viewport.setAttribute("role", "listbox");
    this.viewport.setAttribute("aria-label", "ranked images");
    this.viewport.append(this.sizer, this.empty);
    this.clear.type = "button";
    this.clear.addEventListener("click", () => events.clearFilter());
    this.heading.append(this.title, this.clear);
    this.el.append(this.heading, this.viewport);
    this.viewport.addEventListener("scroll", this.schedule);
    this.viewport.addEventListener("keydown", this.onKey);
    this.viewport.addEventListener("click", this.onClick);
    this.viewport.addEventListener("focus", this.onFocus);
  }

  /** Thumbnails per row now: what one row of a ranked list shows. */
  get columns(): number {
    return this.geometry.columns;
  }

  /** Show `input`: a new list re-labels the tiles in place, a new look (overlay, opacity) only repaints them. */
  update(input: GalleryInput, resetScroll: boolean): void {
    const old = this.input;
    const sameList = old?.ranked === input.ranked && old.kind === input.kind;
    // opening another image changes only the marks (aria-current): the thumbnails need no repaint
    const sameLook =
      old?.overlay === input.overlay &&
      old.opacity === input.opacity &&
      old.palette === input.palette &&
      String(old.cell) === String(input.cell);
    this.input = input;
    if (sameList && !resetScroll) {
      if (!sameLook) this.paintTiles(this.tiles.values());
      for (const tile of this.tiles.values()) this.mark(tile);
      return;
    }
    const count = input.ranked.indices.length;
    this.viewport.dataset.count = String(count);
    this.title.textContent = `${fmtInt(count)} image${count === 1 ? "" : "s"} · ${input.title} `;
    this.clear.hidden = !input.filtered;
    this.empty.hidden = count > 0;
    if (resetScroll) {
      this.viewport.scrollTop = 0;
      this.lastScrollTop = 0;
      this.direction = 1;
      this.cursor = -1;
    }
    this.cursor = Math.min(this.cursor, count - 1);
    for (const [rank, tile] of this.tiles) this.release(rank, tile);
    this.layout();
  }

  /** Width changed: recompute columns and move the tiles. */
  layout(): void {
    const width = this.viewport.clientWidth || 600;
    const height = this.viewport.clientHeight || 400;
    const columns = columnsToFit(width, height, { min: MIN_TILE, smallest: SMALLEST_TILE, caption: CAPTION, gap: GAP });
    const colWidth = (width + GAP) / columns;
    const next = { columns, colWidth, rowHeight: colWidth - GAP + CAPTION + GAP };
    const moved = next.columns !== this.geometry.columns || next.colWidth !== this.geometry.colWidth;
    this.geometry = next;
    this.sizer.style.height = `${totalHeight(this.input?.ranked.indices.length ?? 0, this.geometry)}px`;
    if (moved) for (const [rank, tile] of this.tiles) this.place(tile, rank);
    this.renderWindow();
  }

  /** Thumbnails arrived: paint the tiles showing them. */
  refresh(indices: readonly number[]): void {
    this.paintTiles([...this.tiles.values()].filter((tile) => indices.includes(tile.index)));
  }

  /** Move the keyboard cursor to `rank` and scroll it into view. */
  setCursor(rank: number): void {
    const count = this.input?.ranked.indices.length ?? 0;
    if (rank < 0 || rank >= count) return;
    this.cursor = rank;
    const vp = this.viewport;
    vp.scrollTop = revealScrollTop(vp.scrollTop, vp.clientHeight || 400, rank, this.geometry);
    this.renderWindow();
  }

  private readonly schedule = () => {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderWindow();
    });
  };

  /** Show the tiles of the visible rows, and ask for what they and the next rows in the scroll direction need. */
  private renderWindow(): void {
    const input = this.input;
    if (!input) return;
    const count = input.ranked.indices.length;
    const vp = this.viewport;
    const top = vp.scrollTop;
    if (top !== this.lastScrollTop) this.direction = top > this.lastScrollTop ? 1 : -1;
    this.lastScrollTop = top;
    // Only what intersects the viewport gets a tile: thumbnails ahead are fetched as data, without DOM.
    const { start, end } = visibleRange(top, vp.clientHeight || 400, count, this.geometry);
    for (const [rank, tile] of this.tiles) if (rank < start || rank >= end) this.release(rank, tile);
    const added: Tile[] = []; // painted once every tile is in the DOM: a canvas draw after a DOM write forces a layout
    for (let rank = start; rank < end; rank++) this.markCursor(this.tiles.get(rank) ?? this.attach(rank, added), rank);
    this.paintTiles(added);
    const at = this.tiles.get(this.cursor);
    if (at) vp.setAttribute("aria-activedescendant", at.el.id);
    else vp.removeAttribute("aria-activedescendant");
    const ranks = input.ranked.indices;
    const ahead =
      this.direction > 0
        ? ranks.subarray(end, Math.min(count, end + PREFETCH))
        : ranks.subarray(Math.max(0, start - PREFETCH), start).reverse();
    this.store.want(ranks.subarray(start, end), ahead);
  }

  /** The keyboard cursor is the listbox's selected option (the picks are its checked ones). */
  private markCursor(tile: Tile, rank: number): void {
    tile.el.classList.toggle("sw-cursor", rank === this.cursor);
    tile.el.setAttribute("aria-selected", String(rank === this.cursor));
  }

  private release(rank: number, tile: Tile): void {
    tile.el.remove();
    this.tiles.delete(rank);
    this.spare.push(tile);
  }

  /** A tile for `rank`: a spare one re-labelled, or a new one. */
  private attach(rank: number, added: Tile[]): Tile {
    // a spare tile that last showed this image keeps its pixels: no repaint (a box selection overlapping the last)
    const index = (this.input as GalleryInput).ranked.indices[rank];
    const same = this.spare.findIndex((t) => t.index === index);
    const tile = (same >= 0 ? this.spare.splice(same, 1)[0] : this.spare.pop()) ?? this.createTile();
    this.tiles.set(rank, tile);
    this.label(tile, rank);
    this.place(tile, rank);
    this.sizer.append(tile.el);
    added.push(tile);
    return tile;
  }

  private createTile(): Tile {
    const el = h("div", "sw-thumb");
    el.dataset.testid = "segwidget-thumb";
    el.setAttribute("role", "option");
    const canvas = h("canvas", "sw-thumb-canvas");
    const head = h("div");
    const loss = h("div", "sw-dim");
    const caption = h("div", "sw-caption");
    caption.append(head, loss);
    const badges = h("div", "sw-badges");
    el.append(canvas, badges, caption);
    return { el, canvas, head, loss, badges, index: -1, painted: "", thumb: null, pal: null };
  }

  private label(tile: Tile, rank: number): void {
    const input = this.input as GalleryInput;
    const index = input.ranked.indices[rank];
    const score = input.ranked.scores[rank];
    tile.index = index;
    tile.el.id = `${this.uid}-${rank}`;
    Object.assign(tile.el.dataset, { index: String(index), rank: String(rank), score: String(score) });
    // Line 1: index and ranking score; line 2: the loss, unless that is the score.
    const [head, loss] = input.caption?.(rank) ?? [
      `#${index} · ${fmtScore(input.kind, score)}`,
      input.kind === "loss" ? "" : `loss ${fmtNum(input.losses[index])}`,
    ];
    tile.head.textContent = head;
    tile.loss.textContent = loss;
    tile.el.title = loss ? `${head} · ${loss}` : head;
    tile.el.classList.remove("sw-loaded");
    this.mark(tile);
  }

  /** Picked or not, and the image's tags as badges (text only) and in data-tags (a JSON list). */
  private mark(tile: Tile): void {
    const marks = this.input?.marks;
    const picked = marks?.picked.has(tile.index) ?? false;
    const tags = marks?.tags.get(tile.index) ?? [];
    tile.el.classList.toggle("sw-picked", picked);
    tile.el.setAttribute("aria-checked", String(picked));
    if (this.input?.open === tile.index) tile.el.setAttribute("aria-current", "true");
    else tile.el.removeAttribute("aria-current");
    tile.el.dataset.picked = String(picked);
    tile.el.dataset.tags = JSON.stringify(tags);
    const more = tags.length > BADGES ? [h("span", "sw-tag-badge", `+${tags.length - BADGES}`)] : [];
    tile.badges.replaceChildren(...tags.slice(0, BADGES).map((t) => h("span", "sw-tag-badge", t)), ...more);
    tile.badges.hidden = tags.length === 0;
    tile.badges.title = tags.length ? `tags: ${tags.join(", ")}` : "";
  }

  private place(tile: Tile, rank: number): void {
    const { x, y } = tilePosition(rank, this.geometry);
    const side = this.geometry.colWidth - GAP;
    Object.assign(tile.el.style, { left: `${x}px`, top: `${y}px`, width: `${side}px` });
    tile.canvas.style.height = `${side}px`;
  }

  /** Paint the canvases, then mark the loaded tiles (a DOM write between two canvas draws forces a layout). */
  private paintTiles(tiles: Iterable<Tile>): void {
    for (const tile of [...tiles].filter((t) => this.paintTile(t))) tile.el.classList.add("sw-loaded");
  }

  /** Paint the tile's canvas; whether its thumbnail was there. */
  private paintTile(tile: Tile): boolean {
    const input = this.input;
    const thumb = this.store.get(tile.index);
    if (!input || !thumb) {
      // blank until its thumbnail arrives; cleared, not resized (a new backing store costs more than the paint)
      if (tile.painted !== "") tile.canvas.getContext("2d")?.clearRect(0, 0, tile.canvas.width, tile.canvas.height);
      tile.painted = "";
      return false;
    }
    const key = `${layerOf(input.overlay)}|${input.cell}|${input.opacity}`;
    const same = tile.thumb === thumb && tile.pal === input.palette && tile.painted === key;
    if (same) return true;
    Object.assign(tile, { thumb, pal: input.palette, painted: key });
    paint(tile.canvas, thumb, layerOf(input.overlay), input.cell, input.palette, input.opacity);
    return true;
  }

  private readonly onClick = (e: MouseEvent) => {
    const el = (e.target as Element).closest<HTMLElement>(".sw-thumb");
    if (!el) return;
    this.cursor = Number(el.dataset.rank);
    this.renderWindow(); // the cursor marks the clicked tile (Escape from the detail returns to it)
    if ((e.shiftKey || e.ctrlKey || e.metaKey) && this.events.pick) this.events.pick(Number(el.dataset.index));
    else this.events.open(Number(el.dataset.index));
  };

  private readonly onKey = (e: KeyboardEvent) => {
    const input = this.input;
    if (!input) return;
    const count = input.ranked.indices.length;
    if ((e.key === "Enter" || (e.key === " " && this.events.pick)) && this.cursor >= 0) {
      e.preventDefault();
      e.stopPropagation();
      const index = input.ranked.indices[this.cursor];
      if (e.key === " ") this.events.pick?.(index);
      else this.events.open(index);
      return;
    }
    const next = moveInGrid(Math.max(0, this.cursor), e.key, this.geometry.columns, count);
    if (next === null) return;
    e.preventDefault();
    e.stopPropagation();
    this.setCursor(this.cursor < 0 ? 0 : next);
  };

  /** Focus shows the cursor at once (on the first visible image), so that Enter opens without an arrow first. */
  private readonly onFocus = () => {
    const count = this.input?.ranked.indices.length ?? 0;
    if (this.cursor >= 0 || count === 0) return;
    const vp = this.viewport;
    this.cursor = visibleRange(vp.scrollTop, vp.clientHeight || 400, count, this.geometry).start;
    this.renderWindow();
  };

  focus(): void {
    this.viewport.focus({ preventScroll: true });
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.viewport.removeEventListener("scroll", this.schedule);
    this.viewport.removeEventListener("keydown", this.onKey);
    this.viewport.removeEventListener("click", this.onClick);
    this.viewport.removeEventListener("focus", this.onFocus);
    for (const [rank, tile] of this.tiles) this.release(rank, tile);
    this.spare.length = 0;
  }
}

/** What the gallery shows, e.g. "true road predicted sidewalk, by share of true pixels · loss in [a, b]". */
export function galleryTitle(
  classes: readonly string[],
  cell: Cell | null,
  order: Order,
  range: LossRange | null,
): string {
  const filter = range ? ` · loss in [${fmtNum(range[0])}, ${fmtNum(range[1])}]` : "";
  if (order === "confident") return confidentTitle(classes, cell) + filter;
  if (cell === null) return `all images, highest loss first${filter}`;
  const [t, p] = cell;
  if (t === p) return `with ${classes[t]} in truth or prediction, lowest IoU first${filter}`;
  const by = order === "pixels" ? "pixel count" : "share of true pixels";
  return `true ${classes[t]} predicted ${classes[p]}, by ${by}${filter}`;
}

/** The confident order's list (regions.ts rankConfident): by confident disagreements, as a share of what. */
function confidentTitle(classes: readonly string[], cell: Cell | null): string {
  const by = "by confident disagreements (possible label errors)";
  if (cell === null) return `all images, ${by}, share of valid pixels`;
  const [t, p] = cell;
  if (t === p) return `with ${classes[t]} in truth or prediction, ${by}, share of its pixels`;
  return `true ${classes[t]} predicted ${classes[p]}, ${by}, share of true pixels`;
}
