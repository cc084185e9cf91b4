// The explorer's frame (frame.css): the toolbar, the filters, then the body with the heatmap over the panel area, the
// gallery, and the detail in place over them; its height follows the synced `height` trait.

import { h } from "../data/format";
import type { Model } from "../data/protocol";
import type { Panel, PanelArea } from "./panels";
import { listedPanels } from "./widget-panels";

export interface FrameParts {
  toolbar: HTMLElement;
  filters: HTMLElement;
  heatmap: HTMLElement;
  panels: PanelArea;
  /** The panels the browser has (the kernel's listed ones replace those of the same id). */
  builtIn: readonly Panel[];
  gallery: readonly HTMLElement[];
  detail: HTMLElement;
}

/** Lay `parts` out in `root` with a line for errors; `unframe` stops following the model. */
export function buildFrame(
  root: HTMLElement,
  model: Model,
  parts: FrameParts,
): { error: HTMLElement; unframe: () => void } {
  const error = h("div", "sw-error");
  error.hidden = true;
  const left = h("div", "sw-left");
  left.append(parts.heatmap, parts.panels.el);
  const right = h("div", "sw-right");
  right.append(...parts.gallery);
  const body = h("div", "sw-body");
  body.append(left, right, parts.detail);
  root.append(parts.toolbar, parts.filters, error, body);
  // Without a height (an older kernel) the stylesheet's default stands.
  const setHeight = () => {
    const px = Number(model.get("height"));
    if (Number.isFinite(px) && px > 0) root.style.setProperty("--sw-height", `${px}px`);
  };
  const listPanels = () => parts.panels.setPanels(mergeListed(parts.builtIn, model));
  setHeight();
  listPanels();
  model.on("change:height", setHeight);
  model.on("change:panels", listPanels);
  const unframe = () => {
    model.off("change:height", setHeight);
    model.off("change:panels", listPanels);
    parts.panels.destroy();
  };
  return { error, unframe };
}

function mergeListed(builtIn: readonly Panel[], model: Model): Panel[] {
  const listed = listedPanels(model, model.get("panels"));
  const byId = new Map(listed.map((p) => [p.id, p]));
  const known = new Set(builtIn.map((p) => p.id));
  return [...builtIn.map((p) => byId.get(p.id) ?? p), ...listed.filter((p) => !known.has(p.id))];
}
