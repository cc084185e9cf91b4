// @vitest-environment jsdom
// The offline report's charts (reportcharts.ts): numpy's histogram, the IoU bars and the loss brush.
import { describe, expect, it, vi } from "vitest";
import { classIou } from "../../src/data/classview";
import { histogram, IouChart, LossChart, lossLabels } from "../../src/report/charts";

describe("histogram", () => {
  it("counts as numpy.histogram: half-open bins, the last one closed, NaN and outliers skipped", () => {
    const edges = [0, 0.5, 1, 2];
    const values = [0, 0.49, 0.5, 0.999, 1, 1.5, 2, 2.0001, -0.1, Number.NaN, Number.POSITIVE_INFINITY];
    // by hand: [0, .5) holds 0 and .49; [.5, 1) .5 and .999; [1, 2] 1, 1.5 and 2
    expect(histogram(values, edges)).toEqual([2, 2, 3]);
  });

  it("agrees with a linear scan on random data", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const edges = Array.from({ length: 13 }, (_, i) => 0.1 + i * 0.25);
    const values = Array.from({ length: 2000 }, () => rand() * 3.5);
    const scan = edges.slice(1).map((hi, b) => {
      const lo = edges[b];
      const last = b === edges.length - 2;
      return values.filter((v) => v >= lo && (last ? v <= hi : v < hi)).length;
    });
    expect(histogram(values, edges)).toEqual(scan);
  });
});

const pooled = (rows: number[][]) => Float64Array.from(rows.flat());

describe("IouChart", () => {
  const classes = ["sky", "<img src=x onerror=window.__xss=1>", "absent"];
  // IoU: sky 8/(10+8-8)=0.8, class 1 5/(5+7-5)=5/7, class 2 undefined
  const cm = pooled([
    [8, 2, 0],
    [0, 5, 0],
    [0, 0, 0],
  ]);
  const palette = [
    [1, 2, 3],
    [4, 5, 6],
    [7, 8, 9],
  ] as const;

  it("draws one labelled bar per class, worst first, absent last, names as text", () => {
    const chart = new IouChart(() => {});
    chart.update({ classes, palette, values: classIou(cm, 3), change: null, selected: null });
    const bars = [...chart.el.querySelectorAll<HTMLElement>(".swr-bar")];
    expect(bars.map((b) => b.dataset.class)).toEqual(["1", "0", "2"]);
    expect(bars.map((b) => b.querySelector(".swr-bar-name")?.textContent)).toEqual([
      classes[1],
      "sky",
      "absent (absent)",
    ]);
    expect(chart.el.querySelector("img")).toBeNull();
    expect(bars.map((b) => b.querySelector(".swr-bar-value")?.textContent)).toEqual(["71.4%", "80.0%", "–"]);
  });

  it("selects the clicked bar's class and dims the others while a cell is selected", () => {
    const choose = vi.fn();
    const chart = new IouChart(choose);
    chart.update({ classes, palette, values: classIou(cm, 3), change: null, selected: [0, 1] });
    const bar = chart.el.querySelector<HTMLElement>('.swr-bar[data-class="2"]');
    expect(bar?.classList.contains("swr-dim")).toBe(true);
    expect(chart.el.querySelector('.swr-bar[data-class="1"]')?.classList.contains("swr-dim")).toBe(false);
    bar?.querySelector<HTMLElement>(".swr-bar-name")?.click();
    expect(choose).toHaveBeenCalledWith(2);
  });

  it("offers the worst 25 or 50 bars, or all, when there are many classes", () => {
    const C = 60;
    const many = new Float64Array(C * C);
    for (let c = 0; c < C; c++) many[c * C + c] = c + 1;
    const chart = new IouChart(() => {});
    chart.update({
      classes: Array.from({ length: C }, (_, c) => `c${c}`),
      palette: Array.from({ length: C }, () => [0, 0, 0] as const),
      values: classIou(many, C),
      change: null,
      selected: null,
    });
    const counts = chart.el.querySelectorAll("select")[1] as HTMLSelectElement;
    expect([...counts.options].map((o) => o.textContent)).toEqual(["25", "50", "all 60"]);
    expect(chart.el.querySelectorAll(".swr-bar")).toHaveLength(25);
    counts.value = "60";
    counts.dispatchEvent(new Event("change"));
    expect(chart.el.querySelectorAll(".swr-bar")).toHaveLength(60);
  });
});

