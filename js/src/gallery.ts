// The virtualised gallery: only the visible rows of the ranked list exist in the DOM; their thumbnails are
// fetched on demand and coloured in the browser.

import type { RGB } from "./colors";
import { fmtInt, fmtNum, fmtScore, h } from "./format";
import { layerOf, paint } from "./paint";
import type { Cell, Overlay } from "./protocol";
import type { Ranked, RankKind } from "./ranking";
import type { ThumbStore } from "./thumbs";
import {
  columnsFor,
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
}

export interface GalleryEvents {
  open(index: number): void;
  clearFilter(): void;
}

const MIN_TILE = 132;
const GAP = 8;
const CAPTION = 34;

interface Tile {
  el: HTMLDivElement;
  canvas: HTMLCanvasElement;
  index: number;
}

export class Gallery {
  readonly el = h("section", "sw-gallery");
  private readonly heading = h("div", "sw-gallery-heading");
  private readonly title = h("span");
  private readonly clear = h("button", "sw-link", "clear loss filter");
  readonly viewport = h("div", "sw-gallery-viewport");
  private readonly sizer = h("div", "sw-gallery-sizer");
  private readonly empty = h("div", "sw-empty", "No image matches this selection.");
  private readonly tiles = new Map<number, Tile>();
  private input: GalleryInput | null = null;
  private geometry: GridGeometry = { columns: 1, rowHeight: MIN_TILE + CAPTION + GAP, colWidth: MIN_TILE + GAP };
  private cursor = -1;
  private frame = 0;

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
  }

  /** Show `input`: a new list rebuilds the tiles, a new look (overlay, opacity) only repaints them. */
  update(input: GalleryInput, resetScroll: boolean): void {
    const sameList = this.input?.ranked === input.ranked && this.input.kind === input.kind;
    this.input = input;
    if (sameList && !resetScroll) {
      for (const tile of this.tiles.values()) this.paintTile(tile);
      return;
    }
    const count = input.ranked.indices.length;
    this.viewport.dataset.count = String(count);
    this.title.textContent = `${fmtInt(count)} image${count === 1 ? "" : "s"} · ${input.title} `;
    this.clear.hidden = !input.filtered;
    this.empty.hidden = count > 0;
    if (resetScroll) {
      this.viewport.scrollTop = 0;
      this.cursor = -1;
    }
    this.cursor = Math.min(this.cursor, count - 1);
    this.layout();
  }

  /** Width changed: recompute columns and redraw. */
  layout(): void {
    const width = this.viewport.clientWidth || 600;
    const columns = columnsFor(width, MIN_TILE, GAP);
    const colWidth = (width + GAP) / columns;
    this.geometry = { columns, colWidth, rowHeight: colWidth - GAP + CAPTION + GAP };
    this.sizer.style.height = `${totalHeight(this.input?.ranked.indices.length ?? 0, this.geometry)}px`;
    this.clearTiles();
    this.renderWindow();
  }

  /** Thumbnails arrived: paint the visible tiles showing them. */
  refresh(indices: readonly number[]): void {
    const arrived = new Set(indices);
    for (const tile of this.tiles.values()) if (arrived.has(tile.index)) this.paintTile(tile);
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

  private clearTiles(): void {
    for (const tile of this.tiles.values()) tile.el.remove();
    this.tiles.clear();
  }

  /** Create the tiles of the visible window, drop the others, and ask for missing thumbnails. */
  private renderWindow(): void {
    const input = this.input;
    if (!input) return;
    const count = input.ranked.indices.length;
    const vp = this.viewport;
    const { start, end } = visibleRange(vp.scrollTop, vp.clientHeight || 400, count, this.geometry, 2);
    for (const [rank, tile] of this.tiles) {
      if (rank < start || rank >= end) {
        tile.el.remove();
        this.tiles.delete(rank);
      }
    }
    for (let rank = start; rank < end; rank++) {
      const tile = this.tiles.get(rank) ?? this.createTile(rank, input);
      tile.el.classList.toggle("sw-cursor", rank === this.cursor);
    }
    this.store.want(Array.from(input.ranked.indices.subarray(start, end)));
  }

  private createTile(rank: number, input: GalleryInput): Tile {
    const index = input.ranked.indices[rank];
    const score = input.ranked.scores[rank];
    const el = h("div", "sw-thumb");
    Object.assign(el.dataset, {
      testid: "segwidget-thumb",
      index: String(index),
      rank: String(rank),
      score: String(score),
    });
    el.setAttribute("role", "option");
    const { x, y } = tilePosition(rank, this.geometry);
    const side = this.geometry.colWidth - GAP;
    Object.assign(el.style, { left: `${x}px`, top: `${y}px`, width: `${side}px` });
    const canvas = h("canvas", "sw-thumb-canvas");
    canvas.style.height = `${side}px`;
    // Line 1: index and ranking score; line 2: the loss, unless that is the score.
    const head = `#${index} · ${fmtScore(input.kind, score)}`;
    const loss = input.kind === "loss" ? "" : `loss ${fmtNum(input.losses[index])}`;
    const caption = h("div", "sw-caption");
    caption.append(h("div", "", head), h("div", "sw-dim", loss));
    el.title = loss ? `${head} · ${loss}` : head;
    el.append(canvas, caption);
    this.sizer.append(el);
    const tile = { el, canvas, index };
    this.tiles.set(rank, tile);
    this.paintTile(tile);
    return tile;
  }

  private paintTile(tile: Tile): void {
    const input = this.input;
    const thumb = this.store.get(tile.index);
    if (!input || !thumb) return;
    paint(tile.canvas, thumb, layerOf(input.overlay), input.cell, input.palette, input.opacity);
    tile.el.classList.add("sw-loaded");
  }

  private readonly onClick = (e: MouseEvent) => {
    const el = (e.target as Element).closest<HTMLElement>(".sw-thumb");
    if (!el) return;
    this.cursor = Number(el.dataset.rank);
    this.events.open(Number(el.dataset.index));
  };

  private readonly onKey = (e: KeyboardEvent) => {
    const input = this.input;
    if (!input) return;
    const count = input.ranked.indices.length;
    if (e.key === "Enter" && this.cursor >= 0) {
      e.preventDefault();
      e.stopPropagation();
      this.events.open(input.ranked.indices[this.cursor]);
      return;
    }
    const next = moveInGrid(Math.max(0, this.cursor), e.key, this.geometry.columns, count);
    if (next === null) return;
    e.preventDefault();
    e.stopPropagation();
    this.setCursor(this.cursor < 0 ? 0 : next);
  };

  focus(): void {
    this.viewport.focus({ preventScroll: true });
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.viewport.removeEventListener("scroll", this.schedule);
    this.viewport.removeEventListener("keydown", this.onKey);
    this.viewport.removeEventListener("click", this.onClick);
    this.clearTiles();
  }
}
