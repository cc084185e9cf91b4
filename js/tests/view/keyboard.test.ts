// @vitest-environment jsdom
// Keyboard and assistive technology in the whole widget (a fake model on tests/fixture's counts): the heatmap's
// focus cell moves without selecting and is read by the live region, Enter / Space select; the gallery's cursor
// and open image are marked; Tab goes region by region. References are loops over the fixture's counts.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fmtInt, fmtPct } from "../../src/data/format";
import { rank } from "../../src/data/ranking";
import { heatmapKey, ownsKey, rovingIndex, startFocus } from "../../src/view/keyboard";
import { dv, FakeModel, mount, tick, VIEW_DEFAULTS } from "../fake-model";
import { index, losses, pooled } from "../fixture";

const C = index.C;
const names = Array.from({ length: C }, (_, c) => `class ${c}`);

describe("heatmap keys", () => {
  const order = [4, 0, 2, 5];
  it("arrows move along the shown order, clamped; Home / End jump within the row; Enter and Space select", () => {
    expect(heatmapKey("ArrowDown", [4, 4], order)).toEqual({ kind: "move", cell: [0, 4] });
    expect(heatmapKey("ArrowRight", [4, 2], order)).toEqual({ kind: "move", cell: [4, 5] });
    expect(heatmapKey("ArrowRight", [4, 5], order)).toEqual({ kind: "move", cell: [4, 5] });
    expect(heatmapKey("ArrowUp", [4, 0], order)).toEqual({ kind: "move", cell: [4, 0] });
    expect(heatmapKey("ArrowLeft", [2, 0], order)).toEqual({ kind: "move", cell: [2, 4] });
    expect(heatmapKey("Home", [2, 5], order)).toEqual({ kind: "move", cell: [2, 4] });
    expect(heatmapKey("End", [2, 4], order)).toEqual({ kind: "move", cell: [2, 5] });
    expect(heatmapKey("Enter", [2, 0], order)).toEqual({ kind: "select", cell: [2, 0] });
    expect(heatmapKey(" ", [2, 0], order)).toEqual({ kind: "select", cell: [2, 0] });
    expect(heatmapKey("a", [2, 0], order)).toBeNull();
    expect(heatmapKey("ArrowDown", [2, 0], [])).toBeNull();
  });

  it("the focus starts at the top-left drawn cell, and stays where it was while its classes are shown", () => {
    expect(startFocus(null, order, [0, 2], [2, 5])).toEqual([0, 2]);
    expect(startFocus([5, 4], order, [0, 2], [2, 5])).toEqual([5, 4]);
    expect(startFocus([1, 4], order, [0, 2], [2, 5])).toEqual([0, 2]); // class 1 no longer shown
    expect(startFocus(null, order, [], [])).toBeNull();
  });

  it("roving moves clamp at the ends; a control keeps the keys it needs", () => {
    expect(rovingIndex("ArrowRight", 2, 3)).toBe(2);
    expect(rovingIndex("ArrowLeft", 2, 3)).toBe(1);
    expect(rovingIndex("ArrowUp", 0, 3)).toBe(0);
    expect(rovingIndex("ArrowDown", 0, 3)).toBe(1);
    expect(rovingIndex("End", 0, 3)).toBe(2);
    expect(rovingIndex("Home", 2, 3)).toBe(0);
    expect(rovingIndex("Enter", 0, 3)).toBeNull();
    expect(rovingIndex("ArrowDown", 0, 0)).toBeNull();
    const input = (type: string) => Object.assign(document.createElement("input"), { type });
    expect(ownsKey(input("text"), "ArrowLeft")).toBe(true);
    expect(ownsKey(input("text"), "ArrowDown")).toBe(false);
    expect(ownsKey(input("range"), "ArrowDown")).toBe(true);
    expect(ownsKey(input("checkbox"), "ArrowLeft")).toBe(false);
    expect(ownsKey(document.createElement("select"), "ArrowDown")).toBe(true);
    expect(ownsKey(document.createElement("select"), "ArrowRight")).toBe(false);
    expect(ownsKey(document.createElement("button"), "ArrowRight")).toBe(false);
  });
});

let model: FakeModel;
let el: HTMLElement;
let unmount: () => void;
const q = (sel: string) => el.querySelector(sel) as HTMLElement;
const root = () => q('[data-testid="segwidget"]');
const canvas = () => q('[data-testid="segwidget-heatmap"]');
const gallery = () => q('[data-testid="segwidget-gallery"]');
const press = (target: Element, key: string, shiftKey = false) => {
  const e = new KeyboardEvent("keydown", { key, shiftKey, bubbles: true, cancelable: true });
  target.dispatchEvent(e);
  return e;
};

beforeEach(() => {
  model = new FakeModel({
    classes: names,
    colors: names.map(() => "#336699"),
    summary: { n_images: index.N, mean_iou: 0.5, pixel_accuracy: 0.9, mean_loss: 0.7, partial: false },
    pooled: dv(pooled()),
    mean_cm: dv(new Float64Array(C * C)),
    losses: dv(losses),
    cell_ptr: dv(index.cellPtr),
    cell_image: dv(index.cellImage),
    cell_count: dv(index.cellCount),
    ...VIEW_DEFAULTS,
  });
  ({ el, unmount } = mount(model));
  // jsdom lays nothing out: every element counts as shown (the [hidden] ones are still left out)
  vi.spyOn(Element.prototype, "getClientRects").mockReturnValue([{}] as unknown as DOMRectList);
});
afterEach(() => unmount());

