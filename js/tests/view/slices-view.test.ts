// @vitest-environment jsdom
// The filter bar, the tag bar and the gallery's picks in the whole widget (a fake model holding the state the
// kernel sends for tests/slice_fixture.py's Results), checked against Python's Results.where(...) answers.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fmtInt, fmtPct } from "../../src/data/format";
import { dv, FakeModel, mount, tick, VIEW_DEFAULTS } from "../fake-model";
import json from "../fixtures/slices.json";

const XSS = "<img src=x onerror=window.__xss=1>";
interface Case {
  slice: Record<string, unknown[]>;
  members: number[];
  summary: { n_images: number; mean_iou: number | null; pixel_accuracy: number | null };
  rankings: { cell: [number, number] | null; order: string; indices: number[] }[];
}
const raw = json as unknown as {
  C: number;
  N: number;
  classes: string[];
  cell_ptr: number[];
  cell_image: number[];
  cell_count: number[];
  losses: (number | string | null)[];
  columns: { columns: { name: string }[] };
  column_data: string;
  tags: Record<string, number[]>;
  cases: Case[];
};

function sliceModel(): FakeModel {
  const { C } = raw;
  const pooled = new Float64Array(C * C);
  raw.cell_ptr.slice(0, -1).forEach((begin, k) => {
    for (let j = begin; j < raw.cell_ptr[k + 1]; j++) pooled[k] += raw.cell_count[j];
  });
  const num = (v: number | string | null) => (v === null ? Number.NaN : v === "inf" ? Infinity : Number(v));
  return new FakeModel({
    classes: raw.classes,
    colors: raw.classes.map(() => "#336699"),
    summary: { n_images: raw.N, mean_iou: 0.5, pixel_accuracy: 0.9, mean_loss: 0.7, partial: false },
    pooled: dv(pooled),
    mean_cm: dv(new Float64Array(C * C)),
    losses: dv(Float64Array.from(raw.losses, num)),
    cell_ptr: dv(Int32Array.from(raw.cell_ptr)),
    cell_image: dv(Int32Array.from(raw.cell_image)),
    cell_count: dv(Int32Array.from(raw.cell_count)),
    columns: raw.columns,
    column_data: dv(Uint8Array.from(atob(raw.column_data), (c) => c.charCodeAt(0))),
    slice: {},
    tags: raw.tags,
    picked_images: [],
    ...VIEW_DEFAULTS,
  });
}

let model: FakeModel;
let el: HTMLElement;
let unmount: () => void;
const q = (sel: string) => el.querySelector(sel) as HTMLElement;
const all = (sel: string) => [...el.querySelectorAll<HTMLElement>(sel)];
const gallery = () => q('[data-testid="segwidget-gallery"]');
const thumbs = () =>
  all('[data-testid="segwidget-thumb"]').sort((a, b) => Number(a.dataset.rank) - Number(b.dataset.rank));
const chip = (column: string, value: string) =>
  all('.sw-chip[data-name="slice"]').find(
    (c) => c.dataset.column === column && c.dataset.value === value,
  ) as HTMLElement;
const click = (target: Element, init: MouseEventInit = {}) =>
  target.dispatchEvent(new MouseEvent("click", { bubbles: true, ...init }));
const caseOf = (slice: object) => raw.cases.find((c) => JSON.stringify(c.slice) === JSON.stringify(slice)) as Case;
const ranking = (c: Case, cell: [number, number] | null = null) =>
  (
    c.rankings.find(
      (r) => JSON.stringify(r.cell) === JSON.stringify(cell) && r.order === "share",
    ) as Case["rankings"][0]
  ).indices;

beforeEach(() => {
  model = sliceModel();
  ({ el, unmount } = mount(model));
  // The filters open from their toolbar control, the tag bar is the panel area's "tags" panel.
  click(q('[data-name="slice"][data-action="filters"]'));
  click(q('[data-testid="segwidget-panel-tab"][data-panel="tags"]'));
});

afterEach(() => unmount());

/** The gallery's rendered thumbnails are the first of `expected`, at their ranks, and it counts them all. */
function expectGallery(expected: number[]): void {
  expect(gallery().dataset.count).toBe(String(expected.length));
  const shown = thumbs();
  expect(shown.length).toBeGreaterThan(0);
  for (const t of shown) expect(Number(t.dataset.index)).toBe(expected[Number(t.dataset.rank)]);
}

