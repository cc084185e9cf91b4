// @vitest-environment jsdom
// Keyboard paths to what was mouse-only: the report's IoU bars (one Tab stop, arrows between bars, Enter
// chooses), its loss brush and a slice's histogram brush (arrows choose bins, Shift widens, Enter keeps).
import { describe, expect, it, vi } from "vitest";
import { classIou } from "../../src/data/classview";
import { IouChart, LossChart } from "../../src/report/charts";
import { binValues, Histogram, rangeOfBins } from "../../src/view/histogram";

const key = (target: Element, k: string, shiftKey = false) => {
  const e = new KeyboardEvent("keydown", { key: k, shiftKey, bubbles: true, cancelable: true });
  target.dispatchEvent(e);
  return e;
};

describe("the IoU bars by keyboard", () => {
  it("are one Tab stop; Down / Up / End move between the bars; Enter and Space choose the class", () => {
    const choose = vi.fn();
    const chart = new IouChart(choose);
    document.body.append(chart.el);
    const cm = Float64Array.from([8, 2, 0, 0, 5, 0, 1, 0, 3]); // IoU: 0.727, 0.714, 0.75
    chart.update({
      classes: ["a", "b", "c"],
      palette: [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
      values: classIou(cm, 3),
      change: null,
      selected: null,
    });
    const bars = () => [...chart.el.querySelectorAll<HTMLElement>(".swr-bar")];
    expect(bars().map((b) => b.dataset.class)).toEqual(["1", "0", "2"]); // worst first
    expect(bars().map((b) => b.tabIndex)).toEqual([0, -1, -1]);
    expect(bars().every((b) => b.getAttribute("role") === "button")).toBe(true);
    bars()[0].focus();
    expect(key(bars()[0], "ArrowDown").defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(bars()[1]);
    expect(bars().map((b) => b.tabIndex)).toEqual([-1, 0, -1]);
    key(bars()[1], "Enter");
    expect(choose).toHaveBeenLastCalledWith(0);
    key(bars()[1], "End");
    expect(document.activeElement).toBe(bars()[2]);
    key(bars()[2], " ");
    expect(choose).toHaveBeenLastCalledWith(2);
    key(bars()[2], "ArrowUp");
    expect(document.activeElement).toBe(bars()[1]);
    chart.el.remove();
  });
});

describe("the loss brush by keyboard", () => {
  it("chooses whole bins with the arrows, widens with Shift, keeps them with Enter and clears with Escape", () => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
    const setRange = vi.fn();
    const edges = [0, 1, 2, 4, 8];
    const chart = new LossChart(edges, setRange);
    document.body.append(chart.el);
    chart.update({ losses: Float64Array.from([0.5, 1.5, 3, 6]), matching: null, range: null });
    expect(chart.canvas.tabIndex).toBe(0);
    key(chart.canvas, "Enter"); // nothing chosen yet: nothing kept
    expect(setRange).not.toHaveBeenCalled();
    key(chart.canvas, "ArrowRight"); // bin 0
    key(chart.canvas, "ArrowRight"); // bin 1
    key(chart.canvas, "ArrowRight", true); // bins 1–2
    expect(key(chart.canvas, "Enter").defaultPrevented).toBe(true);
    expect(setRange).toHaveBeenLastCalledWith([edges[1], edges[3]]);
    key(chart.canvas, "End");
    key(chart.canvas, "Enter");
    expect(setRange).toHaveBeenLastCalledWith([edges[3], edges[4]]);
    key(chart.canvas, "Escape");
    expect(setRange).toHaveBeenLastCalledWith(null);
    chart.el.remove();
    vi.restoreAllMocks();
  });
});

describe("a slice histogram's brush by keyboard", () => {
  it("keeps the bins chosen with the arrows as the range a drag over them keeps", () => {
    const values = Float64Array.from({ length: 50 }, (_, i) => i / 7);
    const binned = binValues(values);
    if (!binned) throw new Error("no bins");
    const range = vi.fn();
    const hist = new Histogram("size", { range });
    document.body.append(hist.el);
    hist.update({ binned, inSlice: binned.count, range: null });
    expect(hist.el.tabIndex).toBe(0);
    // Left before any bin is chosen is the toolbar's (not consumed): it moves on to the previous control
    expect(key(hist.el, "ArrowLeft").defaultPrevented).toBe(false);
    key(hist.el, "ArrowRight"); // bin 0
    key(hist.el, "ArrowRight"); // bin 1
    key(hist.el, "ArrowRight", true);
    key(hist.el, "ArrowRight", true); // bins 1–3
    expect([...hist.el.querySelectorAll(".sw-bin.sw-on")].map((b) => (b as HTMLElement).dataset.bin)).toEqual([
      "1",
      "2",
      "3",
    ]);
    key(hist.el, "Enter");
    const [lo, hi] = rangeOfBins(binned, 1, 3) as [number, number];
    expect(range).toHaveBeenLastCalledWith(lo, hi);
    hist.destroy();
    hist.el.remove();
  });
});
