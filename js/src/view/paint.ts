// Drawing an image with a mask layer coloured in the browser (thumbnails and detail panels alike).

import { differenceMask } from "../data/change-colors";
import { colorMask, pairMask, type RGB } from "../data/colors";
import { type Cell, type Mask, type MaskDtype, type Overlay, voidValue } from "../data/protocol";

/** What is drawn over an image; a comparison adds B's prediction and where the two predictions differ. */
export type Layer = "image" | "truth" | "prediction" | "pair" | "prediction-b" | "difference";

export interface Paintable {
  width: number;
  height: number;
  dtype: MaskDtype;
  /** null when the mask could not be decoded: the image is shown alone. */
  truth: Mask | null;
  pred: Mask | null;
  /** Model B's prediction in a comparison (the reply's fourth part); null when absent or undecodable. */
  predB?: Mask | null;
  image: CanvasImageSource | null;
}

export function layerOf(overlay: Overlay): Layer {
  return overlay === "none" ? "image" : overlay;
}

/** RGBA pixels of a layer's mask at `opacity`; null for the bare image. */
export function layerPixels(src: Paintable, layer: Layer, cell: Cell | null, pal: readonly RGB[], opacity: number) {
  const { truth, pred } = src;
  const predB = src.predB ?? null;
  if (layer === "image" || truth === null || pred === null) return null;
  if ((layer === "prediction-b" || layer === "difference") && predB === null) return null;
  const out = new Uint8ClampedArray(4 * src.width * src.height);
  const v = voidValue(src.dtype);
  if (layer === "pair") return pairMask(truth, pred, cell, v, opacity, out);
  if (layer === "prediction-b") return colorMask(predB as Mask, pal, v, opacity, out);
  if (layer === "difference") return differenceMask(truth, pred, predB as Mask, v, opacity, out);
  return colorMask(layer === "truth" ? truth : pred, pal, v, opacity, out);
}

let shared: HTMLCanvasElement | null = null;

/** One canvas for every layer (at least `width`×`height`), reused: a new canvas per thumbnail costs more than its paint. */
function scratch(width: number, height: number): HTMLCanvasElement {
  shared ??= document.createElement("canvas");
  if (shared.width < width) shared.width = width;
  if (shared.height < height) shared.height = height;
  return shared;
}

/** Draw the image and the layer over it into `canvas`, sized to the source's pixels. */
export function paint(
  canvas: HTMLCanvasElement,
  src: Paintable,
  layer: Layer,
  cell: Cell | null,
  pal: readonly RGB[],
  opacity: number,
): void {
  if (canvas.width !== src.width) canvas.width = src.width;
  if (canvas.height !== src.height) canvas.height = src.height;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.clearRect(0, 0, src.width, src.height);
  if (src.image) ctx.drawImage(src.image, 0, 0, src.width, src.height);
  else {
    ctx.fillStyle = "#808080";
    ctx.fillRect(0, 0, src.width, src.height);
  }
  // No image to see through: show the mask opaque.
  const pixels = layerPixels(src, layer, cell, pal, src.image ? opacity : 1);
  if (!pixels || src.width * src.height === 0) return;
  const layerCanvas = scratch(src.width, src.height);
  layerCanvas.getContext("2d")?.putImageData(new ImageData(pixels, src.width, src.height), 0, 0);
  ctx.drawImage(layerCanvas, 0, 0, src.width, src.height, 0, 0, src.width, src.height);
}
