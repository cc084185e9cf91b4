// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cellCenter, computeLayout, type Layout } from "../src/layout";
import type { Model } from "../src/protocol";
import { rank } from "../src/ranking";
import widget from "../src/widget";
import { index, losses, pooled } from "./fixture";

/** A stand-in for anywidget's model: traits, change events, sent messages. */
class FakeModel {
  state: Record<string, unknown>;
  sent: unknown[] = [];
  saves = 0;
  private listeners = new Map<string, Set<(...a: unknown[]) => void>>();

  constructor(state: Record<string, unknown>) {
    this.state = state;
  }
  get(key: string) {
    return this.state[key];
  }
  set(key: string, value: unknown) {
    this.state[key] = value;
    this.emit(`change:${key}`);
  }
  save_changes() {
    this.saves++;
  }
  on(event: string, cb: (...a: unknown[]) => void) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)?.add(cb);
  }
  off(event: string, cb: (...a: unknown[]) => void) {
    this.listeners.get(event)?.delete(cb);
  }
  send(content: unknown) {
    this.sent.push(content);
  }
  emit(event: string, ...args: unknown[]) {
    for (const cb of this.listeners.get(event) ?? []) cb(...args);
  }
  listenerCount() {
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }
}

const dv = (a: Float64Array | Int32Array) => new DataView(a.buffer, a.byteOffset, a.byteLength);

function fixtureModel(): FakeModel {
  const C = index.C;
  return new FakeModel({
    classes: Array.from({ length: C }, (_, c) => `class <b>${c}</b>`),
    colors: Array.from({ length: C }, () => "#336699"),
    summary: { n_images: index.N, mean_iou: 0.5, pixel_accuracy: 0.9, mean_loss: 0.7, partial: true },
    pooled: dv(pooled()),
    mean_cm: dv(new Float64Array(C * C)),
    losses: dv(losses),
    cell_ptr: dv(index.cellPtr),
    cell_image: dv(index.cellImage),
    cell_count: dv(index.cellCount),
    selected_cell: null,
    selected_image: null,
    order: "share",
    normalize: "true",
    log_scale: false,
    hide_diagonal: false,
    overlay: "prediction",
    loss_range: null,
  });
}

const tick = () => new Promise((r) => setTimeout(r, 0));

let model: FakeModel;
let el: HTMLElement;
let cleanup: () => void;
const q = (sel: string) => el.querySelector(sel) as HTMLElement;

beforeEach(() => {
  // jsdom has no canvas: drawing is skipped, layout and attributes are not.
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
  model = fixtureModel();
  el = document.createElement("div");
  document.body.append(el);
  cleanup = widget.render({ model: model as unknown as Model, el });
});

afterEach(() => {
  cleanup();
  el.remove();
  vi.restoreAllMocks();
});

function layoutOf(canvas: HTMLElement): Layout {
  const d = canvas.dataset;
  const L = computeLayout(Number(d.classes), 480, 1, () => 0);
  return { ...L, originX: Number(d.originX), originY: Number(d.originY), cell: Number(d.cellSize) };
}