describe("filter bar", () => {
  it("shows text and boolean columns as chips, numeric ones as histograms, constant ones not at all", () => {
    const groups = all(".sw-filter").map((g) => [g.dataset.column, g.dataset.kind]);
    expect(groups).toEqual([
      ["city", "text"],
      ["night", "bool"],
      ["exposure", "number"],
      ["cars", "number"],
      ["image:height", "number"],
      ["tags", undefined],
    ]);
    expect(
      all('.sw-chip[data-column="city"]')
        .map((c) => c.dataset.value)
        .sort(),
    ).toEqual(["", "bonn", "köln", "ulm", XSS].sort());
    expect(all('.sw-hist[data-column="cars"] .sw-bin').length).toBe(6); // one bar per value 0..5
  });

  it("renders hostile values and tag names as text", () => {
    expect(chip("city", XSS).textContent).toContain(XSS);
    expect(chip(`tag:${XSS}`, "true").textContent).toContain(XSS);
    expect(el.querySelector("img")).toBeNull();
  });

  it("a chip sets the slice; the header, heatmap input and gallery follow the slice's images", async () => {
    click(chip("city", "bonn"));
    expect(model.state.slice).toEqual({ city: ["bonn"] });
    await tick();
    expect(model.saves).toBeGreaterThan(0);
    const c = caseOf({ city: ["bonn"] });
    expectGallery(ranking(c));
    const header = q(".sw-header").textContent ?? "";
    expect(header).toContain(`images of ${fmtInt(raw.N)}`);
    expect(header).toContain(fmtPct(c.summary.mean_iou));
    expect(header).toContain(fmtPct(c.summary.pixel_accuracy));
    expect(q(".sw-gallery-heading").textContent).toContain("slice: city = bonn");
    expect(chip("city", "bonn").getAttribute("aria-pressed")).toBe("true");
    click(chip("city", "köln")); // a second value of the same column: either
    expect(model.state.slice).toEqual({ city: ["bonn", "köln"] });
    await tick();
    click(chip("city", "bonn"));
    expect(model.state.slice).toEqual({ city: ["köln"] });
    await tick();
    click(chip("city", "köln")); // the last value off: no condition on the column
    expect(model.state.slice).toEqual({});
  });

  it("columns combine with AND, and the selected cell ranks within the slice", async () => {
    model.set("selected_cell", [0, 1]);
    click(chip("city", "bonn"));
    await tick();
    click(chip("city", "köln"));
    await tick();
    click(chip("night", "true"));
    expect(model.state.slice).toEqual({ city: ["bonn", "köln"], night: [true] });
    await tick();
    expectGallery(ranking(caseOf({ city: ["bonn", "köln"], night: [true] }), [0, 1]));
  });

  it("follows every slice set from Python, as Results.where(...).rank says", async () => {
    for (const c of raw.cases) {
      for (const cell of [null, [2, 3], [3, 3]] as const) {
        model.set("selected_cell", cell);
        model.set("slice", c.slice);
        await tick();
        const expected = ranking(c, cell as [number, number] | null);
        expect(gallery().dataset.count, JSON.stringify([c.slice, cell])).toBe(String(expected.length));
        for (const t of thumbs()) expect(Number(t.dataset.index)).toBe(expected[Number(t.dataset.rank)]);
      }
    }
  });

  it("brushing a histogram keeps the range of the bars dragged across", async () => {
    const bins = all('.sw-hist[data-column="cars"] .sw-bin');
    bins[1].dispatchEvent(new MouseEvent("mousedown", { bubbles: true, button: 0 }));
    bins[3].dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
    window.dispatchEvent(new MouseEvent("mouseup"));
    expect(model.state.slice).toEqual({ cars: [1, 3] });
    await tick();
    const bars = all('.sw-hist[data-column="cars"] .sw-bin');
    expect(bars.map((b) => b.classList.contains("sw-on"))).toEqual([false, true, true, true, false, false]);
    expect(q('.sw-filter[data-column="cars"] .sw-range').textContent).toBe("[1, 3]");
    q('.sw-filter[data-column="cars"] [data-action="remove"]').click();
    expect(model.state.slice).toEqual({});
  });

  it("a tag chip keeps the tagged images; other conditions show as chips that remove them", async () => {
    click(chip("tag:relabel", "true"));
    expect(model.state.slice).toEqual({ "tag:relabel": [true] });
    await tick();
    expectGallery(ranking(caseOf({ "tag:relabel": [true] })));
    model.set("slice", { "pixels:class 2": [40, null] });
    await tick();
    const other = all('.sw-filter[data-column="other"] .sw-chip');
    expect(other.map((c) => c.textContent)).toEqual(["pixels:class 2 in [40, ∞]"]);
    expectGallery(ranking(caseOf({ "pixels:class 2": [40, null] })));
    click(other[0]);
    expect(model.state.slice).toEqual({});
  });

  it("clear slice empties it; an empty result says so", async () => {
    model.set("slice", { city: ["nowhere"] });
    await tick();
    expect(gallery().dataset.count).toBe("0");
    expect(q(".sw-filters-head").textContent).toContain("0 of 150 images");
    q('[data-name="slice"][data-action="clear"]').click();
    expect(model.state.slice).toEqual({});
  });
});