describe("IouChart on a comparison", () => {
  const classes = ["sky", "road", "car", "never"];
  const names = ["old", "<b>new</b>"] as const;
  // IoU changes B − A: car fell most, sky rose, road unchanged, "never" undefined
  const change = Float64Array.from([0.1, 0, -0.25, Number.NaN]);
  const palette = classes.map(() => [0, 0, 0] as const);
  const bars = (chart: IouChart) => [...chart.el.querySelectorAll<HTMLElement>(".swr-bar")];
  const fill = (bar: HTMLElement) => bar.querySelector<HTMLElement>(".swr-bar-fill")?.style;

  it("draws the change from the middle on a scale symmetric about zero, the largest fall first", () => {
    const chart = new IouChart(() => {});
    chart.update({ classes, palette, values: change, selected: null, change: names });
    const drawn = bars(chart);
    expect(drawn.map((b) => b.dataset.class)).toEqual(["2", "1", "0", "3"]);
    expect(drawn.map((b) => b.dataset.value)).toEqual(["-0.25", "0", "0.1", "NaN"]);
    expect(chart.el.querySelector<HTMLElement>(".swr-bars")?.dataset.reach).toBe("0.25");
    // the largest |change| reaches one end: car's fall fills the left half, sky's rise 0.1/0.25 of the right
    expect([fill(drawn[0])?.marginLeft, fill(drawn[0])?.width]).toEqual(["0%", "50%"]);
    expect([fill(drawn[2])?.marginLeft, fill(drawn[2])?.width]).toEqual(["50%", "20%"]);
    expect([fill(drawn[3])?.marginLeft, fill(drawn[3])?.width]).toEqual(["50%", "0%"]);
    expect(fill(drawn[0])?.background).toBe("rgb(213, 94, 0)"); // a fall: vermillion
    expect(fill(drawn[2])?.background).toBe("rgb(0, 114, 178)"); // a rise: blue
    const text = drawn.map((b) => b.querySelector(".swr-bar-value")?.textContent);
    expect(text).toEqual(["−25.0 pts", "±0.0 pts", "+10.0 pts", "–"]);
    expect(drawn[3].querySelector(".swr-bar-name")?.textContent).toBe("never (absent)");
    // the models' names are text in the title
    expect(chart.el.querySelector("h2")?.textContent).toBe("Per-class IoU change (<b>new</b> − old) · click a bar");
    expect(chart.el.querySelector("b")).toBeNull();
  });

  it("orders by the largest rise with 'best first', and keeps a scale of 1 when nothing changed", () => {
    const chart = new IouChart(() => {});
    chart.update({ classes, palette, values: change, selected: [2, 2], change: names });
    const order = chart.el.querySelector("select") as HTMLSelectElement;
    order.value = "best";
    order.dispatchEvent(new Event("change"));
    expect(bars(chart).map((b) => b.dataset.class)).toEqual(["0", "1", "2", "3"]);
    expect(bars(chart).map((b) => b.classList.contains("swr-dim"))).toEqual([true, true, false, true]);
    chart.update({ classes, palette, values: new Float64Array(4), selected: null, change: names });
    expect(chart.el.querySelector<HTMLElement>(".swr-bars")?.dataset.reach).toBe("1");
  });
});

describe("LossChart", () => {
  const at = (type: string, x: number) => new MouseEvent(type, { clientX: x, button: 0, bubbles: true });

  it("turns a drag into a loss range in data units, and a click into none", () => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null); // jsdom draws nothing
    const setRange = vi.fn();
    const chart = new LossChart([0, 1, 2, 4], setRange);
    document.body.append(chart.el);
    chart.update({ losses: Float64Array.from([0.5, 1.5, 3]), matching: null, range: null });
    const { x0, x1 } = chart.canvas.dataset;
    const left = Number(x0);
    const width = Number(x1) - left;
    expect(chart.canvas.dataset.lo).toBe("0");
    expect(chart.canvas.dataset.hi).toBe("4");
    chart.canvas.dispatchEvent(at("mousedown", left + width * 0.75));
    window.dispatchEvent(at("mousemove", left + width * 0.5));
    window.dispatchEvent(at("mouseup", left + width * 0.25));
    expect(setRange).toHaveBeenLastCalledWith([1, 3]);
    chart.canvas.dispatchEvent(at("mousedown", left + 10));
    window.dispatchEvent(at("mouseup", left + 11));
    expect(setRange).toHaveBeenLastCalledWith(null);
    // beyond the plot: clamped to the bins' ends
    chart.canvas.dispatchEvent(at("mousedown", 0));
    window.dispatchEvent(at("mouseup", left + width * 2));
    expect(setRange).toHaveBeenLastCalledWith([0, 4]);
  });

  it("names a comparison's loss change by the models' names, as text", () => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
    const labels = lossLabels(["early", "</h2>final"]);
    expect(labels.axis).toBe("per-image loss change (</h2>final − early)");
    const chart = new LossChart([-1, 0, 1], () => {}, labels);
    chart.update({ losses: Float64Array.from([-0.5, 0.5]), matching: Int32Array.from([1]), range: null });
    expect(chart.el.querySelector("h2")?.textContent).toBe("Loss change per image · drag to filter");
    expect(chart.canvas.getAttribute("aria-label")).toContain("per-image loss change (</h2>final − early)");
    expect(chart.canvas.dataset.matching).toBe("1");
    expect(lossLabels(null).axis).toBe("per-image loss");
  });
});
