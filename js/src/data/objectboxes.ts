// The detail reply's object boxes (view/objects.py with_boxes; PROTOCOL.md "Objects"): decoded apart from
// protocol.ts so that the codec stays one job per module.

/** int32 rows kind (0 missed, 1 false), x0, y0, x1, y1 at the mask's full resolution `size` [height, width]. */
export interface ObjectBoxes {
  size: readonly [number, number];
  rows: Int32Array;
}

/** The boxes a detail reply names (`objects_boxes`, `objects_size`) in `buffer`; null when absent or malformed. */
export function objectBoxes(msg: Record<string, unknown>, buffer: unknown): ObjectBoxes | null {
  const size = msg.objects_size;
  const sized = Array.isArray(size) && size.length === 2 && size.every((v) => Number.isInteger(v) && v >= 1);
  const raw =
    buffer instanceof ArrayBuffer
      ? new Uint8Array(buffer)
      : ArrayBuffer.isView(buffer)
        ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
        : null;
  if (msg.objects_boxes !== true || !sized || raw === null || raw.byteLength % 20 !== 0) return null;
  const dv = new DataView(raw.slice().buffer);
  const rows = Int32Array.from({ length: raw.byteLength / 4 }, (_, i) => dv.getInt32(4 * i, true));
  return { size: size as [number, number], rows };
}