describe("tags", () => {
  const input = () => q('[data-testid="segwidget-tags"] input') as HTMLInputElement;
  const action = (name: string) => q(`[data-testid="segwidget-tags"] [data-action="${name}"]`) as HTMLButtonElement;
  const type = (text: string) => {
    input().value = text;
    input().dispatchEvent(new Event("input"));
  };

  it("modifier-clicks pick thumbnails; a typed name tags them, shown as text badges", async () => {
    const [a, b] = thumbs();
    click(a, { shiftKey: true });
    expect(model.state.picked_images).toEqual([Number(a.dataset.index)]);
    await tick();
    click(b, { ctrlKey: true });
    await tick();
    const picked = [Number(a.dataset.index), Number(b.dataset.index)].sort((x, y) => x - y);
    expect(model.state.picked_images).toEqual(picked);
    expect(model.state.selected_image).toBeNull(); // picking does not open the detail view
    expect(a.dataset.picked).toBe("true");
    expect(q('[data-testid="segwidget-tags"]').textContent).toContain("2 picked");
    expect(action("tag-picked").disabled).toBe(true); // no name yet
    type(`  ${XSS}  `);
    action("tag-picked").click();
    expect(model.state.tags).toEqual({
      ...raw.tags,
      [XSS]: [...new Set([...raw.tags[XSS], ...picked])].sort((x, y) => x - y),
    });
    expect(model.state.picked_images).toEqual([]);
    await tick();
    expect(JSON.parse(a.dataset.tags ?? "[]")).toContain(XSS);
    expect(a.querySelector(".sw-tag-badge")?.textContent).toBeTruthy();
    expect([...a.querySelectorAll(".sw-tag-badge")].map((s) => s.textContent)).toContain(XSS);
    expect(el.querySelector("img")).toBeNull();
  });

  it("Space on the keyboard cursor picks, Enter still opens", async () => {
    const viewport = gallery();
    viewport.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    viewport.dispatchEvent(new KeyboardEvent("keydown", { key: " ", bubbles: true }));
    expect(model.state.picked_images).toEqual([Number(thumbs()[0].dataset.index)]);
  });

  it("tag all shown tags exactly the gallery's images; untagging the last drops the tag and its condition", async () => {
    model.set("slice", { city: ["bonn"] });
    await tick();
    type("bonn set");
    action("tag-shown").click();
    const shown = [...ranking(caseOf({ city: ["bonn"] }))].sort((x, y) => x - y);
    expect((model.state.tags as Record<string, number[]>)["bonn set"]).toEqual(shown);
    model.set("slice", { "tag:bonn set": [true] });
    await tick();
    expectGallery(ranking(caseOf({ city: ["bonn"] })));
    model.set("picked_images", shown);
    await tick();
    action("untag-picked").click();
    expect(model.state.tags).not.toHaveProperty("bonn set");
    expect(model.state.slice).toEqual({}); // no condition on a tag that is gone
  });
});
