// Class-index masks travel as the PNGs the kernel stores (8-bit or 16-bit greyscale; the confident-disagreement
// mask 1-bit). A canvas would colour-manage and cut 16-bit values to 8, so they are decoded here exactly: chunks,
// inflate, unfilter.

import type { Mask, MaskDtype } from "./protocol";

export interface DecodedMask {
  width: number;
  height: number;
  dtype: MaskDtype;
  mask: Mask;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Larger masks are refused rather than allocated (a 16k × 16k mask is already 512 MB at 16 bits). */
const MAX_PIXELS = 1 << 28;

/** Width and height from a PNG's header, without decoding it; null if it is not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24 || SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

/**
 * Decode a 1-, 8- or 16-bit greyscale, non-interlaced PNG into class indices (1-bit: 0 or 1, as uint8); throws on
 * anything else.
 */
export async function decodeMask(bytes: Uint8Array): Promise<DecodedMask> {
  const { header, data } = readChunks(bytes);
  const { width, height, depth } = header;
  const bpp = Math.max(1, depth / 8); // the filters' byte distance: 1 below 8 bits
  const raw = await inflate(data);
  const stride = depth === 1 ? Math.ceil(width / 8) : width * bpp;
  if (raw.length < height * (stride + 1)) throw new Error("png: image data is truncated");
  const pixels = unfilter(raw, stride, height, bpp);
  if (depth === 1) return { width, height, dtype: "uint8", mask: unpackBits(pixels, width, height, stride) };
  if (depth === 8) return { width, height, dtype: "uint8", mask: pixels };
  const mask = new Uint16Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = (pixels[2 * i] << 8) | pixels[2 * i + 1]; // big-endian
  return { width, height, dtype: "uint16", mask };
}

/** Rows of packed bits (most significant first, each row starting on a byte) → one byte per pixel. */
function unpackBits(packed: Uint8Array, width: number, height: number, stride: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = (packed[y * stride + (x >> 3)] >> (7 - (x & 7))) & 1;
  }
  return out;
}

interface Header {
  width: number;
  height: number;
  depth: 1 | 8 | 16;
}

function readChunks(bytes: Uint8Array): { header: Header; data: Uint8Array } {
  const size = pngSize(bytes);
  if (!size) throw new Error("png: not a PNG");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [];
  let header: Header | null = null;
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = dv.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (body.length !== length) throw new Error(`png: chunk ${type} is truncated`);
    if (type === "IHDR") header = checkHeader(body);
    else if (type === "IDAT") parts.push(body);
    else if (type === "IEND") break;
    at += 12 + length;
  }
  if (!header) throw new Error("png: no header");
  const total = parts.reduce((n, p) => n + p.length, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return { header, data };
}

function checkHeader(body: Uint8Array): Header {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const width = dv.getUint32(0);
  const height = dv.getUint32(4);
  const [depth, colorType, , , interlace] = body.subarray(8, 13);
  if (colorType !== 0 || (depth !== 1 && depth !== 8 && depth !== 16) || interlace !== 0) {
    throw new Error(`png: expected a 1/8/16-bit greyscale mask, got type ${colorType} depth ${depth}`);
  }
  if (width === 0 || height === 0 || width * height > MAX_PIXELS) throw new Error("png: bad size");
  return { width, height, depth: depth as 1 | 8 | 16 };
}

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new DecompressionStream("deflate");
  const writer = stream.writable.getWriter();
  // Not awaited: the reader below drains the stream, which is what lets the write finish.
  writer.write(data as Uint8Array<ArrayBuffer>).catch(() => undefined);
  writer.close().catch(() => undefined);
  const chunks: Uint8Array[] = [];
  const reader = stream.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Undo the per-row filters (PNG spec §9) of rows of `stride` bytes into tightly packed rows. */
function unfilter(raw: Uint8Array, stride: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? out.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = up ? up[i] : 0;
      const c = up && i >= bpp ? up[i - bpp] : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4:
          predictor = paeth(a, b, c);
          break;
        default:
          throw new Error(`png: unknown filter ${filter} in row ${y}`);
      }
      row[i] = (src[i] + predictor) & 255;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
