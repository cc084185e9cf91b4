// @vitest-environment jsdom
// The objects in the view: the detail's objects panel (its counts, its caption, only when boxes were sent). The
// objects chart is tested in js/tests/report/objects-chart.test.ts.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { objectBoxes } from "../../src/data/objectboxes";
import { decodeReply } from "../../src/data/protocol";
import { Detail, type DetailInput, type Loaded } from "../../src/view/detail";
import { boxCounts } from "../../src/view/objectboxes";

const events = { step: () => undefined, close: () => undefined, opacity: () => undefined };
const boxes = {
  size: [8, 12] as [number, number],
  rows: Int32Array.from([0, 1, 1, 4, 3, 1, 5, 5, 9, 8, 0, 2, 2, 3, 3]),
};

function loaded(withBoxes: boolean): Loaded {
  const truth = new Uint8Array(24);
  return {
    ...{ index: 2, width: 6, height: 4, dtype: "uint8", image: null, truth, pred: truth.slice() },
    ...{ loss: 0.1, cells: Int32Array.from([0]), counts: Int32Array.from([24]), overlays: {} },
    objects: withBoxes ? boxes : null,
  };
}

function input(d: Loaded): DetailInput {
  return {
    ...{ index: 2, loaded: d, position: "rank 1 of 1", hasImages: true, classes: ["a", "b"] },
    ...{ palette: [[255, 0, 0] as const, [0, 0, 255] as const], cell: null, theme: "light" as const },
  } as DetailInput;
}

describe("the detail's objects panel", () => {
  beforeEach(() => {
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null); // jsdom draws nothing
  });

  it("counts missed (kind 0) and false (kind 1) boxes in data-missed, data-false and the caption", () => {
    const detail = new Detail(events);
    detail.update(input(loaded(true)), 0.5);
    const fig = detail.el.querySelector<HTMLElement>('[data-testid="segwidget-panel"][data-kind="objects"]');
    expect(fig?.dataset.missed).toBe("2");
    expect(fig?.dataset.false).toBe("1");
    expect(fig?.querySelector("figcaption")?.textContent).toBe("objects · 2 missed (orange) · 1 false (blue)");
    expect(boxCounts(boxes)).toEqual({ missed: 2, false: 1 });
  });

  it("is absent when the reply carries no boxes", () => {
    const detail = new Detail(events);
    detail.update(input(loaded(false)), 0.5);
    expect(detail.el.querySelector('[data-kind="objects"]')).toBeNull();
  });
});

describe("a detail reply's object boxes", () => {
  const buffers = (boxes: number[]) => [
    ...[new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])].map((b) => new DataView(b.buffer)),
    new DataView(Int32Array.from([0]).buffer),
    new DataView(Int32Array.from([5]).buffer),
    new DataView(Int32Array.from(boxes).buffer),
  ];
  const header = { kind: "detail", request: 1, index: 0, width: 2, height: 2, parts: 3, image_mime: "image/jpeg" };

  it("decodes the rows after the cells and counts, and nothing when absent or malformed", () => {
    const rows = [0, 1, 2, 3, 4, 1, 0, 0, 2, 2];
    const reply = decodeReply({ ...header, objects_boxes: true, objects_size: [4, 6] }, buffers(rows));
    expect(reply?.kind === "detail" && reply.objects?.size).toEqual([4, 6]);
    expect(reply?.kind === "detail" && Array.from(reply.objects?.rows ?? [])).toEqual(rows);
    const none = decodeReply(header, buffers(rows));
    expect(none?.kind === "detail" && none.objects).toBeNull();
    const bad = decodeReply({ ...header, objects_boxes: true, objects_size: [4] }, buffers(rows));
    expect(bad?.kind === "detail" && bad.objects).toBeNull();
    expect(objectBoxes({ objects_boxes: true, objects_size: [4, 6] }, new Uint8Array(7))).toBeNull();
  });
});
