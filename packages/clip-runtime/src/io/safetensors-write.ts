// The safetensors writer: tensors and metadata serialised to the bytes of a .safetensors file
// (format and reader in safetensors-read.ts). Assumes a little-endian host, as the reader does.
import { fail, fmtShape } from './safetensors-read.js';

export type WritableTensor = {
  dtype: 'F32' | 'F16' | 'BF16' | 'I32';
  shape: number[];
  data: Float32Array | Uint16Array | Int32Array;
};

/** Tensors in the given order; header padded with spaces to a multiple of 8 like the reference. */
export function writeSafetensors(tensors: Record<string, WritableTensor>, metadata?: Record<string, string>): Uint8Array<ArrayBuffer> {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') fail('writeSafetensors', `'__metadata__' is reserved`, name);
    const want = { F32: Float32Array, F16: Uint16Array, BF16: Uint16Array, I32: Int32Array }[t.dtype];
    if (!want || !(t.data instanceof want)) fail('writeSafetensors', `has dtype ${t.dtype} but data is a ${t.data.constructor.name}`, name);
    const n = t.shape.reduce((p, d) => p * d, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || n !== t.data.length)
      fail('writeSafetensors', `shape ${fmtShape(t.shape)} does not match its ${t.data.length} elements`, name);
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  json = padded;
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const b of parts) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}
