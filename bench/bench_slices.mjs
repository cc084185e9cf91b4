// What a slice costs in the browser at ADE20K scale: choosing a chip derives the slice's counts (the cell index
// restricted to its images, pooled matrix, fastai mean matrix), the header's numbers and the gallery's ranking.
// Baseline, measured in the same run: ranking a cell over all images (what a heatmap click already costs), and
// drawing nothing. Medians of interleaved repeats; prints, never asserts.
//
// Run: node bench/bench_slices.mjs [--images 10000] [--classes 150] [--repeats 15]

import { arg, bundle, cellMajor, seeded } from "./frontend_setup.mjs";

const N = arg("images", 10_000);
const C = arg("classes", 150);
const REPEATS = arg("repeats", 15);

// the front end's own modules, bundled in memory
const { activeCounts, rank, readColumns, restrict, sliceMask, sliceSummary } = await bundle(`
export { activeCounts } from "./counts";
export { rank } from "./ranking";
export { readColumns, restrict, sliceMask, sliceSummary } from "./slices";
`);

// synthetic sparse counts: each image holds a few classes, errors go to two neighbours of each class
const random = seeded();
const perImage = [];
for (let n = 0; n < N; n++) {
  const cells = new Map();
  const k = 3 + Math.floor(random() * 6);
  for (let i = 0; i < k; i++) {
    const t = Math.floor(C * random() ** 2);
    cells.set(t * C + t, (cells.get(t * C + t) ?? 0) + 100 + Math.floor(random() * 2000));
    const p = (t + 1 + Math.floor(random() * 2)) % C;
    cells.set(t * C + p, (cells.get(t * C + p) ?? 0) + Math.floor(random() * 300));
  }
  perImage.push(cells);
}
const { cellPtr, cellImage, cellCount } = cellMajor(perImage, C);
const pooled = new Float64Array(C * C);
for (let k = 0; k < C * C; k++) for (let j = cellPtr[k]; j < cellPtr[k + 1]; j++) pooled[k] += cellCount[j];
const data = {
  classes: Array.from({ length: C }, (_, c) => `class ${c}`),
  colors: [],
  C,
  N,
  pooled,
  meanCm: new Float64Array(C * C),
  losses: Float64Array.from({ length: N }, () => random()),
  cellPtr,
  cellImage,
  cellCount,
};

// the columns as the kernel sends them: a text column of 12 cities and a number column
const bytes = new ArrayBuffer(12 * N);
const view = new DataView(bytes);
for (let n = 0; n < N; n++) {
  view.setFloat64(8 * n, random(), true);
  view.setInt32(8 * N + 4 * n, n % 12, true);
}
const descriptor = {
  n_images: N,
  columns: [
    { name: "exposure", kind: "number", offset: 0 },
    { name: "city", kind: "text", offset: 8 * N, categories: Array.from({ length: 12 }, (_, k) => `city ${k}`) },
  ],
};
const columns = readColumns(descriptor, new DataView(bytes), N);
const busiest = [...Array(C * C).keys()]
  .filter((k) => k % (C + 1) !== 0)
  .sort((a, b) => cellPtr[b + 1] - cellPtr[b] - (cellPtr[a + 1] - cellPtr[a]))[0];
const cell = [Math.floor(busiest / C), busiest % C];

const cases = {
  "rank a cell, all images (baseline)": () => rank(data, data.losses, cell, "share").indices.length,
  "slice of 6 cities: counts, header, rank": () => {
    const member = sliceMask({ city: { values: [0, 2, 4, 6, 8, 10].map((k) => `city ${k}`) } }, columns, {}, data);
    const counts = activeCounts(data, member);
    sliceSummary(counts, member, null);
    return restrict(rank(counts, counts.losses, cell, "share"), member).indices.length;
  },
  "slice of a range and a city: counts, header, rank": () => {
    const spec = { city: { values: ["city 3"] }, exposure: { lo: 0.2, hi: 0.7 } };
    const member = sliceMask(spec, columns, {}, data);
    const counts = activeCounts(data, member);
    sliceSummary(counts, member, null);
    return restrict(rank(counts, counts.losses, cell, "share"), member).indices.length;
  },
};

const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (const f of Object.values(cases)) f(); // warm up
for (let r = 0; r < REPEATS; r++) {
  for (const [name, f] of Object.entries(cases)) {
    const start = performance.now();
    f();
    times[name].push(performance.now() - start);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(times[Object.keys(cases)[0]]);
console.log(`${N} images × ${C} classes, ${cellImage.length} nonzero per-image cells, cell ${cell}, ${REPEATS} repeats`);
for (const [name, t] of Object.entries(times)) {
  console.log(`${name.padEnd(52)} median ${median(t).toFixed(1).padStart(7)} ms  ×${(median(t) / base).toFixed(2)}`);
}
