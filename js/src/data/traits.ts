// The synced traits as the view reads them (Python: segwidget/view/widget.py), and which part of the view each one
// invalidates when it changes.

import { type Controls, type Encoded, type Model, NORMALIZES, ORDERS, OVERLAYS, oneOf, unpackThumbs } from "./protocol";
import { REGIONS } from "./regions";

export type Part =
  | "data"
  | "counts"
  | "values"
  | "classes"
  | "rank"
  | "heatmap"
  | "gallery"
  | "detail"
  | "header"
  | "side"
  | "scroll"
  | "filters";

/** What new data invalidates: everything. */
export const EVERY_PART: readonly Part[] = [
  "counts",
  "values",
  "classes",
  "rank",
  "scroll",
  "heatmap",
  "gallery",
  "detail",
  "header",
  "side",
];

/** For each trait, the parts of the view its change invalidates. */
export const TRIGGERS: Record<string, Part[]> = {
  classes: ["data"],
  colors: ["data"],
  pooled: ["data"],
  mean_cm: ["data"],
  losses: ["data"],
  cell_ptr: ["data"],
  cell_image: ["data"],
  cell_count: ["data"],
  preload: ["data"],
  summary: ["header"],
  normalize: ["values", "header"],
  log_scale: ["values", "header"],
  hide_diagonal: ["values", "header"],
  selected_cell: ["rank", "scroll", "heatmap", "side"],
  order: ["rank", "scroll", "header"],
  calibration_bin: ["rank", "scroll"],
  loss_range: ["rank", "scroll"],
  overlay: ["gallery", "header"],
  selected_image: ["detail", "gallery"],
  visible_classes: ["classes"],
  auto_focus: ["classes"],
  zoom: ["heatmap", "header"],
  columns: ["counts", "filters"],
  column_data: ["counts", "filters"],
  slice: ["counts", "scroll", "filters", "gallery"],
  tags: ["counts", "filters", "gallery"],
  picked_images: ["filters", "gallery"],
  // a comparison (compare.ts): B's arrays, the two models' numbers, and what is shown
  comparison_summary: ["data"],
  pooled_b: ["data"],
  mean_cm_b: ["data"],
  losses_b: ["data"],
  cell_ptr_b: ["data"],
  cell_image_b: ["data"],
  cell_count_b: ["data"],
  model: ["values", "header"],
  direction: ["rank", "scroll", "header"],
  // regions and confident disagreements (regions.ts): the counts shown, and two more indices
  region: ["counts", "rank", "scroll", "header", "gallery"],
  band_ptr: ["data"],
  band_image: ["data"],
  band_count: ["data"],
  conf_ptr: ["data"],
  conf_image: ["data"],
  conf_count: ["data"],
  calib_ptr: ["data"],
  calib_key: ["data"],
  calib_count: ["data"],
  calib_sum: ["data"],
  // objects (objects.ts): the records, and the objects chart's size bin
  objects_truth: ["data"],
  objects_false: ["data"],
  object_size: ["rank", "scroll"],
  object_bins: ["rank", "scroll"],
};

/** The header's controls, each a synced trait (unknown values fall back to the default). */
export function readControls(model: Model): Controls {
  return {
    normalize: oneOf(model.get("normalize"), NORMALIZES, "true"),
    log_scale: Boolean(model.get("log_scale")),
    hide_diagonal: Boolean(model.get("hide_diagonal")),
    order: oneOf(model.get("order"), ORDERS, "share"),
    overlay: oneOf(model.get("overlay"), OVERLAYS, "none"),
    zoom: Number(model.get("zoom")) || 1,
    region: oneOf(model.get("region"), REGIONS, "all"),
  };
}

/** The heatmap's classes in display order as set (empty = all). */
export function visibleClasses(model: Model): number[] {
  const v = model.get("visible_classes");
  return Array.isArray(v) ? v : [];
}

/** The thumbnails that came with the state (none if the buffer is malformed: they are asked for instead). */
export function preloaded(model: Model): Encoded[] {
  try {
    return unpackThumbs(model.get("preload"));
  } catch {
    return [];
  }
}

/** Invalidate each trait's parts when it changes; returns the cleanup. */
export function watchTraits(model: Model, invalidate: (...parts: Part[]) => void): () => void {
  const handlers = Object.entries(TRIGGERS).map(
    ([key, parts]) => [`change:${key}`, () => invalidate(...parts)] as const,
  );
  for (const [event, cb] of handlers) model.on(event, cb);
  return () => {
    for (const [event, cb] of handlers) model.off(event, cb);
  };
}
