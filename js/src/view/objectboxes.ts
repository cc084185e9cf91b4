// The detail view's objects panel: the image, dimmed, with its missed truth objects and its false predicted objects
// outlined (boxes from view/objects.py with_boxes, scaled from the mask's full resolution to the stored detail), in
// two colours that colour-blind readers tell apart (Okabe–Ito orange and blue), with their counts.

import { fmtInt } from "../data/format";
import type { ObjectBoxes } from "../data/objectboxes";
import type { Paintable } from "./paint";

/** Okabe–Ito: orange for missed truth objects, blue for false predicted objects. */
export const BOX_COLORS = { missed: "#e69f00", false: "#0072b2" } as const;

/** How many boxes of each kind the rows hold. */
export function boxCounts(boxes: ObjectBoxes): { missed: number; false: number } {
  let missed = 0;
  for (let k = 0; k < boxes.rows.length; k += 5) missed += boxes.rows[k] === 0 ? 1 : 0;
  return { missed, false: boxes.rows.length / 5 - missed };
}

/** Draw the dimmed image and the boxes into `canvas`; mark `fig` with data-missed / data-false and the caption. */
export function paintBoxes(canvas: HTMLCanvasElement, fig: HTMLElement, src: Paintable, boxes: ObjectBoxes): void {
  const { width, height } = src;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const counts = boxCounts(boxes);
  fig.dataset.missed = String(counts.missed);
  fig.dataset.false = String(counts.false);
  const caption = fig.querySelector("figcaption");
  if (caption) {
    caption.textContent = `objects · ${fmtInt(counts.missed)} missed (orange) · ${fmtInt(counts.false)} false (blue)`;
  }
  const ctx = canvas.getContext("2d");
  if (!ctx || width * height === 0) return;
  ctx.clearRect(0, 0, width, height);
  if (src.image) ctx.drawImage(src.image, 0, 0, width, height);
  ctx.fillStyle = "rgba(0, 0, 0, 0.45)";
  ctx.fillRect(0, 0, width, height);
  const [sy, sx] = [height / boxes.size[0], width / boxes.size[1]];
  ctx.lineWidth = Math.max(1, Math.round(Math.max(width, height) / 200));
  for (let k = 0; k < boxes.rows.length; k += 5) {
    const [kind, x0, y0, x1, y1] = boxes.rows.subarray(k, k + 5);
    ctx.strokeStyle = kind === 0 ? BOX_COLORS.missed : BOX_COLORS.false;
    ctx.setLineDash(kind === 0 ? [] : [3, 2]); // a second cue besides colour
    ctx.strokeRect(x0 * sx + 0.5, y0 * sy + 0.5, Math.max(1, (x1 - x0) * sx - 1), Math.max(1, (y1 - y0) * sy - 1));
  }
}
