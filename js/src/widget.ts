// anywidget entry: builds the view, keeps it in step with the synced traits, and routes custom messages.
// The model is the single source of truth: UI actions set traits, and change handlers redraw.

import { ComparisonView } from "./compare/mode";
import type { Changes } from "./compare/ranking";
import { autoFocus, displayClasses } from "./data/classview";
import { cellValues, heatmapValues, palette, type RGB, type Scale } from "./data/colors";
import type { Counts } from "./data/counts";
import { h } from "./data/format";
import type { Cell, Data, Model, State } from "./data/protocol";
import { cellOf, lossRangeOf, readData } from "./data/protocol";
import { type Confusion, imagesWithCell, mostConfused, type Ranked, rank, rankKind } from "./data/ranking";
import { EVERY_PART, type Part, preloaded, readControls, visibleClasses } from "./data/traits";
import { chartPanels } from "./report/chart-panels";
import { objectsChartPanel } from "./report/objects-chart";
import { Detail, DetailStore } from "./view/detail";
import { buildFrame } from "./view/frame";
import { Gallery } from "./view/gallery";
import { Header } from "./view/header";
import { Heatmap } from "./view/heatmap";
import { describeCell } from "./view/heatmap-draw";
import { explorerKeyboard } from "./view/keyboard";
import { cellSentence, LiveRegion } from "./view/live";
import { MapView } from "./view/mapview";
import { ObjectView } from "./view/objectview";
import { opening } from "./view/opening";
import { confusedItems, Pairs } from "./view/pairs";
import { PanelArea } from "./view/panels";
import { Prefetcher } from "./view/prefetch";
import { RegionView } from "./view/regionview";
import { CalibrationView, reliabilityPanel } from "./view/reliability";
import { SliceView } from "./view/sliceview";
import { ThumbStore } from "./view/thumbs";
import { wire } from "./view/wiring";

