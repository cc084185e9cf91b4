// Panels listed by the kernel (the synced `panels` trait, segwidget/view/panels.py): each names an ipywidgets
// widget (a bqplot figure, a box of them) that is shown in the panel area through the notebook's widget manager.
// Where there is no such manager (marimo, the offline report) they are not offered, and the built-in panel of the
// same id (a canvas chart) stands in.

import { h } from "../data/format";
import type { Model } from "../data/protocol";
import type { Panel } from "./panels";

/** One entry of the `panels` trait. */
export interface ListedPanel {
  id: string;
  label: string;
  title: string;
  /** "IPY_MODEL_<id>" of the widget to show. */
  widget: string;
}

const PREFIX = "IPY_MODEL_";

/** The widget manager's calls used here (ipywidgets' ManagerBase). */
interface Manager {
  get_model(id: string): Promise<unknown>;
  create_view(model: unknown, options?: object): Promise<View>;
}

interface View {
  el: HTMLElement;
  remove?(): void;
  trigger?(event: string): void;
  luminoWidget?: { processMessage?(msg: object): void };
}

/** The `panels` trait's well-formed entries (anything else is skipped: the kernel validates what it sends). */
export function readListed(value: unknown): ListedPanel[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry): ListedPanel[] => {
    const e = entry as Record<string, unknown> | null;
    if (!e || typeof e.id !== "string" || typeof e.widget !== "string" || !e.widget.startsWith(PREFIX)) return [];
    const label = typeof e.label === "string" && e.label ? e.label : e.id;
    return [{ id: e.id, label, title: typeof e.title === "string" ? e.title : label, widget: e.widget }];
  });
}

/** The notebook's widget manager, when it can create views (JupyterLab, Notebook 7, VS Code). */
export function widgetManager(model: Model): Manager | null {
  const manager = (model as unknown as { widget_manager?: Partial<Manager> }).widget_manager;
  return typeof manager?.get_model === "function" && typeof manager.create_view === "function"
    ? (manager as Manager)
    : null;
}

/** A panel showing the kernel's widget `listed` through `manager`. */
export function widgetPanel(manager: Manager, listed: ListedPanel): Panel {
  let view: View | null = null;
  return {
    id: listed.id,
    label: listed.label,
    title: listed.title,
    async mount(el) {
      el.append(h("div", "sw-dim", "loading…"));
      const child = await manager.get_model(listed.widget.slice(PREFIX.length));
      view = await manager.create_view(child, {});
      el.replaceChildren(view.el);
      // What ipywidgets does when it displays a view: tell it (and its Lumino children) that it is attached.
      view.luminoWidget?.processMessage?.({ type: "after-attach", isConflatable: false, conflate: () => false });
      view.trigger?.("displayed");
    },
    destroy() {
      view?.remove?.();
      view = null;
    },
  };
}

/** The kernel-listed panels this model can show (none without a widget manager). */
export function listedPanels(model: Model, value: unknown): Panel[] {
  const manager = widgetManager(model);
  return manager ? readListed(value).map((listed) => widgetPanel(manager, listed)) : [];
}
