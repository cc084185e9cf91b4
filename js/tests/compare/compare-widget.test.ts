// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rankChanges } from "../../src/compare/ranking";
import { truthPixels } from "../../src/data/slices";
import { compareCases, modelA, modelB } from "../compare-fixture";
import { dv, FakeModel, mount, VIEW_DEFAULTS } from "../fake-model";

/** The explorer's state for the fixture's comparison, as the kernel sends it. */
function comparisonModel(): FakeModel {
  const C = modelA.C;
  const arrays = (m: typeof modelA, suffix: string) => ({
    [`pooled${suffix}`]: dv(m.pooled),
    [`mean_cm${suffix}`]: dv(new Float64Array(C * C)),
    [`losses${suffix}`]: dv(m.losses),
    [`cell_ptr${suffix}`]: dv(m.cellPtr),
    [`cell_image${suffix}`]: dv(m.cellImage),
    [`cell_count${suffix}`]: dv(m.cellCount),
  });
  return new FakeModel({
    classes: Array.from({ length: C }, (_, c) => `class <b>${c}</b>`),
    colors: Array.from({ length: C }, () => "#336699"),
    summary: { n_images: modelA.N, mean_iou: 0.5, pixel_accuracy: 0.9, mean_loss: 0.7, partial: false },
    ...arrays(modelA, ""),
    ...arrays(modelB, "_b"),
    comparison_summary: {
      names: ["old <i>", "new"],
      mean_iou: [0.5, 0.625, 0.125],
      pixel_accuracy: [0.9, 0.85, -0.05],
      mean_loss: [0.7, null, null],
    },
    model: "delta",
    direction: "worse",
    ...VIEW_DEFAULTS,
    overlay: "difference",
  });
}

const tick = () => new Promise((r) => setTimeout(r, 0));

let model: FakeModel;
let el: HTMLElement;
let unmount: () => void;
const q = (sel: string) => el.querySelector(sel) as HTMLElement;
const thumbs = () => [...el.querySelectorAll<HTMLElement>('[data-testid="segwidget-thumb"]')];

beforeEach(() => {
  model = comparisonModel();
  ({ el, unmount } = mount(model));
});

afterEach(() => unmount());

/** The gallery shows what Python's comparison ranking says for this selection and direction. */
function expectGallery(cell: [number, number] | null, direction: "worse" | "better"): void {
  const expected = compareCases.find(
    (c) => JSON.stringify(c.cell) === JSON.stringify(cell) && c.direction === direction && !c.loss_range,
  );
  if (!expected) throw new Error("no such case");
  expect(q('[data-testid="segwidget-gallery"]').dataset.count).toBe(String(expected.indices.length));
  const shown = thumbs();
  expect(shown.length).toBeGreaterThan(0);
  for (const t of shown) {
    const r = Number(t.dataset.rank);
    expect(Number(t.dataset.index)).toBe(expected.indices[r]);
    expect(Number(t.dataset.score)).toBe(expected.scores[r] ?? Number.NaN);
  }
}

/** A cell with images in both directions. */
const cell = (() => {
  const both = compareCases.filter((c) => c.cell && c.cell[0] !== c.cell[1] && c.indices.length > 1 && !c.loss_range);
  const key = (c: { cell: [number, number] | null }) => JSON.stringify(c.cell);
  const found = both.find(
    (c) => c.direction === "worse" && both.some((d) => d.direction === "better" && key(d) === key(c)),
  );
  return found?.cell as [number, number];
})();

