// Typed arrays from the kernel's bytes: little-endian, zero-copy when aligned, checked for a whole number of items.

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function asBytes(value: unknown): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

function checkedLength(bytes: Uint8Array, width: number, what: string): number {
  if (bytes.byteLength % width !== 0) {
    throw new Error(`${what}: ${bytes.byteLength} bytes is not a multiple of ${width}`);
  }
  return bytes.byteLength / width;
}

/** Bytes laid out for a typed array of `width`: the same memory when aligned, else an aligned copy. */
function aligned(bytes: Uint8Array, width: number): Uint8Array {
  return bytes.byteOffset % width === 0 ? bytes : bytes.slice();
}

/** Little-endian float64s from a DataView/ArrayBuffer (zero-copy when aligned). Non-binary → empty. */
export function float64s(value: unknown, what = "float64"): Float64Array {
  const bytes = asBytes(value);
  const n = checkedLength(bytes, 8, what);
  if (!LITTLE_ENDIAN) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Float64Array.from({ length: n }, (_, i) => dv.getFloat64(i * 8, true));
  }
  const a = aligned(bytes, 8);
  return new Float64Array(a.buffer, a.byteOffset, n);
}

/** Little-endian int32s, like `float64s`. */
export function int32s(value: unknown, what = "int32"): Int32Array {
  const bytes = asBytes(value);
  const n = checkedLength(bytes, 4, what);
  if (!LITTLE_ENDIAN) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Int32Array.from({ length: n }, (_, i) => dv.getInt32(i * 4, true));
  }
  const a = aligned(bytes, 4);
  return new Int32Array(a.buffer, a.byteOffset, n);
}
