// Can the confidence be trusted? (Python: segwidget/results/calibration.py, segwidget/view/calibration.py.) The
// reliability diagram, ECE and MCE of any slice and class, and the rankings by overconfidence and by a bin's wrong
// pixels, from the per-image calibration counts (calib_*). Every sum runs in the kernel's order (entries in image
// order, then classes in order, then numpy's pairwise sum over the bins), so the numbers are Python's to the last bit.

import { float64s, int32s } from "./binary";
import type { Model } from "./protocol";
import type { Ranked } from "./ranking";
import { pairwiseSum } from "./slices";

/** Per-image CSR: image n's entries are key[ptr[n]:ptr[n+1]] = (class · S + slot) · 2 + correct, S = bins + 1. */
export interface Calibration {
  C: number;
  N: number;
  /** Equal-width bins on [0, 1]; slot `bins` holds confidence exactly 1.0. */
  bins: number;
  ptr: Int32Array;
  key: Int32Array;
  count: Int32Array;
  sum: Float64Array;
}

/** One row per slot (bins, then confidence 1.0); accuracy and confidence NaN where the slot is empty. */
export interface Reliability {
  lo: Float64Array;
  hi: Float64Array;
  count: Float64Array;
  accuracy: Float64Array;
  confidence: Float64Array;
}

/** The calib_* traits, or null when the results have none (empty bytes or no bin count in the summary). */
export function readCalibration(model: Model, C: number, N: number): Calibration | null {
  const bins = model.get("summary")?.calibration_bins;
  const ptr = int32s(model.get("calib_ptr"), "calib_ptr");
  if (ptr.length === 0 || typeof bins !== "number") return null;
  const key = int32s(model.get("calib_key"), "calib_key");
  const count = int32s(model.get("calib_count"), "calib_count");
  const sum = float64s(model.get("calib_sum"), "calib_sum");
  const E = key.length;
  if (ptr.length !== N + 1 || ptr[0] !== 0 || ptr[N] !== E || count.length !== E || sum.length !== E) {
    throw new Error("segwidget: calib_* are inconsistent with the number of images");
  }
  return { C, N, bins, ptr, key, count, sum };
}

/** Each slot's [lo, hi]: linspace(0, 1, bins + 1)'s bins, then [1, 1] (numpy's linspace: i · (1 / bins)). */
export function binEdges(bins: number): { lo: Float64Array; hi: Float64Array } {
  const step = 1 / bins;
  const at = (i: number) => (i === bins ? 1 : i * step);
  return {
    lo: Float64Array.from({ length: bins + 1 }, (_, b) => (b === bins ? 1 : at(b))),
    hi: Float64Array.from({ length: bins + 1 }, (_, b) => (b === bins ? 1 : at(b + 1))),
  };
}

/** The reliability of the images in `member` (null: all), over every valid pixel or those predicted `cls`. */
export function reliability(cal: Calibration, member: Uint8Array | null, cls: number | null): Reliability {
  const S = cal.bins + 1;
  const keys = cal.C * S * 2;
  const count = new Float64Array(keys);
  const sum = new Float64Array(keys);
  for (let n = 0; n < cal.N; n++) {
    if (member && !member[n]) continue;
    for (let j = cal.ptr[n]; j < cal.ptr[n + 1]; j++) {
      count[cal.key[j]] += cal.count[j];
      sum[cal.key[j]] += cal.sum[j];
    }
  }
  const classes = cls === null ? Array.from({ length: cal.C }, (_, c) => c) : [cls];
  const out: Reliability = {
    ...binEdges(cal.bins),
    count: new Float64Array(S),
    accuracy: new Float64Array(S),
    confidence: new Float64Array(S),
  };
  for (let b = 0; b < S; b++) {
    let n0 = 0;
    let n1 = 0;
    let s0 = 0;
    let s1 = 0;
    for (const c of classes) {
      const k = (c * S + b) * 2; // classes summed in order, as numpy reduces over the first axis
      s0 += sum[k];
      s1 += sum[k + 1];
      n0 += count[k];
      n1 += count[k + 1];
    }
    const n = n0 + n1;
    out.count[b] = n;
    out.accuracy[b] = n > 0 ? n1 / n : Number.NaN;
    out.confidence[b] = n > 0 ? (s0 + s1) / n : Number.NaN;
  }
  return out;
}

/** Σ_b n_b / n · |acc_b − conf_b|; null without pixels. */
export function ece(rel: Reliability): number | null {
  const weighted = Float64Array.from(rel.count, (n, b) =>
    n > 0 ? n * Math.abs(rel.accuracy[b] - rel.confidence[b]) : 0,
  );
  let total = 0;
  for (const n of rel.count) total += n;
  return total > 0 ? pairwiseSum(weighted) / total : null;
}

/** max_b |acc_b − conf_b| over the non-empty bins; null without pixels. */
export function mce(rel: Reliability): number | null {
  let worst: number | null = null;
  rel.count.forEach((n, b) => {
    if (n > 0) worst = Math.max(worst ?? 0, Math.abs(rel.accuracy[b] - rel.confidence[b]));
  });
  return worst;
}

/** Per image: pixels, confidence sum and correct pixels of the entries of class `cls` and slot `slot` (null: any). */
function perImage(cal: Calibration, cls: number | null, slot: number | null) {
  const S = cal.bins + 1;
  const pixels = new Float64Array(cal.N);
  const sums = new Float64Array(cal.N);
  const right = new Float64Array(cal.N);
  for (let n = 0; n < cal.N; n++) {
    for (let j = cal.ptr[n]; j < cal.ptr[n + 1]; j++) {
      const key = cal.key[j];
      const correct = key % 2;
      const classSlot = (key - correct) / 2;
      if (cls !== null && Math.floor(classSlot / S) !== cls) continue;
      if (slot !== null && classSlot % S !== slot) continue;
      pixels[n] += cal.count[j];
      sums[n] += cal.sum[j];
      right[n] += correct * cal.count[j];
    }
  }
  return { pixels, sums, right };
}

/** Images with a score, highest first, ties by lower index (calibration._ranked). */
function ranked(scores: Float64Array, has: (n: number) => boolean): Ranked {
  const images: number[] = [];
  for (let n = 0; n < scores.length; n++) if (has(n)) images.push(n);
  images.sort((a, b) => (scores[b] > scores[a] ? 1 : scores[b] < scores[a] ? -1 : a - b));
  return { indices: Int32Array.from(images), scores: Float64Array.from(images, (n) => scores[n]) };
}

/** Results.rank(by="overconfident"): mean confidence − accuracy over each image's valid pixels (or those predicted cls). */
export function rankOverconfident(cal: Calibration, cls: number | null): Ranked {
  const { pixels, sums, right } = perImage(cal, cls, null);
  const scores = Float64Array.from(pixels, (n, i) => (n > 0 ? (sums[i] - right[i]) / n : Number.NaN));
  return ranked(scores, (n) => pixels[n] > 0);
}

/** Results.rank_calibration_bin: images by their wrong pixels in `slot` (of those predicted cls), most first. */
export function rankBin(cal: Calibration, slot: number, cls: number | null): Ranked {
  const { pixels, right } = perImage(cal, cls, slot);
  const wrong = Float64Array.from(pixels, (n, i) => n - right[i]);
  return ranked(wrong, (n) => wrong[n] > 0);
}
