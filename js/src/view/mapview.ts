// The failure map panel (issue 20): every image a point (Results.map), similar failures close together. A box
// dragged on it sets `map_selection`, which restricts the gallery, heatmap and header like a slice (composed with
// it); the gallery's images are ringed; hover shows the thumbnail; "more like this" (`similar_to`) ranks the
// gallery by the kernel's k-nearest lists. Drawn into one ImageData (mapdraw.ts) at most once a frame; the mouse
// and keyboard (box or lasso, pan, zoom) in mapinput.ts.

import { type FailureMap, fitView, maskOf, readMap, similarTo, type View } from "../data/fmap";
import { h } from "../data/format";
import type { Data, Model } from "../data/protocol";
import type { Ranked } from "../data/ranking";
import { type Column, readColumns, readTags, restrict } from "../data/slices";
import { pointColors } from "./mapcolors";
import { MapPainter } from "./mapdraw";
import { type Mode, nearestPoint, wireMap } from "./mapinput";
import { asStatus, pendingText, STATUS_TRAITS } from "./mapstatus";
import type { Panel, PanelContext } from "./panels";
import type { ThumbStore } from "./thumbs";

const HEIGHT = 320; // CSS px of the map
const PAD = 12;
const HOVER_PX = 8;
const TRAITS = ["map_xy", "map_neighbors", "map_distances", "map_k", "map_kind", ...STATUS_TRAITS];

export class MapView {
  private map: FailureMap | null = null;
  private n = 0;
  private selection: Uint8Array | null = null;
  private composed: { slice: Uint8Array | null; out: Uint8Array } | null = null;
  private ctx: PanelContext | null = null;
  private view: View | null = null;
  private canvas = h("canvas", "sw-map");
  private band = h("div", "sw-map-band");
  private lasso = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  private painter = new MapPainter(this.canvas);
  private mode: Mode = "box";
  private modes = (["box", "lasso"] as const).map((m) => h("button", "sw-button sw-map-mode", m));
  private frame = 0;
  private colored: { keys: unknown[]; shade: Uint16Array; shades: string[] } | null = null;
  private tip = h("div", "sw-map-tip");
  private colorBy = h("select", "sw-select");
  private status = asStatus(h("span", "sw-map-status"));
  private clearSimilar = h("button", "sw-button", "✕ more like this");
  private unwatch: () => void;
  private decoded: { spec: unknown; bytes: unknown; columns: Column[] } | null = null;

  /** `detail`: the detail view, whose bar gets "more like this"; `invalidate`: the widget's redraw. */
  constructor(
    private readonly model: Model,
    private readonly thumbs: ThumbStore,
    detail: HTMLElement,
    invalidate: (...parts: ("counts" | "rank")[]) => void,
  ) {
    const more = h("button", "sw-button", "More like this");
    more.type = "button";
    more.dataset.testid = "segwidget-more-like-this";
    more.title = "rank the gallery by the images nearest to this one (its embedding)";
    more.addEventListener("click", () => {
      const i = this.model.get("selected_image");
      if (typeof i === "number") this.set("similar_to", i);
    });
    detail.querySelector(".sw-detail-bar")?.append(more);
    this.clearSimilar.type = "button";
    this.clearSimilar.hidden = true; // shown while "more like this" is on (paint)
    this.clearSimilar.addEventListener("click", () => this.set("similar_to", null));
    this.unwatch = this.watch(invalidate);
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    this.unwatch();
  }

  private set(key: string, value: unknown): void {
    this.model.set(key as never, value as never);
    queueMicrotask(() => this.model.save_changes());
  }

  private get<T>(key: string): T {
    return this.model.get(key as never) as T;
  }

  /** Follow the map's traits: the arrays redraw, a selection recounts, "more like this" re-ranks. */
  private watch(invalidate: (...parts: ("counts" | "rank")[]) => void): () => void {
    const arrays = () => {
      this.map = null;
      this.draw();
    };
    const selection = () => {
      this.selection = null;
      this.composed = null;
      invalidate("counts");
    };
    const similar = () => invalidate("rank");
    for (const t of TRAITS) this.model.on(`change:${t}`, arrays);
    this.model.on("change:map_selection", selection);
    this.model.on("change:similar_to", similar);
    return () => {
      for (const t of TRAITS) this.model.off(`change:${t}`, arrays);
      this.model.off("change:map_selection", selection);
      this.model.off("change:similar_to", similar);
    };
  }

  private loaded(N: number): FailureMap | null {
    if (this.map === null || this.n !== N) {
      this.n = N;
      this.map = readMap((name) => this.model.get(name as never), N);
    }
    return this.map;
  }

  /** The images shown: the slice's (or all) and the map selection's; the same array while nothing changed. */
  member(data: Data, slice: Uint8Array | null): Uint8Array | null {
    const picked = this.get<number[] | null>("map_selection") ?? [];
    if (picked.length === 0) return slice;
    this.selection ??= maskOf(picked, data.N);
    if (slice === null) return this.selection;
    if (this.composed?.slice !== slice) {
      const out = new Uint8Array(data.N);
      for (let i = 0; i < data.N; i++) out[i] = slice[i] & this.selection[i];
      this.composed = { slice, out };
    }
    return this.composed.out;
  }

