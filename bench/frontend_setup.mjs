// Shared by the browser-side benches (bench_slices.mjs, bench_regions.mjs): command-line numbers, the front
// end's own modules bundled in memory, a seeded random source and the cell-major index the widget is sent.

import * as esbuild from "esbuild";

/** The number after `--name` on the command line, or `fallback`. */
export const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};

/** The exports of `entry` (TypeScript re-exporting from js/src), bundled with esbuild and imported. */
export async function bundle(entry) {
  const built = await esbuild.build({
    stdin: { contents: entry, resolveDir: "js/src", loader: "ts" },
    bundle: true,
    format: "esm",
    write: false,
    logLevel: "error",
  });
  return import(`data:text/javascript;base64,${Buffer.from(built.outputFiles[0].text).toString("base64")}`);
}

/** A seeded uniform [0, 1) source (the same numbers every run). */
export function seeded(seed = 1) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

/** A cell-major index of per-image maps {cell: count} (cells ascending per image, images ascending per cell). */
export function cellMajor(perImage, C) {
  const cellPtr = new Int32Array(C * C + 1);
  for (const cells of perImage) for (const k of cells.keys()) cellPtr[k + 1]++;
  for (let k = 0; k < C * C; k++) cellPtr[k + 1] += cellPtr[k];
  const fill = cellPtr.slice(0, -1);
  const cellImage = new Int32Array(cellPtr[C * C]);
  const cellCount = new Int32Array(cellPtr[C * C]);
  perImage.forEach((cells, n) => {
    for (const [k, count] of [...cells].sort((a, b) => a[0] - b[0])) {
      cellImage[fill[k]] = n;
      cellCount[fill[k]++] = count;
    }
  });
  return { C, N: perImage.length, cellPtr, cellImage, cellCount };
}
