// @vitest-environment jsdom
// The panel area (view/panels.ts) and the kernel-listed panels (view/widget-panels.ts), on their own and in the
// widget's frame (view/frame.ts): lazy mounting, updates, the switcher, and a listed panel replacing its twin.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Model } from "../../src/data/protocol";
import { lossEdges } from "../../src/report/chart-panels";
import { type Panel, PanelArea, type PanelContext } from "../../src/view/panels";
import { listedPanels, readListed, widgetManager } from "../../src/view/widget-panels";
import { dv, FakeModel, mount, tick, VIEW_DEFAULTS } from "../fake-model";
import { index, losses, pooled } from "../fixture";

/** A panel that records what the area asks of it. */
function recorder(id: string, available = true) {
  const calls: string[] = [];
  const panel: Panel = {
    id,
    label: `label ${id}`,
    available: () => available,
    mount: (el) => {
      calls.push("mount");
      el.append(Object.assign(document.createElement("p"), { textContent: `body ${id}` }));
    },
    update: () => calls.push("update"),
    destroy: () => calls.push("destroy"),
  };
  return { panel, calls };
}

const ctx = () => ({}) as PanelContext; // the area passes it through; a fresh object is a change
const tab = (area: PanelArea, id: string) =>
  area.el.querySelector(`[data-testid="segwidget-panel-tab"][data-panel="${id}"]`) as HTMLButtonElement;
const body = (area: PanelArea, id: string) =>
  area.el.querySelector(`[role="tabpanel"][data-panel="${id}"]`) as HTMLElement;

describe("PanelArea", () => {
  it("mounts only the shown panel, the first available one, and updates only it", () => {
    const a = recorder("a", false);
    const b = recorder("b");
    const c = recorder("c");
    const area = new PanelArea();
    area.setPanels([a.panel, b.panel, c.panel]);
    area.update(ctx());
    expect(area.shown).toBe("b");
    expect(area.el.dataset.panel).toBe("b");
    expect(tab(area, "a").hidden).toBe(true);
    expect([tab(area, "b").getAttribute("aria-selected"), tab(area, "c").getAttribute("aria-selected")]).toEqual([
      "true",
      "false",
    ]);
    expect(body(area, "c").hidden).toBe(true);
    area.update(ctx());
    expect([a.calls, b.calls, c.calls]).toEqual([[], ["mount", "update"], []]);
  });

  it("a tab click shows its panel: mounted once, updated with what it missed", () => {
    const b = recorder("b");
    const c = recorder("c");
    const area = new PanelArea();
    area.setPanels([b.panel, c.panel]);
    area.update(ctx());
    tab(area, "c").click();
    expect(area.shown).toBe("c");
    expect(body(area, "c").textContent).toBe("body c");
    expect(area.el.dataset.open).toBe("true");
    tab(area, "b").click();
    area.update(ctx());
    tab(area, "c").click();
    expect(c.calls).toEqual(["mount", "update"]);
    expect(body(area, "c").querySelectorAll("p")).toHaveLength(1); // kept, not rebuilt
    tab(area, "c").click(); // the shown tab again folds the area (where it folds: a narrow frame)
    expect(area.el.dataset.open).toBeUndefined();
  });

  it("arrow keys move between the offered tabs, wrapping round", () => {
    const [a, b, c] = [recorder("a"), recorder("b", false), recorder("c")];
    const area = new PanelArea();
    document.body.append(area.el);
    area.setPanels([a.panel, b.panel, c.panel]);
    area.update(ctx());
    tab(area, "a").dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    expect(area.shown).toBe("c");
    expect(document.activeElement).toBe(tab(area, "c"));
    tab(area, "c").dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    expect(area.shown).toBe("a");
    area.el.remove();
  });

  it("replacing the panels destroys the mounted ones dropped and keeps the others' DOM", () => {
    const [a, b] = [recorder("a"), recorder("b")];
    const area = new PanelArea();
    area.setPanels([a.panel, b.panel]);
    area.update(ctx());
    const kept = body(area, "a");
    const b2 = recorder("b");
    area.setPanels([a.panel, b2.panel]);
    expect(body(area, "a")).toBe(kept);
    expect(b.calls).toEqual([]); // never mounted: nothing to destroy
    area.setPanels([b2.panel]);
    expect(a.calls.at(-1)).toBe("destroy");
    expect(area.shown).toBe("b");
  });

  it("a panel whose mount fails says so in its place", async () => {
    const area = new PanelArea();
    area.setPanels([
      {
        id: "x",
        label: "x",
        mount: async () => {
          throw new Error("no <b>data</b>");
        },
      },
    ]);
    area.update(ctx());
    await tick();
    expect(body(area, "x").textContent).toBe("x: no <b>data</b>");
    expect(body(area, "x").querySelector("b")).toBeNull();
  });
});