  /** The gallery's list: "more like this" when asked, else `base`; only the images in `member` (shown). */
  rank(data: Data, base: Ranked, member: Uint8Array | null | undefined): Ranked {
    return this.similar(data, member)?.ranked ?? restrict(base, member);
  }

  /** "More like this" when `similar_to` is set (and the map arrived): image `of`'s nearest images in `member`. */
  similar(data: Data, member: Uint8Array | null | undefined): { of: number; ranked: Ranked } | null {
    const on = this.similarOn(data.N);
    return on && { of: on.i, ranked: restrict(similarTo(on.map, on.i), member) };
  }

  /** Whether the gallery lists "more like this" now (its scores are then cosine distances). */
  ranksSimilar(N: number): boolean {
    return this.similarOn(N) !== null;
  }

  /** `similar_to` and the map it ranks by, when both are there. */
  private similarOn(N: number): { i: number; map: FailureMap } | null {
    const i = this.get<number | null>("similar_to");
    const map = this.loaded(N);
    return typeof i === "number" && map !== null && i >= 0 && i < N ? { i, map } : null;
  }

  /** The gallery title's note: "more like this" and the map selection, when set. */
  note(): string {
    const similar = this.get<number | null>("similar_to");
    const picked = (this.get<number[] | null>("map_selection") ?? []).length;
    return (
      (typeof similar === "number" ? ` · more like image ${similar}` : "") +
      (picked ? ` · ${picked.toLocaleString()} chosen on the map` : "")
    );
  }

  panel(): Panel {
    return {
      id: "map",
      label: "map",
      title: "a map of failures: every image a point, similar ones close together",
      mount: (el, ctx) => this.mount(el, ctx),
      update: (ctx) => {
        this.ctx = ctx;
        this.fillColorBy();
        this.draw();
      },
    };
  }

  private mount(el: HTMLElement, ctx: PanelContext): void {
    this.ctx = ctx;
    if (!this.model.get("map_shown" as never)) this.set("map_shown", true); // the kernel computes it now
    const c = this.canvas;
    c.dataset.testid = "segwidget-map";
    c.tabIndex = 0;
    c.setAttribute("role", "img");
    c.setAttribute(
      "aria-label",
      "map of images: drag to select (box or lasso), shift-drag to pan, wheel to zoom; from the keyboard: " +
        "arrows move the map under the centred box, + and − zoom, Enter selects the points in the box, " +
        "Escape clears the selection",
    );
    const label = h("label", "sw-control");
    label.append(h("span", "", "colour by"), this.colorBy);
    this.colorBy.dataset.testid = "segwidget-control";
    this.colorBy.dataset.name = "map_color";
    this.colorBy.addEventListener("change", () => this.draw());
    const modes = h("span", "sw-map-modes");
    modes.setAttribute("role", "group");
    modes.setAttribute("aria-label", "select by");
    modes.append(h("span", "", "select by"));
    for (const b of this.modes) {
      const mode = b.textContent as Mode;
      b.type = "button";
      b.dataset.testid = "segwidget-map-mode";
      b.dataset.mode = mode;
      b.title =
        mode === "box" ? "drag a box to select the points inside it" : "drag a loop around the points to select";
      b.addEventListener("click", () => this.setMode(mode));
      modes.append(b);
    }
    this.setMode(this.mode);
    const clear = h("button", "sw-button", "Clear selection");
    clear.type = "button";
    clear.addEventListener("click", () => this.set("map_selection", []));
    const reset = h("button", "sw-button", "Reset view");
    reset.type = "button";
    reset.addEventListener("click", () => {
      this.view = null;
      this.draw();
    });
    const bar = h("div", "sw-map-bar");
    bar.append(label, modes, clear, reset, this.clearSimilar, this.status);
    const stage = h("div", "sw-map-stage");
    this.band.hidden = true;
    this.tip.hidden = true;
    this.lasso.classList.add("sw-map-lasso");
    this.lasso.setAttribute("aria-hidden", "true");
    this.lasso.style.display = "none";
    stage.append(c, this.band, this.lasso, this.tip);
    el.append(bar, stage);
    wireMap(c, this.band, this.lasso, {
      view: () => this.view,
      setView: (v) => {
        this.view = v;
        this.draw();
      },
      xy: () => this.map?.xy ?? null,
      mode: () => this.mode,
      select: (indices) => this.set("map_selection", indices),
      clear: () => {
        if ((this.get<number[] | null>("map_selection") ?? []).length === 0) return false;
        this.set("map_selection", []);
        return true;
      },
      open: (i) => this.set("selected_image", i),
      hover: (x, y) => this.hover(x, y),
      unhover: () => {
        this.tip.hidden = true;
      },
    });
    this.fillColorBy();
    this.draw();
  }