describe("the comparison view", () => {
  it("ranks the gallery by the loss change with nothing selected, worse first", () => {
    expectGallery(null, "worse");
  });

  it("shows both models' numbers and the model and direction controls, not the share/pixels order", () => {
    const header = q(".sw-header");
    expect(header.textContent).toContain("50.0% → 62.5%");
    expect(header.textContent).toContain("+12.5 pts");
    expect(header.textContent).toContain("−5.0 pts");
    expect(header.textContent).toContain("old <i> → new");
    expect(el.querySelector("i")).toBeNull(); // names are text
    const control = (name: string) => q(`[data-testid="segwidget-control"][data-name="${name}"]`) as HTMLSelectElement;
    expect(control("model").value).toBe("delta");
    expect(control("direction").value).toBe("worse");
    expect([...control("model").options].map((o) => o.textContent)).toEqual(["new − old <i>", "old <i>", "new"]);
    expect((control("order").parentElement as HTMLElement).hidden).toBe(true);
    const overlays = [...control("overlay").options].filter((o) => !o.hidden).map((o) => o.value);
    expect(overlays).toContain("difference");
    expect(overlays).toContain("prediction-b");
    expect(control("overlay").value).toBe("difference");
  });

  it("a click on a delta cell ranks by the change of its share; the direction control flips it", async () => {
    const canvas = q('[data-testid="segwidget-heatmap"]');
    const d = canvas.dataset;
    const size = Number(d.cellSize);
    const [t, p] = cell;
    const x = Number(d.originX) + (p + 0.5) * size;
    const y = Number(d.originY) + (t + 0.5) * size;
    canvas.dispatchEvent(new MouseEvent("click", { clientX: x, clientY: y, bubbles: true }));
    expect(model.state.selected_cell).toEqual([t, p]);
    await tick();
    expectGallery([t, p], "worse");
    expect(q(".sw-gallery-heading").textContent).toContain("grew");
    expect(thumbs()[0].textContent).toContain("old <i>");
    const direction = q('[data-name="direction"]') as HTMLSelectElement;
    direction.value = "better";
    direction.dispatchEvent(new Event("change"));
    expect(model.state.direction).toBe("better");
    await tick();
    expectGallery([t, p], "better");
    expect(q(".sw-gallery-heading").textContent).toContain("shrank");
  });

  it("follows model and direction set from Python", async () => {
    model.set("direction", "better");
    model.set("selected_cell", [2, 2]);
    await tick();
    expectGallery([2, 2], "better");
    model.set("model", "B");
    await tick();
    expect((q('[data-name="model"]') as HTMLSelectElement).value).toBe("B");
    expect(q(".sw-legend-title").textContent).toContain("new");
    model.set("model", "delta");
    await tick();
    expect(q(".sw-legend-title").textContent).toContain("red: new worse");
  });

  it("filters by the loss change", async () => {
    const c = compareCases.find((x) => x.cell === null && x.loss_range && x.direction === "worse");
    if (!c?.loss_range) throw new Error("no filtered case");
    model.set("loss_range", c.loss_range);
    await tick();
    const r = rankChanges(modelA, modelB, modelA.losses, modelB.losses, null, "worse", c.loss_range);
    expect(Array.from(r.indices)).toEqual(c.indices);
    expect(q('[data-testid="segwidget-gallery"]').dataset.count).toBe(String(c.indices.length));
    expect(q(".sw-gallery-heading").textContent).toContain("loss change in");
  });

  it("keeps a slice's images, and counts both models' numbers over them", async () => {
    const member = Array.from(truthPixels(modelA, 1), (v) => v >= 48);
    expect(member.filter(Boolean).length).toBeGreaterThan(3);
    expect(member.filter(Boolean).length).toBeLessThan(modelA.N);
    model.set("selected_cell", [1, 0]);
    model.set("slice", { "pixels:class <b>1</b>": [48, null] });
    await tick();
    const all = rankChanges(modelA, modelB, modelA.losses, modelB.losses, [1, 0], "worse");
    const kept = Array.from(all.indices).filter((n) => member[n]);
    expect(q('[data-testid="segwidget-gallery"]').dataset.count).toBe(String(kept.length));
    for (const t of thumbs()) expect(Number(t.dataset.index)).toBe(kept[Number(t.dataset.rank)]);
    expect(q(".sw-header").textContent).toContain(`${member.filter(Boolean).length} of ${modelA.N}`);
    // the slice's pixel accuracy of each model, from the members' own counts
    const accuracy = (m: typeof modelA) => {
      let right = 0;
      let all = 0;
      member.forEach((inside, n) => {
        if (!inside) return;
        for (let k = 0; k < m.C * m.C; k++) {
          const j = Array.from(m.cellImage.subarray(m.cellPtr[k], m.cellPtr[k + 1])).indexOf(n);
          if (j < 0) continue;
          all += m.cellCount[m.cellPtr[k] + j];
          if (k % (m.C + 1) === 0) right += m.cellCount[m.cellPtr[k] + j];
        }
      });
      return right / all;
    };
    const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
    expect(q(".sw-header").textContent).toContain(`${pct(accuracy(modelA))} → ${pct(accuracy(modelB))}`);
  });

  it("ranks by similar_to (more like this) as one model's view does, within the map selection", async () => {
    // the kernel's k-nearest lists, made here by a loop: nearest by A's loss, ties by index
    const [N, k] = [modelA.N, 3];
    const near = (i: number) =>
      Array.from({ length: N }, (_, j) => j)
        .filter((j) => j !== i)
        .map((j) => ({ j, d: Math.abs(modelA.losses[j] - modelA.losses[i]) }))
        .sort((x, y) => x.d - y.d || x.j - y.j)
        .slice(0, k);
    const lists = Array.from({ length: N }, (_, i) => near(i));
    model.set("map_kind", "errors");
    model.set("map_k", k);
    model.set("map_xy", dv(new Float32Array(2 * N)));
    model.set("map_neighbors", dv(Int32Array.from(lists.flatMap((l) => l.map((x) => x.j)))));
    model.set("map_distances", dv(Float32Array.from(lists.flatMap((l) => l.map((x) => x.d)))));
    model.set("similar_to", 2);
    await tick();
    const want = lists[2];
    expect(q('[data-testid="segwidget-gallery"]').dataset.count).toBe(String(want.length));
    for (const t of thumbs()) {
      const r = Number(t.dataset.rank);
      expect(Number(t.dataset.index)).toBe(want[r].j);
      expect(Number(t.dataset.score)).toBe(Math.fround(want[r].d));
      expect(t.textContent).toContain(`#${want[r].j} · distance`);
      expect(t.textContent).toContain("old <i>"); // both models' losses, names as text
    }
    expect(q(".sw-gallery-heading").textContent).toContain("most like image 2");
    model.set("map_selection", [want[0].j, want[2].j]); // restricted to the map selection, order kept
    await tick();
    expect(thumbs().map((t) => Number(t.dataset.index))).toEqual([want[0].j, want[2].j]);
    model.set("similar_to", null);
    model.set("map_selection", []);
    await tick();
    expectGallery(null, "worse");
  });

  it("lists the most changed confusions beside the heatmap", () => {
    expect(q(".sw-side .sw-side-title").textContent).toContain("most changed");
    expect(el.querySelectorAll(".sw-pairs li").length).toBeGreaterThan(1);
  });

  it("opens a detail view with both predictions and their difference", async () => {
    thumbs()[0].dispatchEvent(new MouseEvent("click", { bubbles: true }));
    await tick();
    const detail = q('[data-testid="segwidget-detail"]');
    expect(detail.hidden).toBe(false);
    const panels = [...detail.querySelectorAll<HTMLElement>('[data-testid="segwidget-panel"]')];
    expect(panels.map((x) => x.dataset.kind)).toEqual(["image", "truth", "prediction", "prediction-b", "difference"]);
    expect(panels[3].textContent).toContain("new");
  });
});
