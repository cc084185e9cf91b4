// @vitest-environment jsdom
// The region control, the confident order and the header's share in the whole widget (a fake model holding the
// state the kernel sends for tests/region_fixture.py's Results), checked against Python's answers.
import { afterEach, describe, expect, it } from "vitest";
import { fmtInt, fmtPct } from "../../src/data/format";
import { dv, FakeModel, mount, tick, VIEW_DEFAULTS } from "../fake-model";
import { type Index, type RegionCase, raw } from "../regions-fixture";

const { C, N } = raw;
const i32 = (a: number[]) => dv(Int32Array.from(a));
const EMPTY = dv(new Int32Array(0));

function regionModel(withCounts = true): FakeModel {
  const pooled = new Float64Array(C * C);
  for (let k = 0; k < C * C; k++)
    for (let j = raw.cell.ptr[k]; j < raw.cell.ptr[k + 1]; j++) pooled[k] += raw.cell.count[j];
  const index = (prefix: string, i: Index) =>
    withCounts
      ? { [`${prefix}_ptr`]: i32(i.ptr), [`${prefix}_image`]: i32(i.image), [`${prefix}_count`]: i32(i.count) }
      : { [`${prefix}_ptr`]: EMPTY, [`${prefix}_image`]: EMPTY, [`${prefix}_count`]: EMPTY };
  return new FakeModel({
    classes: Array.from({ length: C }, (_, c) => `class ${c}`),
    colors: Array.from({ length: C }, () => "#336699"),
    summary: {
      n_images: N,
      mean_iou: 0.5,
      pixel_accuracy: 0.9,
      mean_loss: 0.7,
      partial: false,
      boundary_error_share: withCounts ? raw.boundary_error_share : null,
    },
    pooled: dv(pooled),
    mean_cm: dv(new Float64Array(C * C)),
    losses: dv(Float64Array.from(raw.losses, (v) => (v === null ? Number.NaN : v))),
    cell_ptr: i32(raw.cell.ptr),
    cell_image: i32(raw.cell.image),
    cell_count: i32(raw.cell.count),
    ...index("band", raw.band),
    ...index("conf", raw.conf),
    region: "all",
    ...VIEW_DEFAULTS,
  });
}

let model: FakeModel;
let el: HTMLElement;
let unmount: () => void;
const q = (sel: string) => el.querySelector(sel) as HTMLElement;
const control = (name: string) => q(`[data-testid="segwidget-control"][data-name="${name}"]`) as HTMLSelectElement;
const gallery = () => q('[data-testid="segwidget-gallery"]');
const first = () => q('[data-testid="segwidget-thumb"][data-rank="0"]');
const choose = (select: HTMLSelectElement, value: string) => {
  select.value = value;
  select.dispatchEvent(new Event("change"));
};
const expected = (cell: [number, number] | null, order: string, region: string) =>
  (
    raw.cases.find(
      (c) =>
        JSON.stringify(c.cell) === JSON.stringify(cell) && c.order === order && c.region === region && !c.loss_range,
    ) as RegionCase
  ).indices;

/** The heatmap tooltip's lines for cell (t, p): pointer over its centre (the DOM contract's geometry). */
function tooltip(t: number, p: number): string {
  const canvas = q('[data-testid="segwidget-heatmap"]');
  const d = canvas.dataset;
  const size = Number(d.cellSize);
  const x = Number(d.originX) + (p + 0.5) * size;
  const y = Number(d.originY) + (t + 0.5) * size;
  canvas.dispatchEvent(new MouseEvent("mousemove", { clientX: x, clientY: y, bubbles: true }));
  return q(".sw-tooltip").textContent ?? "";
}

function show(withCounts = true): void {
  model = regionModel(withCounts);
  ({ el, unmount } = mount(model));
}

afterEach(() => unmount());

describe("region control", () => {
  it("sets the region trait; the heatmap's counts and the gallery follow the region", async () => {
    show();
    const region = control("region");
    expect((region.parentElement as HTMLElement).hidden).toBe(false);
    expect(region.value).toBe("all");
    const cell: [number, number] = [0, 1];
    model.set("selected_cell", cell);
    await tick();
    expect(tooltip(0, 1)).toContain(
      `pixels: ${fmtInt(raw.regions.interior.pooled[1] + raw.regions.boundary.pooled[1])}`,
    );
    choose(region, "interior");
    expect(model.state.region).toBe("interior");
    await tick();
    expect(model.saves).toBeGreaterThan(0);
    expect(tooltip(0, 1)).toContain(`pixels: ${fmtInt(raw.regions.interior.pooled[1])}`);
    const want = expected(cell, "share", "interior");
    expect(want).not.toEqual(expected(cell, "share", "all"));
    expect(gallery().dataset.count).toBe(String(want.length));
    expect(Number(first().dataset.index)).toBe(want[0]);
    expect(q(".sw-gallery-heading").textContent).toContain("interior pixels only");
    model.set("region", "boundary"); // from Python
    await tick();
    expect(region.value).toBe("boundary");
    expect(tooltip(0, 1)).toContain(`pixels: ${fmtInt(raw.regions.boundary.pooled[1])}`);
    expect(gallery().dataset.count).toBe(String(expected(cell, "share", "boundary").length));
  });

  it("the confident order ranks among all pixels, whatever the region, and says so", async () => {
    show();
    choose(control("order"), "confident");
    expect(model.state.order).toBe("confident");
    await tick();
    const none = expected(null, "confident", "all"); // label suspicion
    expect(gallery().dataset.count).toBe(String(none.length));
    expect(Number(first().dataset.index)).toBe(none[0]);
    expect(first().textContent).toContain("confident ");
    model.set("selected_cell", [1, 1]);
    model.set("region", "interior");
    await tick();
    const diag = expected([1, 1], "confident", "all");
    expect(gallery().dataset.count).toBe(String(diag.length));
    expect(Number(first().dataset.index)).toBe(diag[0]);
    expect(Number(first().dataset.score)).toBeGreaterThan(0);
    expect(q(".sw-gallery-heading").textContent).toContain("region colours the heatmap only");
    expect(tooltip(1, 0)).toContain(`pixels: ${fmtInt(raw.regions.interior.pooled[C])}`); // the heatmap's region
  });

  it("the header says the share of errors in the boundary band", () => {
    show();
    const stats = q(".sw-stats").textContent ?? "";
    expect(stats).toContain(`boundary: ${fmtPct(raw.boundary_error_share)}`);
    expect(stats).toContain("of errors");
  });

  it("with a slice, the header's share is of the slice's images (Results.subset's)", async () => {
    show();
    const { members, boundary_error_share: share } = raw.subsets[0];
    model.set("tags", { x: members });
    model.set("slice", { "tag:x": [true] });
    await tick();
    const stats = q(".sw-stats").textContent ?? "";
    expect(stats).toContain(`images of ${N}`);
    expect(stats).toContain(`boundary: ${fmtPct(share)}`);
    expect(share).not.toBe(raw.boundary_error_share);
  });

  it("is not offered without band counts, nor the confident order without confident counts", () => {
    show(false);
    expect(control("region").closest("[hidden]")).not.toBeNull(); // its toolbar group is hidden
    const confident = control("order").querySelector('option[value="confident"]') as HTMLOptionElement;
    expect(confident.disabled).toBe(true);
    expect(q(".sw-stats").textContent).not.toContain("boundary");
  });

  it("a region set without band counts shows every pixel", async () => {
    show(false);
    model.set("region", "interior");
    model.set("selected_cell", [0, 1]);
    await tick();
    expect(gallery().dataset.count).toBe(String(expected([0, 1], "share", "all").length));
  });
});
