// Which image the detail shows: the synced selected_image when it is one of the images, with its place in the
// gallery's list; it and its neighbours in that list are fetched (so that previous/next is instant).

import type { Ranked } from "../data/ranking";
import type { DetailStore } from "./detail";

export interface Opening {
  index: number;
  /** Its rank in the gallery's list (-1: not in it). */
  at: number;
  /** e.g. "rank 3 of 120", or "not in the current list". */
  position: string;
}

/** The image `raw` (the trait's value) of `N`, or null when it is none; fetches it and its neighbours. */
export function opening(raw: unknown, N: number, ranked: Ranked, store: DetailStore): Opening | null {
  if (!Number.isInteger(raw) || (raw as number) < 0 || (raw as number) >= N) return null;
  const index = raw as number;
  store.want(index);
  const at = ranked.indices.indexOf(index);
  for (const n of [ranked.indices[at + 1], ranked.indices[at - 1]]) if (at >= 0 && n !== undefined) store.want(n);
  return { index, at, position: at >= 0 ? `rank ${at + 1} of ${ranked.indices.length}` : "not in the current list" };
}