describe("widget DOM contract", () => {
  it("renders the root, heatmap and gallery with their attributes", () => {
    const root = q('[data-testid="segwidget"]');
    expect(root.dataset.theme).toMatch(/^(light|dark)$/);
    expect(root.hasAttribute("data-selected-true")).toBe(false);
    const canvas = q('[data-testid="segwidget-heatmap"]');
    expect(canvas.dataset.classes).toBe(String(index.C));
    expect(Number(canvas.dataset.cellSize)).toBeGreaterThan(0);
    const gallery = q('[data-testid="segwidget-gallery"]');
    expect(gallery.dataset.count).toBe(String(index.N));
    const thumbs = [...el.querySelectorAll<HTMLElement>('[data-testid="segwidget-thumb"]')];
    expect(thumbs.length).toBeGreaterThan(0);
    expect(thumbs.length).toBeLessThan(index.N);
    const expected = rank(index, losses, null, "share");
    for (const t of thumbs) {
      const r = Number(t.dataset.rank);
      expect(Number(t.dataset.index)).toBe(expected.indices[r]);
      expect(Number(t.dataset.score)).toBe(expected.scores[r]);
    }
    expect(q('[data-testid="segwidget-detail"]').hidden).toBe(true);
  });

  it("shows class names as text, never HTML", () => {
    expect(el.querySelector("b")).toBeNull();
  });

  it("shows the summary with the partial badge", () => {
    expect(q(".sw-header").textContent).toContain("50.0%");
    expect(q(".sw-badge").textContent).toBe("partial");
  });

  it("asks for visible thumbnails in batches of at most 64", () => {
    const reqs = model.sent as { kind: string; indices: number[] }[];
    expect(reqs.length).toBeGreaterThan(0);
    for (const r of reqs) {
      expect(r.kind).toBe("thumbs");
      expect(r.indices.length).toBeLessThanOrEqual(64);
    }
  });

  it("a click on a cell selects it, re-ranks the gallery, and a second click clears", async () => {
    const canvas = q('[data-testid="segwidget-heatmap"]');
    const { x, y } = cellCenter(layoutOf(canvas), 0, 1);
    canvas.dispatchEvent(new MouseEvent("click", { clientX: x, clientY: y, bubbles: true }));
    expect(model.state.selected_cell).toEqual([0, 1]);
    expect(model.saves).toBe(1);
    await tick();
    const root = q('[data-testid="segwidget"]');
    expect(root.dataset.selectedTrue).toBe("0");
    expect(root.dataset.selectedPred).toBe("1");
    const expected = rank(index, losses, [0, 1], "share");
    expect(q('[data-testid="segwidget-gallery"]').dataset.count).toBe(String(expected.indices.length));
    const first = q('[data-testid="segwidget-thumb"][data-rank="0"]');
    expect(Number(first.dataset.index)).toBe(expected.indices[0]);
    canvas.dispatchEvent(new MouseEvent("click", { clientX: x, clientY: y, bubbles: true }));
    await tick();
    expect(model.state.selected_cell).toBeNull();
    expect(root.hasAttribute("data-selected-true")).toBe(false);
  });

  it("a click on a row label selects the class", () => {
    const canvas = q('[data-testid="segwidget-heatmap"]');
    const L = layoutOf(canvas);
    const { y } = cellCenter(L, 2, 0);
    canvas.dispatchEvent(new MouseEvent("click", { clientX: 1, clientY: y, bubbles: true }));
    expect(model.state.selected_cell).toEqual([2, 2]);
  });

  it("follows state set from Python: selection, order, loss range", async () => {
    model.set("selected_cell", [1, 0]);
    model.set("order", "pixels");
    model.set("loss_range", [0.2, 0.8]);
    await tick();
    const expected = rank(index, losses, [1, 0], "pixels", [0.2, 0.8]);
    expect(q('[data-testid="segwidget-gallery"]').dataset.count).toBe(String(expected.indices.length));
    expect(q('[data-testid="segwidget"]').dataset.selectedTrue).toBe("1");
    expect(q(".sw-gallery-heading").textContent).toContain("loss in");
    model.set("selected_cell", [99, 0]); // out of range: treated as nothing
    await tick();
    expect(q('[data-testid="segwidget"]').hasAttribute("data-selected-true")).toBe(false);
  });

  it("Escape clears the selection", async () => {
    model.set("selected_cell", [1, 1]);
    await tick();
    q(".sw-heatmap-canvas").dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(model.state.selected_cell).toBeNull();
  });

  it("opening a thumbnail sets selected_image and asks for the detail", async () => {
    const thumb = q('[data-testid="segwidget-thumb"][data-rank="1"]');
    thumb.dispatchEvent(new MouseEvent("click", { bubbles: true }));
    const idx = Number(thumb.dataset.index);
    expect(model.state.selected_image).toBe(idx);
    await tick();
    const detail = q('[data-testid="segwidget-detail"]');
    expect(detail.hidden).toBe(false);
    expect(detail.dataset.index).toBe(String(idx));
    expect(model.sent).toContainEqual(expect.objectContaining({ kind: "detail", index: idx }));
    const kinds = [...detail.querySelectorAll<HTMLElement>('[data-testid="segwidget-panel"]')].map(
      (p) => p.dataset.kind,
    );
    expect(kinds).toEqual(["image", "truth", "prediction", "pair"]);
    detail.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    expect(model.state.selected_image).toBe(Number(q('[data-testid="segwidget-thumb"][data-rank="2"]').dataset.index));
    detail.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await tick();
    expect(model.state.selected_image).toBeNull();
    expect(detail.hidden).toBe(true);
    expect(detail.hasAttribute("data-index")).toBe(false);
  });

  it("repaints for a new overlay without rebuilding the tiles", async () => {
    const before = el.querySelector('[data-testid="segwidget-thumb"]');
    model.set("overlay", "pair");
    await tick();
    expect(el.querySelector('[data-testid="segwidget-thumb"]')).toBe(before);
    const selects = el.querySelectorAll<HTMLSelectElement>(".sw-header select");
    expect(selects[selects.length - 1].value).toBe("pair");
  });

  it("opens the detail view when Python sets selected_image", async () => {
    model.set("selected_image", 3);
    await tick();
    const detail = q('[data-testid="segwidget-detail"]');
    expect(detail.hidden).toBe(false);
    expect(detail.dataset.index).toBe("3");
    model.set("selected_image", 10_000); // out of range: closed
    await tick();
    expect(detail.hidden).toBe(true);
  });

  it("asks for nothing when the results kept no images", async () => {
    model.set("summary", { ...(model.state.summary as object), has_images: false });
    model.sent = [];
    model.set("selected_cell", [0, 1]);
    model.set("selected_image", 0);
    await tick();
    expect(model.sent).toEqual([]);
    expect(q(".sw-detail-title").textContent).toContain("kept no images");
  });

  it("cleanup removes every listener and the DOM", () => {
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(el.children.length).toBe(0);
    cleanup = () => {};
  });
});