/** The live region's sentence for (t, p), from loops over the fixture's counts. */
function sentence(t: number, p: number): string {
  const cm = pooled();
  let row = 0;
  for (let q = 0; q < C; q++) row += cm[t * C + q];
  const k = t * C + p;
  const images = index.cellPtr[k + 1] - index.cellPtr[k];
  const pair = t === p ? `${names[t]} (correct)` : `${names[t]} → ${names[p]}`;
  const imgs = `${fmtInt(images)} image${images === 1 ? "" : "s"}`;
  return `${pair}: ${fmtPct(cm[k] / row)} of true ${names[t]}, ${fmtInt(cm[k])} px, ${imgs}`;
}

describe("the heatmap's focus cell", () => {
  it("starts at the top-left drawn cell, moves with the arrows without selecting, and is read aloud", () => {
    const rows = JSON.parse(canvas().dataset.rows ?? "[]") as number[];
    const cols = JSON.parse(canvas().dataset.cols ?? "[]") as number[];
    canvas().focus();
    expect([root().dataset.focusTrue, root().dataset.focusPred]).toEqual([String(rows[0]), String(cols[0])]);
    for (const key of ["ArrowDown", "ArrowDown", "ArrowDown", "ArrowRight", "ArrowRight"])
      expect(press(canvas(), key).defaultPrevented).toBe(true);
    const [t, p] = [rows[3], cols[2]];
    expect([root().dataset.focusTrue, root().dataset.focusPred]).toEqual([String(t), String(p)]);
    expect(model.state.selected_cell).toBeNull();
    const live = q('[data-testid="segwidget-live"]');
    expect(live.getAttribute("aria-live")).toBe("polite");
    expect(root().contains(live)).toBe(true);
    expect(live.textContent).toBe(sentence(t, p));
    // Space selects, and its default (scrolling the page) is prevented
    expect(press(canvas(), " ").defaultPrevented).toBe(true);
    expect(model.state.selected_cell).toEqual([t, p]);
    press(canvas(), "ArrowLeft");
    press(canvas(), "Enter");
    expect(model.state.selected_cell).toEqual([t, cols[1]]);
  });
});

describe("the gallery's cursor and open image", () => {
  it("focus shows the cursor on the first visible image, Enter opens it, and the open tile is aria-current", async () => {
    const expected = rank(index, losses, null, "share");
    gallery().focus();
    const tiles = () => [...gallery().querySelectorAll<HTMLElement>('[data-testid="segwidget-thumb"]')];
    const cursor = tiles().filter((t) => t.getAttribute("aria-selected") === "true");
    expect(cursor.map((t) => t.dataset.rank)).toEqual(["0"]);
    expect(gallery().getAttribute("aria-activedescendant")).toBe(cursor[0].id);
    press(gallery(), "ArrowRight");
    const second = tiles().find((t) => t.getAttribute("aria-selected") === "true");
    expect(second?.dataset.rank).toBe("1");
    expect(gallery().getAttribute("aria-activedescendant")).toBe(second?.id);
    press(gallery(), "Enter");
    expect(model.state.selected_image).toBe(expected.indices[1]);
    await tick();
    const current = tiles().filter((t) => t.getAttribute("aria-current") === "true");
    expect(current.map((t) => Number(t.dataset.index))).toEqual([expected.indices[1]]);
  });
});

describe("Tab by region", () => {
  it("one stop per region in the order toolbar, heatmap, gallery, panels, and back", () => {
    const header = q(".sw-header");
    const first = header.querySelector<HTMLElement>("select, button, input");
    first?.focus();
    expect(document.activeElement).toBe(first);
    // the arrows move inside the toolbar; Tab leaves it at once
    press(document.activeElement as Element, "ArrowRight");
    expect(header.contains(document.activeElement)).toBe(true);
    expect(document.activeElement).not.toBe(first);
    press(document.activeElement as Element, "Tab");
    expect(document.activeElement).toBe(canvas());
    press(canvas(), "Tab"); // the detail is closed: no stop there
    expect(document.activeElement).toBe(gallery());
    press(gallery(), "Tab");
    expect(q(".sw-panelarea").contains(document.activeElement)).toBe(true);
    press(document.activeElement as Element, "Tab", true);
    expect(document.activeElement).toBe(gallery());
    press(gallery(), "Tab", true);
    expect(document.activeElement).toBe(canvas());
    press(canvas(), "Tab", true); // back to the toolbar's control used last
    expect(header.contains(document.activeElement)).toBe(true);
    expect(document.activeElement).not.toBe(first);
  });
});

describe("tooltips on keyboard focus", () => {
  it("show a focused control's title beside it, until Escape or the focus leaves", () => {
    const titled = [...el.querySelectorAll<HTMLElement>("button[title], select[title], input[title]")].find(
      (c) => !c.closest("[hidden]"),
    );
    if (!titled) throw new Error("no titled control shown");
    const tip = q('[data-testid="segwidget-focus-tip"]');
    expect(tip.hidden).toBe(true);
    titled.focus();
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toBe(titled.getAttribute("title"));
    expect(tip.getAttribute("aria-hidden")).toBe("true"); // the title is already its description
    press(titled, "Escape");
    expect(tip.hidden).toBe(true);
    titled.blur();
    canvas().focus();
    expect(tip.hidden).toBe(true);
  });
});
