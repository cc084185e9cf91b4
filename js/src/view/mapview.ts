// The failure map panel (issue 20): every image a point (Results.map), similar failures close together. A box
// dragged on it sets `map_selection`, which restricts the gallery, heatmap and header like a slice (composed with
// it); the gallery's images are ringed; hover shows the thumbnail; "more like this" (`similar_to`) ranks the
// gallery by the kernel's k-nearest lists. Drawn on a 2D canvas: 10,000 squares batched by colour take a few ms.

import { type FailureMap, fitView, inBox, maskOf, readMap, similarTo, toMap, type View } from "../data/fmap";
import { h } from "../data/format";
import type { Data, Model } from "../data/protocol";
import type { Ranked } from "../data/ranking";
import { type Column, readColumns, readTags, restrict } from "../data/slices";
import { pointColors } from "./mapcolors";
import { asStatus, pendingText, STATUS_TRAITS } from "./mapstatus";
import type { Panel, PanelContext } from "./panels";
import type { ThumbStore } from "./thumbs";

const HEIGHT = 320; // CSS px of the map
const PAD = 12;
const DOT = 4; // a point's side, CSS px (the ring around a gallery image: DOT + 4)
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
    this.clearSimilar.addEventListener("click", () => this.set("similar_to", null));
    this.unwatch = this.watch(invalidate);
  }

  destroy(): void {
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
    const i = this.get<number | null>("similar_to");
    const map = this.loaded(data.N);
    const asked = typeof i === "number" && map !== null && i >= 0 && i < data.N;
    return restrict(asked ? similarTo(map, i) : base, member);
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
    c.setAttribute("aria-label", "map of images: drag a box to select, wheel to zoom, shift-drag to pan");
    const label = h("label", "sw-control");
    label.append(h("span", "", "colour by"), this.colorBy);
    this.colorBy.dataset.testid = "segwidget-control";
    this.colorBy.dataset.name = "map_color";
    this.colorBy.addEventListener("change", () => this.draw());
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
    bar.append(label, clear, reset, this.clearSimilar, this.status);
    const stage = h("div", "sw-map-stage");
    this.band.hidden = true;
    this.tip.hidden = true;
    stage.append(c, this.band, this.tip);
    el.append(bar, stage);
    this.interact();
    this.fillColorBy();
    this.draw();
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

  /** Paint the points (and rings around the gallery's images); `data-view` says where each one is. */
  draw(): void {
    const ctx = this.ctx;
    const c = this.canvas;
    if (!ctx || !c.isConnected) return;
    const map = this.loaded(ctx.data.N);
    const width = Math.max(120, c.parentElement?.clientWidth ?? 320);
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(width * dpr) || c.height !== Math.round(HEIGHT * dpr)) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(HEIGHT * dpr);
      c.style.width = `${width}px`;
      c.style.height = `${HEIGHT}px`;
    }
    const g = c.getContext("2d");
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, HEIGHT);
    c.dataset.points = String(map ? ctx.data.N : 0);
    if (!map) {
      this.status.textContent = pendingText((name) => this.model.get(name as never));
      return;
    }
    this.view ??= fitView(map.xy, width, HEIGHT, PAD);
    const [x0, y0, sx, sy] = this.view;
    c.dataset.view = JSON.stringify(this.view);
    const by = this.colorBy.value || "loss";
    const tags = readTags(this.model.get("tags" as never));
    const column = this.columns(ctx.data).find((col) => `column:${col.name}` === by) ?? null;
    const { shade, shades } = pointColors(by, ctx, tags, column);
    const buckets: number[][] = shades.map(() => []);
    for (let i = 0; i < ctx.data.N; i++) buckets[shade[i]].push(i);
    const r = DOT / 2;
    buckets.forEach((members, s) => {
      g.fillStyle = shades[s];
      for (const i of members) g.fillRect(x0 + sx * map.xy[2 * i] - r, y0 + sy * map.xy[2 * i + 1] - r, DOT, DOT);
    });
    const shown = ctx.ranked.indices;
    if (shown.length < ctx.data.N) {
      g.strokeStyle = ctx.theme === "dark" ? "#ffffff" : "#000000";
      g.lineWidth = 1.5;
      for (const i of shown)
        g.strokeRect(x0 + sx * map.xy[2 * i] - r - 2, y0 + sy * map.xy[2 * i + 1] - r - 2, DOT + 4, DOT + 4);
    }
    const picked = (this.get<number[] | null>("map_selection") ?? []).length;
    const similar = this.get<number | null>("similar_to");
    this.clearSimilar.hidden = typeof similar !== "number";
    this.status.textContent =
      `${map.kind} embedding · ${picked ? `${picked.toLocaleString()} selected · ` : ""}` +
      (typeof similar === "number"
        ? `gallery: more like image ${similar}`
        : `${shown.length.toLocaleString()} in the gallery`);
  }

  private nearest(px: number, py: number): number | null {
    const map = this.map;
    const v = this.view;
    if (!map || !v) return null;
    let best: number | null = null;
    let bestD = HOVER_PX * HOVER_PX;
    for (let i = 0; i < map.xy.length / 2; i++) {
      const dx = v[0] + v[2] * map.xy[2 * i] - px;
      const dy = v[1] + v[3] * map.xy[2 * i + 1] - py;
      if (dx * dx + dy * dy <= bestD) [best, bestD] = [i, dx * dx + dy * dy];
    }
    return best;
  }

  private interact(): void {
    const c = this.canvas;
    let start: { x: number; y: number; pan: boolean; view: View } | null = null;
    const at = (e: PointerEvent | WheelEvent) => {
      const box = c.getBoundingClientRect();
      return { x: e.clientX - box.left, y: e.clientY - box.top };
    };
    c.addEventListener("pointerdown", (e) => {
      if (!this.view || e.button !== 0) return;
      try {
        c.setPointerCapture(e.pointerId); // the drag goes on outside the canvas
      } catch {
        // a synthetic pointer (tests, benchmarks) cannot be captured; the drag still works inside
      }
      start = { ...at(e), pan: e.shiftKey, view: [...this.view] };
    });
    c.addEventListener("pointermove", (e) => {
      const p = at(e);
      if (!start) return this.hover(p.x, p.y);
      if (start.pan) {
        const v = start.view;
        this.view = [v[0] + p.x - start.x, v[1] + p.y - start.y, v[2], v[3]];
        return this.draw();
      }
      Object.assign(this.band.style, {
        left: `${Math.min(p.x, start.x)}px`,
        top: `${Math.min(p.y, start.y)}px`,
        width: `${Math.abs(p.x - start.x)}px`,
        height: `${Math.abs(p.y - start.y)}px`,
      });
      this.band.hidden = false;
    });
    c.addEventListener("pointerup", (e) => {
      const s = start;
      start = null;
      this.band.hidden = true;
      if (!s || s.pan || !this.view || !this.map) return;
      const p = at(e);
      if (Math.abs(p.x - s.x) < 3 && Math.abs(p.y - s.y) < 3) {
        const i = this.nearest(p.x, p.y);
        if (i !== null) this.set("selected_image", i);
        return;
      }
      const [u0, v0] = toMap(this.view, s.x, s.y);
      const [u1, v1] = toMap(this.view, p.x, p.y);
      this.set("map_selection", inBox(this.map.xy, u0, v0, u1, v1));
    });
    c.addEventListener("pointerleave", () => {
      this.tip.hidden = true;
    });
    c.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const p = at(e);
        this.zoom(p.x, p.y, e.deltaY < 0 ? 1.25 : 0.8);
      },
      { passive: false },
    );
    c.addEventListener("keydown", (e) => {
      const v = this.view;
      if (!v) return;
      const steps: Record<string, View> = {
        ArrowLeft: [v[0] + 20, v[1], v[2], v[3]],
        ArrowRight: [v[0] - 20, v[1], v[2], v[3]],
        ArrowUp: [v[0], v[1] + 20, v[2], v[3]],
        ArrowDown: [v[0], v[1] - 20, v[2], v[3]],
      };
      if (e.key in steps) this.view = steps[e.key];
      else if (e.key === "+" || e.key === "=") return this.zoom(c.clientWidth / 2, HEIGHT / 2, 1.25);
      else if (e.key === "-") return this.zoom(c.clientWidth / 2, HEIGHT / 2, 0.8);
      else return;
      e.preventDefault();
      this.draw();
    });
  }

  /** Zoom by `f` keeping the point under (px, py) in place. */
  zoom(px: number, py: number, f: number): void {
    const v = this.view;
    if (!v) return;
    this.view = [px - (px - v[0]) * f, py - (py - v[1]) * f, v[2] * f, v[3] * f];
    this.draw();
  }

  private hover(px: number, py: number): void {
    const i = this.nearest(px, py);
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
