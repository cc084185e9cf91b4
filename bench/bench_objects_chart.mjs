// What the objects chart costs in the browser at ADE20K scale: its numbers (objects.ts objectTable) in COCO's bins
// and in each class's terciles of the slice (a sort of every class's sizes), over all images and under a slice.
// Baseline, measured in the same run: ranking one class's missed objects (rankObjects, what a bar's click costs).
// Medians of interleaved repeats; prints, never asserts.
//
// Run: node bench/bench_objects_chart.mjs [--images 10000] [--classes 150] [--objects 20] [--repeats 15]

import { arg, bundle, seeded } from "./frontend_setup.mjs";

const N = arg("images", 10_000);
const C = arg("classes", 150);
const PER_IMAGE = arg("objects", 20);
const REPEATS = arg("repeats", 15);

const { fromRows, objectTable, rankObjects } = await bundle(`
export { fromRows, objectTable, rankObjects } from "./data/objects";
`);

// truth objects: Zipf-like classes, log-uniform sizes from 1 px to 100,000 px, a third missed
const random = seeded();
const rows = [];
for (let n = 0; n < N; n++) {
  for (let k = 0; k < PER_IMAGE; k++) {
    const c = Math.floor(C * random() ** 2);
    const pixels = Math.max(1, Math.round(10 ** (5 * random())));
    rows.push(n, c, pixels, random() < 0.33 ? 1 : 0, -1);
  }
}
const objects = fromRows(Int32Array.from(rows), new Int32Array(0));
const half = new Uint8Array(N);
for (let n = 0; n < N; n += 2) half[n] = 1;

const cases = {
  "rank one class's missed (baseline)": () => rankObjects(objects, N, "missed", 0, 0, null, null),
  "table, COCO bins, all images": () => objectTable(objects, C, "coco", null),
  "table, terciles, all images": () => objectTable(objects, C, "terciles", null),
  "table, terciles, a half slice": () => objectTable(objects, C, "terciles", half),
  "rank a tercile bin, a half slice": () => rankObjects(objects, N, "missed", 0, 0, half, 2, "terciles"),
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let r = 0; r < REPEATS; r++) {
  for (const [name, run] of Object.entries(cases)) {
    const start = performance.now();
    run();
    times[name].push(performance.now() - start);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(times["rank one class's missed (baseline)"]);
console.log(`${N} images, ${C} classes, ${(N * PER_IMAGE).toLocaleString("en-US")} truth objects, ${REPEATS} repeats`);
for (const [name, t] of Object.entries(times)) {
  console.log(`${name.padEnd(40)} ${median(t).toFixed(1).padStart(8)} ms   ×${(median(t) / base).toFixed(2)}`);
}
