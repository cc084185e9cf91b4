// @vitest-environment jsdom
// "More like this" in one model's view: the gallery lists the kernel's nearest images to
// `similar_to`, captioned by their cosine distance (not a loss), and returns to the loss order.
import { afterEach, beforeEach, expect, it } from "vitest";
import { dv, FakeModel, mount, tick, VIEW_DEFAULTS } from "../fake-model";

const [C, N, K] = [2, 6, 3];
const losses = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2];
// the k-nearest lists the kernel sends, made here by a loop: nearest by loss, ties by lower index
const near = (i: number) =>
  losses
    .map((l, j) => ({ j, d: Math.abs(l - losses[i]) }))
    .filter((x) => x.j !== i)
    .sort((a, b) => a.d - b.d || a.j - b.j)
    .slice(0, K);

let model: FakeModel;
let el: HTMLElement;
let unmount: () => void;
const thumbs = () =>
  [...el.querySelectorAll<HTMLElement>('[data-testid="segwidget-thumb"]')].sort(
    (a, b) => Number(a.dataset.rank) - Number(b.dataset.rank),
  );

beforeEach(() => {
  const lists = Array.from({ length: N }, (_, i) => near(i));
  model = new FakeModel({
    classes: ["road", "sidewalk"],
    colors: ["#336699", "#996633"],
    summary: { n_images: N, mean_iou: 0.5, pixel_accuracy: 0.9, mean_loss: 0.45, partial: false },
    pooled: dv(new Float64Array([10, 2, 3, 10])),
    mean_cm: dv(new Float64Array(C * C)),
    losses: dv(Float64Array.from(losses)),
    cell_ptr: dv(Int32Array.from([0, 0, 0, 0, 0])),
    cell_image: dv(new Int32Array(0)),
    cell_count: dv(new Int32Array(0)),
    ...VIEW_DEFAULTS,
    map_kind: "errors",
    map_k: K,
    map_xy: dv(new Float32Array(2 * N)),
    map_neighbors: dv(Int32Array.from(lists.flatMap((l) => l.map((x) => x.j)))),
    map_distances: dv(Float32Array.from(lists.flatMap((l) => l.map((x) => x.d)))),
  });
  ({ el, unmount } = mount(model));
});
afterEach(() => unmount());

it("lists image i's nearest images with their distances, then the loss order again", async () => {
  model.set("similar_to", 4);
  await tick();
  const want = near(4);
  expect(thumbs().map((t) => Number(t.dataset.index))).toEqual(want.map((x) => x.j));
  for (const t of thumbs()) {
    const { j, d } = want[Number(t.dataset.rank)];
    expect(t.textContent).toContain(`#${j} · distance ${Math.fround(d).toFixed(3)}`);
    expect(t.textContent).toContain(`loss ${losses[j].toFixed(3)}`);
  }
  model.set("similar_to", null);
  await tick();
  const byLoss = losses.map((l, j) => ({ l, j })).sort((a, b) => b.l - a.l || a.j - b.j);
  expect(thumbs().map((t) => Number(t.dataset.index))).toEqual(byLoss.map((x) => x.j));
  expect(thumbs()[0].textContent).toContain(`loss ${byLoss[0].l.toFixed(3)}`);
});