  private setMode(mode: Mode): void {
    this.mode = mode;
    for (const b of this.modes) b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
  }

  private fillColorBy(): void {
    const d = this.ctx?.data;
    if (!d) return;
    const names = ["loss", "score", ...this.columns(d).map((col) => `column:${col.name}`)];
    names.push(...Object.keys(readTags(this.model.get("tags" as never))).map((t) => `tag:${t}`));
    if (names.join() === [...this.colorBy.options].map((o) => o.value).join()) return;
    const was = this.colorBy.value;
    this.colorBy.replaceChildren(
      ...names.map((v) => {
        const o = h("option", "", v === "score" ? "gallery score" : v.replace(/^(column|tag):/, "$1 "));
        o.value = v;
        return o;
      }),
    );
    if (names.includes(was)) this.colorBy.value = was;
  }

  private columns(d: Data): Column[] {
    const [spec, bytes] = [this.model.get("columns" as never), this.model.get("column_data" as never)];
    if (this.decoded?.spec !== spec || this.decoded.bytes !== bytes) {
      let columns: Column[] = [];
      try {
        columns = readColumns(spec, bytes, d.N);
      } catch {
        // no columns (or a comparison's): colour by loss or score
      }
      this.decoded = { spec, bytes, columns }; // decoded once per change, not per frame
    }
    return this.decoded.columns;
  }

  /** Ask for a frame: however many changes arrive before it, the map is painted once. */
  draw(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.paint());
  }

  /** Paint the points (and rings around the gallery's images); `data-view` says where each one is. */
  private paint(): void {
    this.frame = 0;
    const ctx = this.ctx;
    const c = this.canvas;
    if (!ctx || !c.isConnected) return;
    const map = this.loaded(ctx.data.N);
    const width = Math.max(120, c.parentElement?.clientWidth ?? 320);
    c.dataset.points = String(map ? ctx.data.N : 0);
    const similar = this.get<number | null>("similar_to");
    this.clearSimilar.hidden = typeof similar !== "number"; // only while "more like this" is on
    if (!map) {
      c.getContext("2d")?.clearRect(0, 0, c.width, c.height);
      this.status.textContent = pendingText((name) => this.model.get(name as never));
      return;
    }
    this.view ??= fitView(map.xy, width, HEIGHT, PAD);
    const shown = ctx.ranked.indices;
    const { shade, shades } = this.colors(ctx);
    this.painter.paint({
      xy: map.xy,
      view: this.view,
      width,
      height: HEIGHT,
      dpr: window.devicePixelRatio || 1,
      shade,
      shades,
      ring: shown.length < ctx.data.N ? shown : null,
      ringColor: ctx.theme === "dark" ? "rgb(255,255,255)" : "rgb(0,0,0)",
    });
    c.dataset.view = JSON.stringify(this.view);
    const picked = (this.get<number[] | null>("map_selection") ?? []).length;
    this.status.textContent =
      `${map.kind} embedding · ${picked ? `${picked.toLocaleString()} selected · ` : ""}` +
      (typeof similar === "number"
        ? `gallery: more like image ${similar}`
        : `${shown.length.toLocaleString()} in the gallery`);
  }

  /** The points' colours, computed again only when what they show changed (not on a pan or zoom). */
  private colors(ctx: PanelContext): { shade: Uint16Array; shades: string[] } {
    const by = this.colorBy.value || "loss";
    const tags = this.model.get("tags" as never);
    const column = this.columns(ctx.data).find((col) => `column:${col.name}` === by) ?? null;
    const keys = [by, tags, column, ctx.theme, ctx.counts.losses, by === "score" ? ctx.ranked : null];
    if (this.colored?.keys.every((k, n) => k === keys[n])) return this.colored;
    this.colored = { keys, ...pointColors(by, ctx, readTags(tags), column) };
    return this.colored;
  }

  private hover(px: number, py: number): void {
    const i = this.map && this.view ? nearestPoint(this.map.xy, this.view, px, py, HOVER_PX) : null;
    if (i === null || !this.ctx) {
      this.tip.hidden = true;
      return;
    }
    const thumb = this.thumbs.get(i);
    if (!thumb) this.thumbs.prefetch([i]);
    const loss = this.ctx.counts.losses[i];
    const text = h("div", "", `image ${i} · loss ${Number.isFinite(loss) ? loss.toFixed(3) : "–"}`);
    const pic = h("canvas", "sw-map-thumb");
    if (thumb?.image) {
      pic.width = thumb.width;
      pic.height = thumb.height;
      pic.getContext("2d")?.drawImage(thumb.image, 0, 0);
    }
    this.tip.replaceChildren(...(thumb?.image ? [pic] : []), text);
    Object.assign(this.tip.style, { left: `${px + 12}px`, top: `${py + 12}px` });
    this.tip.hidden = false;
  }
}
