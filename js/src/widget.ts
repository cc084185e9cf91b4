// anywidget entry: builds the view, keeps it in step with the synced traits, and routes custom messages.
// The model is the single source of truth: UI actions set traits, and change handlers redraw.

import { cellValues, normalizeMatrix, palette, type RGB, type Scale, scaleFor } from "./colors";
import { Detail, DetailStore } from "./detail";
import { fmtNum, h } from "./format";
import { Gallery } from "./gallery";
import { Header } from "./header";
import { describeCell, Heatmap } from "./heatmap";
import { Pairs } from "./pairs";
import {
  type Cell,
  cellOf,
  type Data,
  decodeReply,
  lossRangeOf,
  type Model,
  NORMALIZES,
  ORDERS,
  OVERLAYS,
  oneOf,
  readData,
  type State,
} from "./protocol";
import { imagesWithCell, mostConfused, type Ranked, rank, rankKind } from "./ranking";
import { detectTheme, watchTheme } from "./theme";
import { ThumbStore } from "./thumbs";

type Part = "data" | "values" | "rank" | "heatmap" | "gallery" | "detail" | "header" | "side" | "scroll";

const TRIGGERS: Record<string, Part[]> = {
  classes: ["data"],
  colors: ["data"],
  pooled: ["data"],
  mean_cm: ["data"],
  losses: ["data"],
  cell_ptr: ["data"],
  cell_image: ["data"],
  cell_count: ["data"],
  summary: ["header"],
  normalize: ["values", "header"],
  log_scale: ["values", "header"],
  hide_diagonal: ["values", "header"],
  selected_cell: ["rank", "scroll", "heatmap", "side"],
  order: ["rank", "scroll", "header"],
  loss_range: ["rank", "scroll"],
  overlay: ["gallery", "header"],
  selected_image: ["detail"],
};

