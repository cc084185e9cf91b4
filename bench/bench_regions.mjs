// What the region control and the confident order cost in the browser at ADE20K scale: choosing "interior only"
// derives the interior's counts (all − band per image and cell, pooled and fastai mean matrices) and re-ranks the
// selected cell; "boundary only" takes the band's index as sent; the confident order ranks a cell, a class and
// all images (label suspicion). Baseline, measured in the same run: ranking a cell over all images (what a heatmap
// click already costs). Medians of interleaved repeats; prints, never asserts.
//
// Run: node bench/bench_regions.mjs [--images 10000] [--classes 150] [--repeats 15]

import { arg, bundle, cellMajor, seeded } from "./frontend_setup.mjs";

const N = arg("images", 10_000);
const C = arg("classes", 150);
const REPEATS = arg("repeats", 15);

const { activeCounts, pooledOf, rank, rankConfident, regionData } = await bundle(`
export { activeCounts } from "./counts";
export { rank } from "./ranking";
export { pooledOf, rankConfident, regionData } from "./regions";
`);
const random = seeded();

// synthetic counts as bench_slices.mjs: a few classes per image, errors to two neighbours of each class; the band
// holds a random part of each cell (most of an error, a little of a correct region), the confident part of an error
const all = [];
const band = [];
const conf = [];
for (let n = 0; n < N; n++) {
  const cells = new Map();
  const k = 3 + Math.floor(random() * 6);
  for (let i = 0; i < k; i++) {
    const t = Math.floor(C * random() ** 2);
    cells.set(t * C + t, (cells.get(t * C + t) ?? 0) + 100 + Math.floor(random() * 2000));
    const p = (t + 1 + Math.floor(random() * 2)) % C;
    cells.set(t * C + p, (cells.get(t * C + p) ?? 0) + 1 + Math.floor(random() * 300));
  }
  const [b, c] = [new Map(), new Map()];
  for (const [cell, count] of cells) {
    const diagonal = Math.floor(cell / C) === cell % C;
    const inBand = Math.floor(count * (diagonal ? 0.2 : 0.7) * random());
    if (inBand > 0) b.set(cell, inBand);
    const confident = diagonal ? 0 : Math.floor(count * 0.3 * random());
    if (confident > 0) c.set(cell, confident);
  }
  all.push(cells);
  band.push(b);
  conf.push(c);
}
const index = cellMajor(all, C);
const bandIndex = cellMajor(band, C);
const confIndex = cellMajor(conf, C);
const data = {
  ...index,
  classes: Array.from({ length: C }, (_, c) => `class ${c}`),
  colors: [],
  pooled: pooledOf(index, null),
  meanCm: new Float64Array(C * C),
  losses: Float64Array.from({ length: N }, () => random()),
};
const busiest = [...Array(C * C).keys()]
  .filter((k) => k % (C + 1) !== 0)
  .sort((a, b) => index.cellPtr[b + 1] - index.cellPtr[b] - (index.cellPtr[a + 1] - index.cellPtr[a]))[0];
const cell = [Math.floor(busiest / C), busiest % C];
const member = Uint8Array.from({ length: N }, (_, n) => n % 2);

const cases = {
  "rank a cell, all pixels (baseline)": () => rank(data, data.losses, cell, "share").indices.length,
  "interior only: counts and rank the cell": () => {
    const counts = activeCounts(data, null, bandIndex, "interior");
    return rank(counts, counts.losses, cell, "share").indices.length;
  },
  "boundary only: counts and rank the cell": () => {
    const counts = activeCounts(data, null, bandIndex, "boundary");
    return rank(counts, counts.losses, cell, "share").indices.length;
  },
  "interior of a slice (half the images)": () => {
    const counts = activeCounts(data, member, bandIndex, "interior");
    return rank(counts, counts.losses, cell, "share").indices.length;
  },
  "confident order: the cell": () => rankConfident(data, confIndex, data.losses, cell).indices.length,
  "confident order: its true class": () => rankConfident(data, confIndex, data.losses, [cell[0], cell[0]]).indices.length,
  "confident order: no selection (suspicion)": () => rankConfident(data, confIndex, data.losses, null).indices.length,
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
console.log(
  `${N} images × ${C} classes, ${index.cellImage.length} nonzero per-image cells ` +
    `(band ${bandIndex.cellImage.length}, confident ${confIndex.cellImage.length}), cell ${cell}, ${REPEATS} repeats`,
);
for (const [name, t] of Object.entries(times)) {
  console.log(`${name.padEnd(44)} median ${median(t).toFixed(1).padStart(7)} ms  ×${(median(t) / base).toFixed(2)}`);
}