describe("kernel-listed panels", () => {
  const listed = [
    { id: "iou", label: "IoU", title: "per-class IoU", widget: "IPY_MODEL_abc" },
    { id: "bad", label: "x", widget: "not a reference" },
    { id: 3, label: "x", widget: "IPY_MODEL_d" },
    null,
    { id: "map", widget: "IPY_MODEL_e" },
  ];

  it("reads the well-formed entries of the panels trait", () => {
    expect(readListed(listed)).toEqual([
      { id: "iou", label: "IoU", title: "per-class IoU", widget: "IPY_MODEL_abc" },
      { id: "map", label: "map", title: "map", widget: "IPY_MODEL_e" },
    ]);
    expect(readListed(undefined)).toEqual([]);
  });

  it("are offered only with a widget manager that can create views", () => {
    const bare = {} as Model;
    expect(widgetManager(bare)).toBeNull();
    expect(listedPanels(bare, listed)).toEqual([]);
    const getOnly = { widget_manager: { get_model: async () => ({}) } } as unknown as Model;
    expect(listedPanels(getOnly, listed)).toEqual([]);
  });

  it("mount the widget's view through the manager and remove it on destroy", async () => {
    const view = { el: document.createElement("div"), remove: vi.fn(), trigger: vi.fn() };
    const manager = { get_model: vi.fn(async (id: string) => ({ id })), create_view: vi.fn(async () => view) };
    const [panel] = listedPanels({ widget_manager: manager } as unknown as Model, listed.slice(0, 1));
    const el = document.createElement("div");
    await panel.mount(el, {} as PanelContext);
    expect(manager.get_model).toHaveBeenCalledWith("abc");
    expect(manager.create_view).toHaveBeenCalledWith({ id: "abc" }, {});
    expect(el.firstChild).toBe(view.el);
    expect(view.trigger).toHaveBeenCalledWith("displayed");
    panel.destroy?.();
    expect(view.remove).toHaveBeenCalled();
  });
});

describe("lossEdges", () => {
  it("splits the finite values' range into about √N equal bins, 10 to 40, as charts.py's loss_bins", () => {
    for (const n of [5, 150, 400, 5000]) {
      const values = Array.from({ length: n }, (_, i) => 0.5 + ((i * 7919) % n) / 3);
      values.push(Number.NaN, Number.POSITIVE_INFINITY);
      const edges = lossEdges(values);
      const bins = Math.min(40, Math.max(10, Math.floor(Math.sqrt(n))));
      expect(edges).toHaveLength(bins + 1);
      const finite = values.filter(Number.isFinite);
      expect(edges[0]).toBe(Math.min(...finite));
      expect(edges[bins]).toBe(Math.max(...finite));
      const width = (edges[bins] - edges[0]) / bins;
      for (let i = 1; i <= bins; i++) expect(edges[i] - edges[i - 1]).toBeCloseTo(width, 12);
    }
  });

  it("gives one value the bins of [v − 0.5, v + 0.5], and no value [0, 1]", () => {
    const edges = lossEdges([2, 2, 2]);
    expect([edges[0], edges.at(-1), edges.length]).toEqual([1.5, 2.5, 11]);
    expect(lossEdges([Number.NaN])).toEqual([0, 1]);
  });
});

