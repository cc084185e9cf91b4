// The failure map in the browser against Python's answers (tests/fmap_fixture.py): the arrays decoded from the
// protocol's bytes, box and lasso selections (results/fmap.py's in_box, in_lasso), "more like this" (every
// image's Results.similar(i, k)) and its restriction to a selection.
import { describe, expect, it } from "vitest";
import { type FailureMap, fitView, inBox, inLasso, maskOf, readMap, similarTo, toMap } from "../../src/data/fmap";
import { restrict } from "../../src/data/slices";
import json from "../fixtures/fmap.json";

interface KindCase {
  map_kind: string;
  map_k: number;
  map_xy: string;
  map_neighbors: string;
  map_distances: string;
  boxes: { box: [number, number, number, number]; indices: number[] }[];
  lassos: { polygon: [number, number][]; indices: number[] }[];
  similar: { indices: number[]; scores: number[] }[];
  restricted: { image: number; selection: number[]; indices: number[] };
}
const raw = json as unknown as { N: number; K: number; kinds: Record<string, KindCase> };

function bytes(b64: string): DataView {
  const bin = atob(b64);
  const copy = new Uint8Array(bin.length + 1).subarray(1); // unaligned on purpose
  for (let i = 0; i < bin.length; i++) copy[i] = bin.charCodeAt(i);
  return new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
}

function mapOf(c: KindCase): FailureMap {
  const traits: Record<string, unknown> = {
    map_kind: c.map_kind,
    map_k: c.map_k,
    map_xy: bytes(c.map_xy),
    map_neighbors: bytes(c.map_neighbors),
    map_distances: bytes(c.map_distances),
  };
  const map = readMap((name) => traits[name], raw.N);
  if (map === null) throw new Error("fixture map not read");
  return map;
}

for (const [kind, c] of Object.entries(raw.kinds)) {
  describe(`failure map, ${kind}`, () => {
    const map = mapOf(c);
    it("decodes the protocol's arrays", () => {
      expect(map.kind).toBe(kind);
      expect(map.xy.length).toBe(2 * raw.N);
      expect(map.neighbors.length).toBe(raw.K * raw.N);
    });
    it("selects the points in a box as Python does", () => {
      for (const { box, indices } of c.boxes) expect(inBox(map.xy, ...box)).toEqual(indices);
    });
    it("selects the points in a lasso as Python does", () => {
      for (const { polygon, indices } of c.lassos) expect(inLasso(map.xy, polygon)).toEqual(indices);
    });
    it("ranks more like this as Results.similar(i, k)", () => {
      c.similar.forEach((want, i) => {
        const got = similarTo(map, i);
        expect(Array.from(got.indices)).toEqual(want.indices);
        expect(Array.from(got.scores)).toEqual(want.scores);
      });
    });
    it("restricts a ranking to a selection in its order", () => {
      const { image, selection, indices } = c.restricted;
      expect(Array.from(restrict(similarTo(map, image), maskOf(selection, raw.N)).indices)).toEqual(indices);
    });
  });
}

describe("map view", () => {
  it("fits the points in the box and maps pixels back to the points", () => {
    const xy = Float32Array.from([0, 0, 4, 2, -2, 1]);
    const view = fitView(xy, 200, 100, 10);
    for (let i = 0; i < 3; i++) {
      const px = view[0] + view[2] * xy[2 * i];
      const py = view[1] + view[3] * xy[2 * i + 1];
      expect(px).toBeGreaterThanOrEqual(10 - 1e-9);
      expect(px).toBeLessThanOrEqual(190 + 1e-9);
      expect(py).toBeGreaterThanOrEqual(10 - 1e-9);
      expect(py).toBeLessThanOrEqual(90 + 1e-9);
      const [u, v] = toMap(view, px, py);
      expect(u).toBeCloseTo(xy[2 * i], 9);
      expect(v).toBeCloseTo(xy[2 * i + 1], 9);
    }
  });
  it("reads no map when its arrays are for other results", () => {
    const c = raw.kinds.errors;
    const traits: Record<string, unknown> = { map_k: c.map_k, map_xy: bytes(c.map_xy) };
    expect(readMap((name) => traits[name], raw.N)).toBeNull();
  });
});
