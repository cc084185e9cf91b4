// @vitest-environment jsdom
// The offline report's charts on a comparison (report.ts linkCharts): from the embedded state of two models, the
// bars show the IoU change and the histogram the loss change as the notebook's charts do (Python's numbers, from
// tests/compare_fixture.py), they follow the selection, the direction and a slice, and the brush sets loss_range
// in loss-change units.
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Model } from "../../src/data/protocol";
import { lossEdges } from "../../src/report/chart-panels";
import { OfflineModel, type ReportData } from "../../src/report/offline";
import { linkCharts } from "../../src/report/report";
import { chartsFixture, modelA, modelB } from "../compare-fixture";

const raw = (a: Float64Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A comparison report's data: A's arrays in the usual traits, B's in the *_b ones (as report.py embeds them). */
function comparisonReport(): { data: ReportData; bytes: Uint8Array } {
  const arrays: [string, Float64Array | Int32Array][] = [];
  for (const [suffix, m] of [
    ["", modelA],
    ["_b", modelB],
  ] as const) {
    arrays.push([`pooled${suffix}`, m.pooled], [`mean_cm${suffix}`, new Float64Array(0)]);
    arrays.push([`losses${suffix}`, m.losses], [`cell_ptr${suffix}`, m.cellPtr]);
    arrays.push([`cell_image${suffix}`, m.cellImage], [`cell_count${suffix}`, m.cellCount]);
  }
  const bytes = new Uint8Array(arrays.reduce((n, [, a]) => n + a.byteLength, 0));
  const buffers: ReportData["buffers"] = [];
  let at = 0;
  for (const [name, a] of arrays) {
    bytes.set(raw(a), at);
    buffers.push({ path: [name], span: [at, a.byteLength] });
    at += a.byteLength;
  }
  const state: Record<string, unknown> = Object.fromEntries(arrays.map(([name]) => [name, null]));
  Object.assign(state, {
    classes: Array.from({ length: modelA.C }, (_, c) => `class ${c}`),
    colors: [],
    comparison_summary: { names: ["old", "new"] },
    selected_cell: null,
    direction: "worse",
    loss_range: null,
    slice: {},
    tags: {},
  });
  return { data: { state, buffers, thumbs: null, details: {} }, bytes };
}

const nullable = (values: (string | undefined)[]) => values.map((v) => (v === "NaN" ? null : Number(v)));

describe("the report's charts on a comparison", () => {
  let model: OfflineModel;
  let aside: HTMLElement;
  const canvas = () => aside.querySelector<HTMLCanvasElement>('[data-testid="segwidget-report-loss"]');
  const barValues = () => {
    const bars = [...aside.querySelectorAll<HTMLElement>(".swr-bar")];
    const byClass = new Map(bars.map((b) => [Number(b.dataset.class), b.dataset.value]));
    return nullable(Array.from({ length: modelA.C }, (_, c) => byClass.get(c)));
  };

  beforeEach(() => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null); // jsdom draws nothing
    const { data, bytes } = comparisonReport();
    model = new OfflineModel(data, bytes);
    aside = document.createElement("aside");
    document.body.replaceChildren(aside);
    const charts = linkCharts(model as unknown as Model, chartsFixture.edges);
    aside.append(charts.iou.el, charts.loss.el);
  });

  it("bins the loss change as the notebook's chart (charts.py loss_bins, the fixture's edges)", () => {
    const change = Array.from(modelA.losses, (v, n) => modelB.losses[n] - v);
    const edges = lossEdges(change);
    expect(edges).toHaveLength(chartsFixture.edges.length);
    for (const [i, e] of edges.entries()) expect(e).toBeCloseTo(chartsFixture.edges[i], 12);
  });

  it("shows each class's IoU change and histograms the loss change, named by the models", () => {
    expect(aside.querySelector<HTMLElement>('[data-testid="segwidget-report-iou"]')?.dataset.kind).toBe("iou-change");
    expect(barValues()).toEqual(chartsFixture.cases[0].iou_change);
    expect(aside.querySelector(".swr-iou h2")?.textContent).toContain("(new − old)");
    expect(canvas()?.getAttribute("aria-label")).toContain("per-image loss change (new − old)");
    expect(canvas()?.dataset.matching).toBe(""); // nothing selected, no slice
  });

  it("highlights the comparison's gallery of the selection in the direction chosen, and a slice's", () => {
    const selections = chartsFixture.cases.map((c) => c.matching.filter((m) => m.cell !== null));
    for (const m of selections[0]) {
      model.set("selected_cell", m.cell);
      model.set("direction", m.direction);
      expect(canvas()?.dataset.matching, `${m.cell} ${m.direction}`).toBe(String(m.indices.length));
    }
    const sliced = chartsFixture.cases[1];
    model.set("tags", { picked: sliced.members });
    model.set("slice", { "tag:picked": [true] });
    expect(barValues()).toEqual(sliced.iou_change);
    const last = selections[1][selections[1].length - 1]; // the same selection and direction, in the slice
    expect(canvas()?.dataset.matching).toBe(String(last.indices.length));
    expect(last.indices.length).toBeLessThan(selections[0][selections[0].length - 1].indices.length);
  });

  it("selects a clicked bar's class, and the brush keeps a range of loss change", () => {
    aside.querySelector<HTMLElement>('.swr-bar[data-class="3"]')?.click();
    expect(model.get("selected_cell")).toEqual([3, 3]);
    const c = canvas() as HTMLCanvasElement;
    const [x0, x1] = [Number(c.dataset.x0), Number(c.dataset.x1)];
    const [lo, hi] = [chartsFixture.edges[0], chartsFixture.edges[chartsFixture.edges.length - 1]];
    expect([Number(c.dataset.lo), Number(c.dataset.hi)]).toEqual([lo, hi]);
    expect(lo).toBeLessThan(0); // loss change: falls and rises
    const at = (type: string, f: number) =>
      new MouseEvent(type, { clientX: x0 + f * (x1 - x0), button: 0, bubbles: true });
    c.dispatchEvent(at("mousedown", 0.1));
    window.dispatchEvent(at("mouseup", 0.4));
    const range = model.get("loss_range") as [number, number];
    expect(range[0]).toBeCloseTo(lo + 0.1 * (hi - lo), 12);
    expect(range[1]).toBeCloseTo(lo + 0.4 * (hi - lo), 12);
    expect(c.dataset.range).toBe(JSON.stringify(range));
  });
});
