// @vitest-environment jsdom
import { beforeEach, describe, expect, it, vi } from "vitest";
import { Detail, type DetailInput, type Loaded } from "../../src/view/detail";
import { boundaryBand, countSet } from "../../src/view/overlays";

const events = { step: () => undefined, close: () => undefined, opacity: () => undefined };

function loaded(withOverlays: boolean): Loaded {
  const [width, height] = [6, 4];
  const truth = Uint8Array.from({ length: 24 }, (_, i) => (i % 6 < 3 ? 0 : 1));
  const pred = truth.map((t, i) => (i === 5 ? 0 : t));
  const confident = new Uint8Array(24);
  confident[5] = 1;
  const band = boundaryBand(truth, width, height, 255, 1);
  const overlays = withOverlays
    ? {
        boundary: { pixels: band, count: countSet(band), label: "boundary band (d = 1 px)" },
        confident: { pixels: confident, count: 1, label: "confident disagreements" },
      }
    : {};
  return {
    index: 3,
    width,
    height,
    dtype: "uint8",
    image: null,
    truth,
    pred,
    loss: 0.5,
    cells: Int32Array.from([0, 2, 3]),
    counts: Int32Array.from([12, 1, 11]),
    overlays,
  };
}

function input(d: Loaded | undefined, index = 3): DetailInput {
  return {
    index,
    loaded: d,
    position: "rank 1 of 1",
    hasImages: true,
    classes: ["a", "b"],
    palette: [
      [255, 0, 0],
      [0, 0, 255],
    ],
    cell: null,
    theme: "light",
  };
}

const kinds = (detail: Detail) =>
  [...detail.el.querySelectorAll<HTMLElement>('[data-testid="segwidget-panel"]')].map((p) => p.dataset.kind);
const panel = (detail: Detail, kind: string) =>
  detail.el.querySelector<HTMLElement>(`[data-testid="segwidget-panel"][data-kind="${kind}"]`) as HTMLElement;

describe("the detail view's overlay panels", () => {
  beforeEach(() => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null); // jsdom draws nothing
  });

  it("come after the others, with their pixel counts in data-pixels and the caption", () => {
    const detail = new Detail(events);
    detail.update(input(loaded(true)), 0.5);
    expect(kinds(detail)).toEqual(["image", "truth", "prediction", "pair", "boundary", "confident"]);
    expect(panel(detail, "boundary").dataset.pixels).toBe("8"); // one column either side of the edge (2d), 4 rows
    expect(panel(detail, "confident").dataset.pixels).toBe("1");
    expect(panel(detail, "boundary").querySelector("figcaption")?.textContent).toBe("boundary band (d = 1 px) · 8 px");
  });

  it("are absent when the reply carried none, and kept while the next image loads", () => {
    const detail = new Detail(events);
    detail.update(input(loaded(false)), 0.5);
    expect(kinds(detail)).toEqual(["image", "truth", "prediction", "pair"]);
    detail.update(input(loaded(true)), 0.5);
    detail.update(input(undefined, 4), 0.5);
    expect(kinds(detail)).toEqual(["image", "truth", "prediction", "pair", "boundary", "confident"]);
  });
});