function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const root = h("div", "segwidget");
  root.dataset.testid = "segwidget";
  // JupyterLab leaves keys pressed inside the widget to the widget.
  root.dataset.lmSuppressShortcuts = "true";
  el.append(root);

  let data: Data | null = null;
  let pal: RGB[] = [];
  let values: Float64Array = new Float64Array(0);
  let scale: Scale = { lo: 0, hi: 1, log: false };
  let ranked: Ranked = { indices: new Int32Array(0), scores: new Float64Array(0) };
  let zoom = 1;
  let opacity = 0.5;
  let highlight: number | null = null;
  let focusDetail = false;
  let requestId = 0;
  const nextId = () => ++requestId;
  const send = (content: object) => model.send(content);

  const selected = (): Cell | null => cellOf(model.get("selected_cell"), data?.C ?? 0);
  const setTrait = <K extends keyof State>(key: K, value: State[K]) => {
    model.set(key, value);
    model.save_changes();
  };

  const thumbs = new ThumbStore(send, nextId, (indices) => gallery.refresh(indices));
  const details = new DetailStore(send, nextId, (index) => {
    if (index === model.get("selected_image")) invalidate("detail");
  });
  const header = new Header({
    set: (key, value) => setTrait(key, value as never),
    zoom: (z) => {
      zoom = z;
      invalidate("heatmap");
    },
  });
  const heatmap = new Heatmap({ select: (cell) => setTrait("selected_cell", cell) });
  const pairs = new Pairs({
    select: (cell) => setTrait("selected_cell", cell),
    highlight: (c) => {
      highlight = c;
      invalidate("heatmap");
    },
  });
  const gallery = new Gallery(thumbs, {
    open: (index) => {
      focusDetail = true;
      setTrait("selected_image", index);
    },
    clearFilter: () => setTrait("loss_range", null),
  });
  const detail = new Detail({
    step: (delta) => step(delta),
    close: () => {
      setTrait("selected_image", null);
      gallery.focus();
    },
    opacity: (v) => {
      opacity = v;
      invalidate("detail", "gallery");
    },
  });
  const error = h("div", "sw-error");
  error.hidden = true;
  const left = h("div", "sw-left");
  left.append(heatmap.el, pairs.el);
  const right = h("div", "sw-right");
  right.append(detail.el, gallery.el);
  const body = h("div", "sw-body");
  body.append(left, right);
  root.append(header.el, error, body);

  /** Move through the ranked list from the open image. */
  function step(delta: -1 | 1): void {
    const count = ranked.indices.length;
    if (count === 0) return;
    const at = ranked.indices.indexOf(Number(model.get("selected_image")));
    const next = at < 0 ? 0 : Math.min(count - 1, Math.max(0, at + delta));
    gallery.setCursor(next);
    setTrait("selected_image", ranked.indices[next]);
  }

  // ---- batched redraws ----
  const dirty = new Set<Part>();
  let queued = false;
  function invalidate(...parts: Part[]): void {
    for (const p of parts) dirty.add(p);
    if (!queued) {
      queued = true;
      queueMicrotask(flush);
    }
  }

  function flush(): void {
    queued = false;
    const has = (p: Part) => dirty.has(p);
    if (has("data")) {
      loadData();
      // The same indices may now be other images.
      thumbs.clear(requestId);
      details.clear(requestId);
      for (const p of ["values", "rank", "scroll", "heatmap", "gallery", "detail", "header", "side"] as Part[]) {
        dirty.add(p);
      }
    }
    if (has("values")) computeValues();
    if (has("rank")) computeRanking();
    const cell = selected();
    if (cell) {
      root.dataset.selectedTrue = String(cell[0]);
      root.dataset.selectedPred = String(cell[1]);
    } else {
      delete root.dataset.selectedTrue;
      delete root.dataset.selectedPred;
    }
    if (has("header")) {
      const summary = model.get("summary") ?? null;
      thumbs.enabled = details.enabled = summary?.has_images !== false;
      header.update(summary, controls());
    }
    if (data) {
      if (has("heatmap") || has("values")) drawHeatmap(cell);
      if (has("side")) drawSide(cell);
      if (has("gallery") || has("rank")) drawGallery(cell);
      if (has("detail") || has("rank")) drawDetail(cell);
    }
    dirty.clear();
  }

  function loadData(): void {
    try {
      data = readData(model);
      pal = palette(data.colors, data.C);
      error.hidden = true;
    } catch (e) {
      // Traits may arrive one by one; wait for a consistent set.
      data = null;
      error.hidden = false;
      error.textContent = e instanceof Error ? e.message : String(e);
    }
  }

  function controls() {
    return {
      normalize: oneOf(model.get("normalize"), NORMALIZES, "true"),
      log_scale: Boolean(model.get("log_scale")),
      hide_diagonal: Boolean(model.get("hide_diagonal")),
      order: oneOf(model.get("order"), ORDERS, "share"),
      overlay: oneOf(model.get("overlay"), OVERLAYS, "none"),
    };
  }

  function computeValues(): void {
    if (!data) return;
    const c = controls();
    values = normalizeMatrix(data.pooled, data.meanCm, data.C, c.normalize);
    scale = scaleFor(values, data.C, c.log_scale, c.hide_diagonal);
  }

  function computeRanking(): void {
    if (!data) return;
    ranked = rank(data, data.losses, selected(), controls().order, lossRangeOf(model.get("loss_range")));
  }

  function drawHeatmap(cell: Cell | null): void {
    const d = data as Data;
    const c = controls();
    heatmap.update({
      classes: d.classes,
      values,
      scale,
      normalize: c.normalize,
      theme: theme(),
      hideDiagonal: c.hide_diagonal,
      selected: cell,
      highlight,
      zoom,
      describe: (t, p) =>
        describeCell(d.classes, cellValues(d.pooled, d.meanCm, d.C, t, p), imagesWithCell(d, t * d.C + p), t, p),
    });
  }

  function drawSide(cell: Cell | null): void {
    const d = data as Data;
    pairs.update(d.classes, pal, mostConfused(d.pooled, d.C), cell);
  }

  function drawGallery(cell: Cell | null): void {
    const d = data as Data;
    const c = controls();
    gallery.update(
      {
        ranked,
        kind: rankKind(cell, c.order),
        losses: d.losses,
        overlay: c.overlay,
        cell,
        palette: pal,
        opacity,
        title: listTitle(d, cell, c.order),
        filtered: lossRangeOf(model.get("loss_range")) !== null,
      },
      dirty.has("scroll"),
    );
  }

  function listTitle(d: Data, cell: Cell | null, order: string): string {
    const range = lossRangeOf(model.get("loss_range"));
    const filter = range ? ` · loss in [${fmtNum(range[0])}, ${fmtNum(range[1])}]` : "";
    if (cell === null) return `all images, highest loss first${filter}`;
    const [t, p] = cell;
    if (t === p) return `with ${d.classes[t]} in truth or prediction, lowest IoU first${filter}`;
    const by = order === "pixels" ? "pixel count" : "share of true pixels";
    return `true ${d.classes[t]} predicted ${d.classes[p]}, by ${by}${filter}`;
  }

  function drawDetail(cell: Cell | null): void {
    const raw = model.get("selected_image");
    const index = Number.isInteger(raw) && (raw as number) >= 0 && (raw as number) < (data?.N ?? 0) ? raw : null;
    if (index === null) {
      detail.update(null, opacity);
      return;
    }
    details.want(index);
    const at = ranked.indices.indexOf(index);
    // Prefetch the neighbours so that previous/next is instant.
    for (const n of [ranked.indices[at + 1], ranked.indices[at - 1]]) if (at >= 0 && n !== undefined) details.want(n);
    const d = data as Data;
    detail.update(
      {
        index,
        loaded: details.get(index),
        position: at >= 0 ? `rank ${at + 1} of ${ranked.indices.length}` : "not in the current list",
        hasImages: details.enabled,
        classes: d.classes,
        palette: pal,
        cell,
        theme: theme(),
      },
      opacity,
    );
    // Focus once shown (a hidden element cannot take focus), so that arrows and Escape reach it.
    if (focusDetail) detail.focus();
    focusDetail = false;
  }

  // ---- wiring ----
  const theme = () => (root.dataset.theme === "dark" ? "dark" : "light");
  root.dataset.theme = detectTheme();
  const unwatchTheme = watchTheme((t) => {
    root.dataset.theme = t;
    invalidate("heatmap", "detail");
  });

  const handlers: [string, () => void][] = Object.entries(TRIGGERS).map(([key, parts]) => [
    `change:${key}`,
    () => invalidate(...parts),
  ]);
  const onMessage = (content: unknown, buffers: unknown[]) => {
    const reply = decodeReply(content, buffers ?? []);
    if (reply?.kind === "thumbs") void thumbs.receive(reply);
    else if (reply?.kind === "detail") void details.receive(reply);
  };
  for (const [event, cb] of handlers) model.on(event, cb);
  model.on("msg:custom", onMessage);

  // Escape closes the detail view first, then clears the selected cell.
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    const key = model.get("selected_image") !== null ? "selected_image" : "selected_cell";
    if (model.get(key) === null) return;
    e.stopPropagation();
    setTrait(key, null);
  };
  root.addEventListener("keydown", onKey);

  // Each view follows its own box: a scrollbar appearing narrows the gallery without resizing the widget.
  const observer =
    typeof ResizeObserver === "function"
      ? new ResizeObserver((entries) => {
          for (const e of entries) {
            if (e.target === gallery.viewport) gallery.layout();
            else heatmap.resized();
          }
        })
      : null;
  observer?.observe(heatmap.scroller);
  observer?.observe(gallery.viewport);
  const resize = () => {
    heatmap.render();
    gallery.layout();
  };
  const unwatchDpr = watchDpr(resize);

  dirty.add("data");
  flush();

  return () => {
    for (const [event, cb] of handlers) model.off(event, cb);
    model.off("msg:custom", onMessage);
    root.removeEventListener("keydown", onKey);
    observer?.disconnect();
    unwatchDpr();
    unwatchTheme();
    heatmap.destroy();
    gallery.destroy();
    detail.destroy();
    thumbs.close();
    details.close();
    root.remove();
  };
}

/** Redraw canvases when the device pixel ratio changes (zoom, moving to another screen). */
function watchDpr(onChange: () => void): () => void {
  let mq: MediaQueryList | undefined;
  const listen = () => {
    mq?.removeEventListener?.("change", changed);
    mq = window.matchMedia?.(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    mq?.addEventListener?.("change", changed);
  };
  const changed = () => {
    listen();
    onChange();
  };
  listen();
  return () => mq?.removeEventListener?.("change", changed);
}

export default { render };
