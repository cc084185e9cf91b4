// @vitest-environment jsdom
// The reliability chart's DOM (tests/calibration_fixture.py's counts): one focusable bin per slot carrying Python's
// numbers, the ECE of the selection's predicted class, and a click or Enter setting the order and the chosen bin.
import { describe, expect, it } from "vitest";
import type { Counts } from "../../src/data/counts";
import type { Data, Model, State } from "../../src/data/protocol";
import type { CalibrationView } from "../../src/view/calibrationview";
import type { PanelContext } from "../../src/view/panels";
import { ReliabilityChart } from "../../src/view/reliability";
import { calibration as cal, raw } from "../calibration-fixture";
import { FakeModel } from "../fake-model";

const view = { of: () => cal } as unknown as CalibrationView;

function setup(state: Record<string, unknown>, cell: [number, number] | null) {
  const model = new FakeModel(state);
  const sets: [string, unknown][] = [];
  const chart = new ReliabilityChart(<K extends keyof State>(key: K, value: State[K]) => {
    sets.push([key, value]);
    model.set(key, value);
  });
  const ctx = {
    model: model as unknown as Model,
    data: { classes: ["a", "b", "c", "d"] } as unknown as Data,
    counts: { member: null } as unknown as Counts,
    cell,
  } as PanelContext;
  chart.update(ctx, view);
  return { chart, sets, ctx };
}

describe("the reliability chart", () => {
  it("has one bin per slot with Python's counts, and the ECE of the whole", () => {
    const { chart } = setup({ order: "share" }, null);
    const bins = chart.el.querySelectorAll<SVGGElement>('[data-testid="segwidget-reliability-bin"]');
    const all = raw.slices[0].classes[0];
    expect(bins.length).toBe(raw.bins + 1);
    expect(Array.from(bins, (b) => Number(b.dataset.count))).toEqual(all.table.count);
    expect(Array.from(bins, (b) => b.getAttribute("tabindex"))).toEqual(Array(raw.bins + 1).fill("0"));
    const ece = chart.el.querySelector<HTMLElement>('[data-testid="segwidget-reliability-ece"]');
    expect(Number(ece?.dataset.value)).toBe(all.ece);
  });

  it("shows the selected cell's predicted class", () => {
    const { chart } = setup({ order: "share" }, [0, 1]);
    const one = raw.slices[0].classes.find((c) => c.cls === 1);
    const ece = chart.el.querySelector<HTMLElement>('[data-testid="segwidget-reliability-ece"]');
    expect(Number(ece?.dataset.value)).toBe(one?.ece);
    expect(chart.el.textContent).toContain("pixels predicted b");
  });

  it("a click or Enter on a bin chooses it; the chosen bin again lets it go", () => {
    const { chart, sets, ctx } = setup({ order: "share", calibration_bin: null }, null);
    const bin = (b: number) => chart.el.querySelector(`[data-bin="${b}"]`) as SVGGElement;
    bin(2).dispatchEvent(new MouseEvent("click", { bubbles: true }));
    expect(sets).toEqual([
      ["order", "overconfident"],
      ["calibration_bin", 2],
    ]);
    chart.update(ctx, view);
    expect(bin(2).getAttribute("aria-pressed")).toBe("true");
    bin(2).dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(sets.at(-1)).toEqual(["calibration_bin", null]);
  });
});
