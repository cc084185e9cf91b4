// @vitest-environment jsdom
// The objects chart (the browser's panel "objects", the report's chart): its bars' counts against a loop over the
// truth records, per size binning and under a slice; a click on a bar's row, and the arrow keys with Enter, select
// class, order and bin; the bins' select sets object_bins; the focused bar is drawn and read out.
import { describe, expect, it, vi } from "vitest";
import { fmtPct } from "../../src/data/format";
import type { Data, Model } from "../../src/data/protocol";
import { barsOf, objectsChartPanel, ROW, SIZE_COLORS } from "../../src/report/objects-chart";
import { ObjectView } from "../../src/view/objectview";
import type { PanelContext } from "../../src/view/panels";
import { FakeModel } from "../fake-model";

// rows image, class, pixels, missed, other: classes 1 and 2 have objects, class 0 none
const truth = [
  [0, 1, 40, 1, -1],
  [0, 1, 30, 0, -1],
  [1, 1, 2000, 1, 0],
  [1, 1, 5, 0, -1],
  [1, 2, 20000, 0, -1],
  [0, 2, 900, 1, 0],
  [1, 2, 1100, 0, -1],
];
const rows = (a: number[][]) => new DataView(Int32Array.from(a.flat()).buffer);

/** The loop: per (class, bin) [objects, missed] of the records in `images`, bins by `binOf`. */
function expected(images: number[], binOf: (c: number, size: number) => number): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const [n, c, px, missed] of truth) {
    if (!images.includes(n)) continue;
    const key = `${c},${binOf(c, px)}`;
    const [k, m] = out.get(key) ?? [0, 0];
    out.set(key, [k + 1, m + missed]);
  }
  return out;
}

function setup(member: Uint8Array | null = null) {
  const model = new FakeModel({
    objects_truth: rows(truth),
    objects_false: rows([]),
    order: "share",
    object_size: null,
    object_bins: "coco",
  });
  const view = new ObjectView(model as unknown as Model);
  const panel = objectsChartPanel(view);
  const data = { C: 3, N: 2, classes: ["road", "car", "<b>sign</b>"] } as unknown as Data;
  const ctx = { model, data, counts: { member }, cell: null, comparison: false } as unknown as PanelContext;
  const el = document.createElement("div");
  document.body.replaceChildren(el);
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null); // jsdom draws nothing
  panel.mount(el, ctx);
  const canvas = el.querySelector<HTMLCanvasElement>('[data-testid="segwidget-objects-chart"]') as HTMLCanvasElement;
  const bars = () => JSON.parse(canvas.dataset.bars ?? "[]") as number[][];
  const drawn = () =>
    new Map(
      bars()
        .filter((b) => b[2] > 0)
        .map((b) => [`${b[0]},${b[1]}`, [b[2], b[3]]]),
    );
  return { model, panel, ctx, el, canvas, bars, drawn };
}

const coco = (_c: number, px: number) => (px < 32 * 32 ? 0 : px < 96 * 96 ? 1 : 2);

describe("the objects chart", () => {
  it("draws, per class with objects, three bars whose counts are the loop's", () => {
    const { bars, drawn } = setup();
    expect(drawn()).toEqual(expected([0, 1], coco));
    expect(bars().map((b) => [b[0], b[1]])).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 0],
      [2, 1],
      [2, 2],
    ]);
    expect(barsOf({ classes: ["a"], objects: new Int32Array(3), missed: new Int32Array(3) } as never)).toEqual([]);
  });

  it("follows the slice with no round trip, and the terciles of the slice's own objects", () => {
    const only1 = Uint8Array.from([0, 1]);
    const { drawn, model, panel, ctx } = setup(only1);
    expect(drawn()).toEqual(expected([1], coco));
    model.set("object_bins", "terciles");
    panel.update?.(ctx);
    // class 1 in image 1: sizes 5, 2000 → np.quantile at 1/3 and 2/3: 668.33…, 1336.66…; class 2: 1100, 20000
    const third = (lo: number, hi: number) => (px: number) => (px >= lo ? 1 : 0) + (px >= hi ? 1 : 0);
    const edges: Record<number, (px: number) => number> = {
      1: third(5 + (2000 - 5) / 3, 5 + (2 * (2000 - 5)) / 3),
      2: third(1100 + (20000 - 1100) / 3, 1100 + (2 * (20000 - 1100)) / 3),
    };
    expect(drawn()).toEqual(expected([1], (c, px) => edges[c](px)));
  });

  it("a click on a bar's row selects its class, the missed order and its bin", () => {
    const { canvas, bars, model } = setup();
    const top = canvas.getBoundingClientRect().top;
    const bar = bars().find((b) => b[0] === 2 && b[1] === 1) as number[];
    canvas.dispatchEvent(new MouseEvent("click", { clientY: top + bar[4] + ROW / 2, bubbles: true }));
    expect([model.get("selected_cell"), model.get("order"), model.get("object_size")]).toEqual([[2, 2], "missed", 1]);
    canvas.dispatchEvent(new MouseEvent("click", { clientY: top + 1, bubbles: true })); // above the bars: nothing
    expect(model.get("object_size")).toBe(1);
  });

  it("Up / Down move a visible focus between the bars and Enter selects", () => {
    const { canvas, model, el } = setup();
    canvas.focus();
    expect([canvas.dataset.focusClass, canvas.dataset.focusSize]).toEqual(["1", "0"]);
    const key = (k: string) => {
      const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true });
      canvas.dispatchEvent(e);
      return e.defaultPrevented;
    };
    expect([key("ArrowDown"), key("ArrowDown"), key("ArrowDown"), key("ArrowUp"), key("ArrowDown")]).toEqual(
      Array(5).fill(true),
    );
    expect(key("ArrowLeft")).toBe(false); // left to the panel area's roving controls
    expect([canvas.dataset.focusClass, canvas.dataset.focusSize]).toEqual(["2", "0"]);
    const said = el.querySelector('[role="status"]')?.textContent ?? "";
    expect(said).toBe(`<b>sign</b>, small, < 1,024 px: ${fmtPct(0)} found, 1 of 1 missed`);
    expect(el.querySelector("b")).toBeNull(); // a class name reaches the DOM as text
    expect(key("Enter")).toBe(true);
    expect([model.get("selected_cell"), model.get("order"), model.get("object_size")]).toEqual([[2, 2], "missed", 0]);
    expect(key("End")).toBe(true);
    expect(key("q")).toBe(false);
    canvas.blur();
    expect(canvas.dataset.focusClass).toBe("");
  });

  it("the select in the chart's header sets object_bins and shows the bins' legend in three colours", () => {
    const { el, model, panel, ctx } = setup();
    const bins = el.querySelector<HTMLSelectElement>('[data-testid="segwidget-control"][data-name="object_bins"]');
    expect(bins?.value).toBe("coco");
    const legend = () => [...el.querySelectorAll(".swr-objects-key")].map((k) => k.textContent);
    expect(legend()).toEqual(["small", "medium", "large"]);
    (bins as HTMLSelectElement).value = "terciles";
    bins?.dispatchEvent(new Event("change"));
    expect(model.get("object_bins")).toBe("terciles");
    panel.update?.(ctx);
    expect(legend()).toEqual(["lower third", "middle third", "upper third"]);
    const swatches = [...el.querySelectorAll<HTMLElement>(".swr-objects-swatch")].map((s) => s.style.background);
    expect(swatches.length).toBe(SIZE_COLORS.length);
  });
});