function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  performance.mark("segwidget:render"); // for benchmarks: where the page's time goes
  const root = h("div", "segwidget");
  root.dataset.testid = "segwidget";
  root.dataset.lmSuppressShortcuts = "true"; // JupyterLab leaves keys pressed inside the widget to the widget
  el.append(root);

  let data: Data | null = null;
  let counts: Counts | null = null;
  let pal: RGB[] = [];
  let values: Float64Array = new Float64Array(0);
  let scale: Scale = { lo: 0, hi: 1, log: false };
  let legend: string | undefined;
  let ranked: Ranked = { indices: new Int32Array(0), scores: new Float64Array(0) };
  let order: readonly number[] = [];
  let confused: Confusion[] = [];
  let opacity = 0.5;
  let highlight: number | null = null;
  let focusDetail = false;
  let requestId = 0;
  const nextId = () => ++requestId;
  const send = (content: object) => model.send(content);

  const selected = (): Cell | null => cellOf(model.get("selected_cell"), data?.C ?? 0);
  const setTrait = <K extends keyof State>(key: K, value: State[K]) => {
    model.set(key, value);
    // After the redraw this change queues (a microtask), so its thumbnail requests reach the kernel
    // before the kernel's own work on the change (re-ranking, the charts).
    queueMicrotask(() => model.save_changes());
  };

  /** A choice of classes ends the automatic focus too (the same update carries both). */
  const setVisible = (classes: number[]) => {
    model.set("auto_focus", false);
    setTrait("visible_classes", classes);
  };

  const slices = new SliceView(model, { set: (key, value) => setTrait(key, value) });
  const regions = new RegionView(model);
  const calibration = new CalibrationView(model);
  const objects = new ObjectView(model);
  const comparison = new ComparisonView(model, { set: (key, value) => setTrait(key, value as never) });
  const thumbs = new ThumbStore(send, nextId, (indices) => gallery.refresh(indices));
  const details = new DetailStore(send, nextId, (index) => {
    if (index === model.get("selected_image")) invalidate("detail");
  });
  const header = new Header({
    set: (key, value) => setTrait(key, value as never),
    visible: (classes) => setVisible(classes),
    zoom: (z) => setTrait("zoom", z),
  });
  const prefetch = new Prefetcher(thumbs, (cell, n) => (counts ? rankFor(counts, cell).indices.subarray(0, n) : []));
  const live = new LiveRegion(root);
  const heatmap = new Heatmap({
    select: (cell) => setTrait("selected_cell", cell),
    hover: (cell) => prefetch.hover(cell),
    focus: (cell, text) => live.focusCell(cell, text),
  });
  const pairs = new Pairs({
    select: (cell) => {
      // A pair or class chosen from the list is drawn even when the heatmap shows other classes.
      const missing = [...new Set(cell)].filter((c) => !order.includes(c));
      if (missing.length > 0 && visibleClasses(model).length > 0) setVisible([...order, ...missing]);
      setTrait("selected_cell", cell);
    },
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
    pick: (index) => slices.pick(index),
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
  const fmap = new MapView(model, thumbs, detail.el, invalidate); // the failure map, its "more like this" button
  const panelArea = new PanelArea();
  const { error, unframe } = buildFrame(root, model, {
    toolbar: header.el,
    filters: slices.filters.el,
    heatmap: heatmap.el,
    panels: panelArea,
    builtIn: [
      pairs.panel(),
      ...chartPanels(),
      slices.tagging.panel(),
      reliabilityPanel(calibration, setTrait),
      objectsChartPanel(objects),
      fmap.panel(),
    ],
    gallery: gallery.el,
    detail: detail.el,
  });
  root.append(live.el);
  const unwatchKeys = explorerKeyboard(root, {
    toolbar: [header.el],
    ...{ heatmap: heatmap.canvas, detail: detail.el, gallery: gallery.viewport, panels: [panelArea.el] },
  });

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
    // Parts invalidated while drawing (a trait set by the view itself) wait for the next flush.
    const parts = new Set(dirty);
    dirty.clear();
    const has = (p: Part) => parts.has(p);
    if (has("data")) {
      loadData();
      // The same indices may now be other images.
      thumbs.clear(requestId);
      details.clear(requestId);
      void thumbs.preload(preloaded(model));
      for (const p of EVERY_PART) parts.add(p);
    }
    if (has("counts") && computeCounts()) {
      for (const p of ["values", "rank", "heatmap", "side", "header"] as Part[]) parts.add(p);
    }
    if (has("values")) computeValues();
    if (has("classes")) {
      computeOrder();
      parts.add("header");
    }
    if (has("rank")) computeRanking();
    // after this paint, in idle time: what a click on the most confused shown cells would show first
    if (counts) prefetch.follow(counts.pooled, order, gallery.columns);
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
      const classes = data && {
        C: data.C,
        pooled: data.pooled,
        visible: visibleClasses(model),
        zoom: readControls(model).zoom,
      };
      const extra = comparison.active && counts ? comparison.headerExtra(counts) : null;
      const member = counts?.member ?? null;
      const base = calibration.summary(regions.summary(summary, data, member), data, member);
      const offer = objects.offer(calibration.offer(regions.offer(data), data), comparison.active);
      header.update(base, readControls(model), classes, extra, offer);
    }
    if (data) {
      if (has("heatmap") || has("values") || has("classes")) drawHeatmap(cell);
      if (has("side")) drawSide(cell);
      if (has("gallery") || has("rank")) drawGallery(cell);
      if (has("detail") || has("rank")) drawDetail(cell);
      if (has("filters") || has("rank")) slices.draw(data, counts, ranked);
      const k = counts;
      const changed = has("rank") || has("side") || has("counts");
      if (k && changed)
        panelArea.update({
          model,
          data,
          counts: k,
          cell,
          ranked,
          palette: pal,
          theme: theme(),
          comparison: comparison.active,
        });
    }
  }

  function loadData(): void {
    try {
      data = readData(model);
      comparison.load(data);
      pal = palette(data.colors, data.C);
      error.hidden = true;
    } catch (e) {
      // Traits may arrive one by one; wait for a consistent set.
      data = null;
      error.hidden = false;
      error.textContent = e instanceof Error ? e.message : String(e);
    }
  }

  function computeOrder(): void {
    if (!data) return;
    if (model.get("auto_focus") && visibleClasses(model).length === 0)
      autoFocus(model, data, heatmap.scroller.clientWidth);
    order = displayClasses(visibleClasses(model), data.C);
  }

  function computeCounts(): boolean {
    const next = data && regions.counts(data, fmap.member(data, slices.member(data)));
    if (next === counts) return false;
    counts = next;
    confused = counts ? mostConfused(counts.pooled, counts.C) : [];
    return true;
  }

  function computeValues(): void {
    if (!counts) return;
    const c = readControls(model);
    const k = counts;
    ({ values, scale, legend } = comparison.active
      ? comparison.values(k, c)
      : heatmapValues(k.pooled, k.meanCm, k.C, c));
  }

  /** The gallery's list for a selection: the comparison's, or one model's; the slice's images only. */
  function rankFor(k: Counts, cell: Cell | null): Ranked {
    const range = lossRangeOf(model.get("loss_range"));
    if (comparison.active) return comparison.rank(k, cell, range, fmap.similar(data as Data, k.member));
    const order = readControls(model).order;
    const own =
      objects.rank(cell, range, k) ??
      regions.rank(data as Data, cell, order, range) ??
      calibration.rank(data as Data, cell, order, range);
    // the slice's and the map selection's images only
    return fmap.rank(data as Data, own ?? rank(k, k.losses, cell, order, range), k.member);
  }

  function computeRanking(): void {
    if (counts) ranked = rankFor(counts, selected());
  }

  function drawHeatmap(cell: Cell | null): void {
    const d = data as Data;
    const k = counts as Counts;
    const c = readControls(model);
    heatmap.update({
      classes: d.classes,
      order,
      values,
      scale,
      normalize: c.normalize,
      theme: theme(),
      hideDiagonal: c.hide_diagonal,
      selected: cell,
      highlight,
      zoom: c.zoom,
      legend,
      describe: (t, p) =>
        comparison.active
          ? comparison.describe(k, d.classes, c.normalize, t, p)
          : describeCell(d.classes, cellValues(k.pooled, k.meanCm, k.C, t, p), imagesWithCell(k, t * k.C + p), t, p),
      speak: comparison.active ? undefined : (t, p) => cellSentence(d.classes, k, t, p),
    });
  }

  function drawSide(cell: Cell | null): void {
    const [items, title] = comparison.active ? comparison.side(counts as Counts) : [confusedItems(confused), undefined];
    pairs.update((data as Data).classes, pal, items, cell, title);
  }

  function drawGallery(cell: Cell | null): void {
    const d = data as Data;
    const c = readControls(model);
    const range = lossRangeOf(model.get("loss_range"));
    const cg = calibration.gallery(d, cell, c.order);
    const kind = fmap.ranksSimilar(d.N) ? "distance" : (cg?.kind ?? rankKind(cell, c.order));
    header.ranking(kind);
    gallery.update(
      {
        ranked,
        kind,
        losses: (counts as Counts).losses,
        overlay: c.overlay,
        cell,
        palette: pal,
        opacity,
        title:
          (cg?.title ?? objects.title(d.classes, cell, c.order, ranked, range)) +
          regions.note(d, c.order) +
          slices.note() +
          fmap.note(),
        filtered: range !== null,
        marks: slices.marks(),
        open: model.get("selected_image") ?? null,
        ...(comparison.active &&
          comparison.gallery(ranked as Changes, d.classes, cell, range, slices.note() + fmap.note())),
      },
      dirty.has("scroll"),
    );
  }

  function drawDetail(cell: Cell | null): void {
    const d = data as Data;
    const open = opening(model.get("selected_image"), d.N, ranked, details);
    if (!open) {
      detail.update(null, opacity);
      return;
    }
    const { index, position } = open;
    const extra = comparison.active && comparison.detail(index, d.classes, pal);
    const base = { classes: d.classes, palette: pal, cell, theme: theme(), hasImages: details.enabled };
    detail.update({ index, loaded: details.get(index), position, ...base, ...extra }, opacity);
    // Focus once shown (a hidden element cannot take focus), so that arrows and Escape reach it.
    if (focusDetail) detail.focus();
    focusDetail = false;
  }

  // ---- wiring ----
  const theme = (): "dark" | "light" => (root.dataset.theme === "dark" ? "dark" : "light");
  const unwire = wire(root, model, { thumbs, details, gallery, heatmap, invalidate, set: setTrait });

  dirty.add("data");
  flush();
  performance.mark("segwidget:drawn");

  return () => {
    unwire();
    fmap.destroy();
    unframe();
    prefetch.close();
    unwatchKeys();
    heatmap.destroy();
    gallery.destroy();
    detail.destroy();
    slices.filters.destroy();
    thumbs.close();
    details.close();
    root.remove();
  };
}

export default { render };