describe("the widget's frame", () => {
  let model: FakeModel;
  let el: HTMLElement;
  let unmount: () => void;
  const C = index.C;
  const q = (sel: string) => el.querySelector(sel) as HTMLElement;

  beforeEach(() => {
    model = new FakeModel({
      classes: Array.from({ length: C }, (_, c) => `class ${c}`),
      colors: Array.from({ length: C }, () => "#336699"),
      summary: { n_images: index.N, mean_iou: 0.5, pixel_accuracy: 0.9, mean_loss: 0.7 },
      pooled: dv(pooled()),
      mean_cm: dv(new Float64Array(C * C)),
      losses: dv(losses),
      cell_ptr: dv(index.cellPtr),
      cell_image: dv(index.cellImage),
      cell_count: dv(index.cellCount),
      ...VIEW_DEFAULTS,
      height: 640,
      panels: [],
    });
    ({ el, unmount } = mount(model));
  });

  afterEach(() => unmount());

  it("lays out in a frame of the trait's height, the panel area beside the gallery, never above it", () => {
    const root = q('[data-testid="segwidget"]');
    expect(root.style.getPropertyValue("--sw-height")).toBe("640px");
    model.set("height", 500);
    expect(root.style.getPropertyValue("--sw-height")).toBe("500px");
    const area = q('[data-testid="segwidget-panelarea"]');
    expect(area.closest(".sw-left")).not.toBeNull();
    expect(q('[data-testid="segwidget-gallery"]').closest(".sw-right")).not.toBeNull();
    const tabs = [...area.querySelectorAll<HTMLElement>('[data-testid="segwidget-panel-tab"]')];
    expect(tabs.map((t) => t.dataset.panel)).toEqual(["pairs", "iou", "loss", "tags", "calibration", "objects", "map"]);
    expect(area.dataset.panel).toBe("pairs");
    expect(q(".sw-header .sw-filters")).not.toBeNull(); // the filters' control is in the toolbar
  });

  it("the canvas IoU chart follows the selection; a listed panel replaces it where a manager shows it", async () => {
    q('[data-testid="segwidget-panel-tab"][data-panel="iou"]').click();
    const bars = () => [...el.querySelectorAll<HTMLElement>('[data-panel="iou"] .swr-bar')];
    expect(bars()).toHaveLength(C);
    model.set("selected_cell", [1, 1]);
    await tick();
    expect(
      bars()
        .filter((b) => !b.classList.contains("swr-dim"))
        .map((b) => b.dataset.class),
    ).toEqual(["1"]);
    const view = { el: Object.assign(document.createElement("div"), { className: "bq" }) };
    (model as unknown as { widget_manager: object }).widget_manager = {
      get_model: async () => ({}),
      create_view: async () => view,
    };
    model.set("panels", [{ id: "iou", label: "IoU", title: "bqplot", widget: "IPY_MODEL_1" }]);
    await tick();
    expect(q('[role="tabpanel"][data-panel="iou"]').firstElementChild).toBe(view.el);
    expect(el.querySelectorAll('[data-testid="segwidget-panel-tab"][data-panel="iou"]')).toHaveLength(1);
  });

  it("the order's label says what the gallery is ordered by now", async () => {
    const label = () => (q('[data-name="order"]').parentElement as HTMLElement).firstElementChild?.textContent;
    expect(label()).toBe("by loss · a confusion by");
    model.set("selected_cell", [2, 2]);
    await tick();
    expect(label()).toBe("by IoU · a confusion by");
    model.set("selected_cell", [1, 2]);
    await tick();
    expect(label()).toBe("by");
    const normalize = q('[data-name="normalize"]') as HTMLSelectElement;
    expect(normalize.selectedOptions[0].textContent).toBe("share of true");
    expect(normalize.title).toContain("row-normalised");
  });
});
