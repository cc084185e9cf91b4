// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { focusClasses, orderOf } from "../src/data/classview";
import { rank } from "../src/data/ranking";
import { dv, FakeModel, mount, tick, VIEW_DEFAULTS } from "./fake-model";
import { index, losses, pooled } from "./fixture";

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
    ...VIEW_DEFAULTS,
  });
}

let model: FakeModel;
let el: HTMLElement;
let unmount: () => void;
const q = (sel: string) => el.querySelector(sel) as HTMLElement;

beforeEach(() => {
  model = fixtureModel();
  ({ el, unmount } = mount(model));
});

afterEach(() => unmount());

/** Cell (t, p)'s centre from the DOM contract alone: origin + (cols.indexOf(p)+0.5, rows.indexOf(t)+0.5)·size. */
function centre(canvas: HTMLElement, t: number, p: number): { x: number; y: number } {
  const d = canvas.dataset;
  const rows = JSON.parse(d.rows ?? "[]") as number[];
  const cols = JSON.parse(d.cols ?? "[]") as number[];
  if (!rows.includes(t) || !cols.includes(p)) throw new Error(`cell ${t},${p} is not drawn`);
  const size = Number(d.cellSize);
  return {
    x: Number(d.originX) + (cols.indexOf(p) + 0.5) * size,
    y: Number(d.originY) + (rows.indexOf(t) + 0.5) * size,
  };
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
    const { x, y } = centre(canvas, 0, 1);
    canvas.dispatchEvent(new MouseEvent("click", { clientX: x, clientY: y, bubbles: true }));
    expect(model.state.selected_cell).toEqual([0, 1]);
    await tick();
    expect(model.saves).toBe(1); // saved after the redraw it causes
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
    const { y } = centre(canvas, 2, 0);
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
    const overlay = el.querySelector<HTMLSelectElement>('.sw-header select[data-name="overlay"]');
    expect(overlay?.value).toBe("pair");
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

  it("draws the classes of visible_classes, in its order, and follows it from Python", async () => {
    const canvas = q('[data-testid="segwidget-heatmap"]');
    expect(JSON.parse(canvas.dataset.rows ?? "")).toEqual([...Array(index.C).keys()]);
    model.set("visible_classes", [3, 0, 1]);
    await tick();
    expect(JSON.parse(canvas.dataset.rows ?? "")).toEqual([3, 0, 1]);
    expect(JSON.parse(canvas.dataset.cols ?? "")).toEqual([3, 0, 1]);
    const { x, y } = centre(canvas, 0, 1);
    canvas.dispatchEvent(new MouseEvent("click", { clientX: x, clientY: y, bubbles: true }));
    expect(model.state.selected_cell).toEqual([0, 1]);
    const order = el.querySelector<HTMLSelectElement>('[data-name="visible_classes"][data-action="order"]');
    expect(order?.value).toBe(orderOf([3, 0, 1], pooled(), index.C)); // its state is read from the list
    if (!order) return;
    order.value = "index";
    order.dispatchEvent(new Event("change"));
    expect(model.state.visible_classes).toEqual([0, 1, 3]);
  });

  it("labels every header control with the trait it sets", () => {
    const names = [...el.querySelectorAll<HTMLElement>('[data-testid="segwidget-control"]')].map((c) => c.dataset.name);
    for (const trait of ["normalize", "log_scale", "hide_diagonal", "order", "overlay", "visible_classes", "zoom"]) {
      expect(names).toContain(trait);
    }
    const zoom = el.querySelector<HTMLSelectElement>('[data-name="zoom"]');
    if (!zoom) throw new Error("no zoom control");
    zoom.value = "4";
    zoom.dispatchEvent(new Event("change"));
    expect(model.state.zoom).toBe(4);
  });

  it("re-labels the same tiles when the ranking changes, never recreating them", async () => {
    const before = [...el.querySelectorAll('[data-testid="segwidget-thumb"]')];
    model.set("selected_cell", [0, 1]);
    await tick();
    const after = [...el.querySelectorAll<HTMLElement>('[data-testid="segwidget-thumb"]')];
    const expected = rank(index, losses, [0, 1], "share");
    expect(after.length).toBe(Math.min(before.length, expected.indices.length));
    for (const tile of after) {
      expect(before).toContain(tile);
      expect(Number(tile.dataset.index)).toBe(expected.indices[Number(tile.dataset.rank)]);
    }
  });

  it("with many classes, focuses once on as many of the most confused as fit, then keeps the choice", async () => {
    unmount();
    const C = 60;
    const big = new Float64Array(C * C);
    for (let c = 0; c < C; c++) big[c * C + c] = 1000;
    for (let c = 0; c < C; c++) big[c * C + ((c * 7 + 3) % C)] += 10 + c; // one confusion per class
    const width = vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(400);
    model = fixtureModel();
    Object.assign(model.state, {
      classes: Array.from({ length: C }, (_, c) => `c${c}`),
      colors: Array.from({ length: C }, () => "#336699"),
      pooled: dv(big),
      mean_cm: dv(new Float64Array(0)),
      losses: dv(new Float64Array(0)),
      cell_ptr: dv(new Int32Array(C * C + 1)),
      cell_image: dv(new Int32Array(0)),
      cell_count: dv(new Int32Array(0)),
      auto_focus: true,
    });
    ({ el, unmount } = mount(model));
    await tick();
    const k = Math.floor((400 - 140) / 12);
    expect(model.state.visible_classes).toEqual(focusClasses(big, C, k));
    expect(model.state.auto_focus).toBe(false);
    expect(JSON.parse(q('[data-testid="segwidget-heatmap"]').dataset.rows ?? "")).toEqual(focusClasses(big, C, k));
    model.set("visible_classes", []); // "all" chosen later: not focused again
    await tick();
    expect(model.state.visible_classes).toEqual([]);
    width.mockRestore();
  });

  it("cleanup removes every listener and the DOM", () => {
    unmount();
    expect(model.listenerCount()).toBe(0);
    expect(el.children.length).toBe(0);
    unmount = () => {};
  });
});
