// The failure map in the browser (issue 20, PROTOCOL.md "A map of failures"): its arrays, selections on it
// (a box, a lasso) and "more like this" from the kernel's k-nearest lists. segwidget/results/fmap.py
// answers the same questions; js/tests/fixtures/fmap.json (tests/fmap_fixture.py) holds the two equal.

import type { Ranked } from "./ranking";

export interface FailureMap {
  /** `Results.map(kind)`: point i at (xy[2i], xy[2i+1]). */
  xy: Float32Array;
  /** `Results.similar(i, k)` for every i: neighbors[i*k .. i*k+k), -1 past the last image. */
  neighbors: Int32Array;
  /** Their cosine distances (NaN where the neighbour is -1). */
  distances: Float32Array;
  k: number;
  kind: string;
}

/** What draws point (u, v) at CSS pixel (x0 + sx·u, y0 + sy·v): the canvas' `data-view`. */
export type View = [x0: number, y0: number, sx: number, sy: number];

function bytesOf(value: unknown): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

/** Little-endian 4-byte numbers (float32 or int32), copied into an aligned array. */
function fours<T extends Float32Array | Int32Array>(value: unknown, make: (n: number) => T, what: string): T {
  const bytes = bytesOf(value);
  if (bytes.byteLength % 4 !== 0) throw new Error(`${what}: ${bytes.byteLength} bytes is not a multiple of 4`);
  const n = bytes.byteLength / 4;
  const out = make(n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const float = out instanceof Float32Array;
  for (let i = 0; i < n; i++) out[i] = float ? dv.getFloat32(i * 4, true) : dv.getInt32(i * 4, true);
  return out;
}

/** The map's state from the synced traits (or the report's embedded copy); `null` when there is none. */
export function readMap(get: (name: string) => unknown, nImages: number): FailureMap | null {
  const k = get("map_k");
  if (typeof k !== "number" || !Number.isInteger(k) || k < 0) return null;
  const xy = fours(get("map_xy"), (n) => new Float32Array(n), "map_xy");
  const neighbors = fours(get("map_neighbors"), (n) => new Int32Array(n), "map_neighbors");
  const distances = fours(get("map_distances"), (n) => new Float32Array(n), "map_distances");
  if (xy.length !== 2 * nImages || neighbors.length !== k * nImages || distances.length !== k * nImages) {
    return null; // a map of other results (or none yet): nothing is drawn
  }
  const kind = get("map_kind");
  return { xy, neighbors, distances, k, kind: typeof kind === "string" ? kind : "errors" };
}

/** Indices (ascending) of the points inside the box, edges included, corners in any order. */
export function inBox(xy: Float32Array, x0: number, y0: number, x1: number, y1: number): number[] {
  const [loX, hiX] = x0 <= x1 ? [x0, x1] : [x1, x0];
  const [loY, hiY] = y0 <= y1 ? [y0, y1] : [y1, y0];
  const out: number[] = [];
  for (let i = 0; i < xy.length / 2; i++) {
    const u = xy[2 * i];
    const v = xy[2 * i + 1];
    if (u >= loX && u <= hiX && v >= loY && v <= hiY) out.push(i);
  }
  return out;
}

/** Indices inside the polygon by the even-odd rule (a horizontal ray crosses its edges an odd number of times). */
export function inLasso(xy: Float32Array, polygon: readonly (readonly [number, number])[]): number[] {
  const out: number[] = [];
  const m = polygon.length;
  for (let i = 0; i < xy.length / 2; i++) {
    const u = xy[2 * i];
    const v = xy[2 * i + 1];
    let inside = false;
    for (let a = 0; a < m; a++) {
      const [ax, ay] = polygon[a];
      const [bx, by] = polygon[(a + 1) % m];
      if (ay > v !== by > v && u < ax + ((v - ay) * (bx - ax)) / (by - ay)) inside = !inside;
    }
    if (inside) out.push(i);
  }
  return out;
}

/** "More like this": image i's nearest images, nearest first, with their distances. */
export function similarTo(map: FailureMap, i: number): Ranked {
  let n = 0;
  while (n < map.k && map.neighbors[i * map.k + n] >= 0) n++;
  return {
    indices: map.neighbors.slice(i * map.k, i * map.k + n),
    scores: Float64Array.from(map.distances.subarray(i * map.k, i * map.k + n)),
  };
}

/** A 0/1 mask of the images in `indices` (a map selection), for `slices.restrict` and the counts. */
export function maskOf(indices: Iterable<number>, N: number): Uint8Array {
  const out = new Uint8Array(N);
  for (const i of indices) if (i >= 0 && i < N) out[i] = 1;
  return out;
}

/** The view that fits every point inside a `width`×`height` box with `pad` pixels each side (v grows up). */
export function fitView(xy: Float32Array, width: number, height: number, pad: number): View {
  let loX = Number.POSITIVE_INFINITY;
  let hiX = Number.NEGATIVE_INFINITY;
  let loY = Number.POSITIVE_INFINITY;
  let hiY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < xy.length; i += 2) {
    loX = Math.min(loX, xy[i]);
    hiX = Math.max(hiX, xy[i]);
    loY = Math.min(loY, xy[i + 1]);
    hiY = Math.max(hiY, xy[i + 1]);
  }
  if (!Number.isFinite(loX)) return [width / 2, height / 2, 1, -1];
  const scale = Math.min(
    (width - 2 * pad) / Math.max(hiX - loX, 1e-12),
    (height - 2 * pad) / Math.max(hiY - loY, 1e-12),
  );
  const cx = (loX + hiX) / 2;
  const cy = (loY + hiY) / 2;
  return [width / 2 - scale * cx, height / 2 + scale * cy, scale, -scale];
}

/** The map point under CSS pixel (px, py) of the canvas. */
export function toMap(view: View, px: number, py: number): [number, number] {
  return [(px - view[0]) / view[2], (py - view[1]) / view[3]];
}
