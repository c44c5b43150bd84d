// A small, strict safetensors reader (https://github.com/huggingface/safetensors):
// 8-byte little-endian header length N, N bytes of UTF-8 JSON
// {"__metadata__": {str: str}, name: {dtype, shape, data_offsets: [begin, end]}, ...}, then the data
// section, which the tensors must cover exactly (sorted, no overlap, no gaps). Everything is
// validated before anything large is allocated; errors are SafetensorsError naming the file label,
// the tensor and the problem. Data are read through a ByteSource so a weight file is never held in
// memory twice: tensors are decoded chunk by chunk. Assumes a little-endian host (every WebGPU one).
// Also home to the format's types, error and f16/bf16 conversions, which the writer
// (safetensors-write.ts) imports; safetensors.ts re-exports both.
import { bf16BitsToF32, f16BitsToF32, f32ToF16Bits } from '@clipgpu/kernels';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64';
/** begin/end: byte offsets into the data section. */
export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}
/** dataOffset = 8 + header length. */
export interface SafetensorsHeader {
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  dataOffset: number;
  fileSize: number;
}
/** Random-access bytes: a Node file handle, a Blob/File, HTTP Range requests or a Uint8Array. */
export interface ByteSource {
  size: number;
  label: string;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  constructor(
    message: string,
    readonly label?: string,
    readonly tensor?: string,
  ) {
    super(message);
  }
}

/** The reference implementation's limit on the JSON header. */
export const MAX_HEADER_BYTES = 100_000_000;
const DTYPE_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };
const SPEC_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'U32', 'U64', 'F64'];
const DEFAULT_CHUNK = 16 << 20;

export const dtypeSize = (dtype: SafetensorsDtype): number => DTYPE_SIZE[dtype];

/** Throws a SafetensorsError; shared with the writer, not part of the package's exports. */
export const fail = (label: string, msg: string, tensor?: string): never => {
  throw new SafetensorsError(`${label}: ${tensor === undefined ? '' : `tensor '${tensor}' `}${msg}`, label, tensor);
};
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const fmtShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** Validates the 8-byte length prefix against the file size; returns the JSON header length. */
function headerLength(prefix: Uint8Array, fileSize: number, label: string): number {
  if (fileSize < 8) fail(label, `file is ${fileSize} bytes, too short for the 8-byte header length`);
  if (prefix.length < 8) fail(label, `only ${prefix.length} bytes given; the header length needs 8`);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileSize - 8)) fail(label, `header length ${n} at offset 0 exceeds the file size ${fileSize}`);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(label, `header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  return Number(n);
}

/** The top-level keys of a JSON object text in order, duplicates kept (JSON.parse drops them). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

/** Parses and validates a header; `headerBytes` holds at least the first 8 + N bytes of the file. */
export function parseHeader(headerBytes: Uint8Array, fileSize: number, label = 'safetensors'): SafetensorsHeader {
  const n = headerLength(headerBytes, fileSize, label);
  if (headerBytes.length < 8 + n) fail(label, `header needs ${8 + n} bytes but only ${headerBytes.length} were given`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes.subarray(8, 8 + n));
  } catch {
    return fail(label, `header (${n} bytes) is not valid UTF-8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // V8 quotes short inputs in its message, newlines included: keep the error on one line
    return fail(label, `header is not valid JSON: ${(e as Error).message.replace(/[\u0000-\u001f\u2028\u2029]+/g, ' ')}`);
  }
  if (!isRecord(json)) return fail(label, `header is ${Array.isArray(json) ? 'an array' : show(json)}, not a JSON object`);
  const seen = new Set<string>();
  for (const k of topLevelKeys(text)) {
    if (seen.has(k)) fail(label, `header names '${k}' more than once`);
    seen.add(k);
  }
  const dataOffset = 8 + n;
  const dataSize = fileSize - dataOffset;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isRecord(entry)) fail(label, `__metadata__ is ${show(entry)}, not an object of strings`);
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(label, `__metadata__ '${k}' is ${show(v)}, not a string`);
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    tensors.set(name, checkEntry(label, name, entry, dataSize));
  }
  const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let prev: TensorInfo | undefined;
  for (const t of sorted) {
    const prevEnd = prev?.end ?? 0;
    if (t.begin < prevEnd)
      fail(label, `data_offsets [${t.begin}, ${t.end}] overlap tensor '${prev!.name}' [${prev!.begin}, ${prev!.end}]`, t.name);
    if (t.begin > prevEnd)
      fail(
        label,
        `data_offsets [${t.begin}, ${t.end}] leave a gap of ${t.begin - prevEnd} bytes after ${prev ? `tensor '${prev.name}'` : 'the start of the data section'}`,
        t.name,
      );
    prev = t;
  }
  const covered = prev?.end ?? 0;
  if (covered !== dataSize)
    fail(
      label,
      `data section is ${dataSize} bytes but the tensors cover only ${covered} (a gap of ${dataSize - covered} bytes at the end)`,
    );
  return { tensors, metadata, dataOffset, fileSize };
}

function checkEntry(label: string, name: string, entry: unknown, dataSize: number): TensorInfo {
  if (!isRecord(entry)) return fail(label, `entry is ${show(entry)}, not an object`, name);
  const { dtype, shape, data_offsets: offs } = entry;
  if (typeof dtype !== 'string') return fail(label, `dtype is ${show(dtype)}, not a string`, name);
  if (!Object.hasOwn(DTYPE_SIZE, dtype))
    fail(
      label,
      SPEC_DTYPES.includes(dtype)
        ? `has dtype ${dtype}, which is not supported (F32, F16, BF16, I32, I64)`
        : `has unknown dtype ${show(dtype)}`,
      name,
    );
  if (!Array.isArray(shape)) return fail(label, `shape is ${show(shape)}, not an array`, name);
  for (const d of shape)
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      fail(label, `shape ${show(shape)} has ${typeof d === 'number' && d < 0 ? 'a negative' : 'an invalid'} dimension ${show(d)}`, name);
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0))
    return fail(label, `data_offsets ${show(offs)} are not two non-negative integers`, name);
  const [begin, end] = offs as [number, number];
  if (end < begin) fail(label, `data_offsets [${begin}, ${end}] end before they begin`, name);
  const dt = dtype as SafetensorsDtype;
  const need = (shape as number[]).reduce((p, d) => p * BigInt(d), 1n) * BigInt(DTYPE_SIZE[dt]);
  if (need !== BigInt(end - begin))
    fail(label, `data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${dt} ${fmtShape(shape as number[])} needs ${need}`, name);
  if (end > dataSize) fail(label, `data_offsets [${begin}, ${end}] run past the end of the ${dataSize}-byte data section`, name);
  return { name, dtype: dt, shape: [...(shape as number[])], begin, end };
}

// ---------------------------------------------------------------- byte sources

/** Throws unless [offset, offset + length) lies inside a file of `size` bytes. */
export function checkRange(label: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size)
    fail(label, `read of ${length} bytes at offset ${offset} is outside the ${size}-byte file`);
}

export function bytesSource(bytes: Uint8Array, label = '<bytes>'): ByteSource {
  return {
    size: bytes.length,
    label,
    read: async (offset, length) => {
      checkRange(label, bytes.length, offset, length);
      return bytes.subarray(offset, offset + length);
    },
  };
}

export function blobSource(blob: Blob, label = (blob as { name?: string }).name ?? '<blob>'): ByteSource {
  return {
    size: blob.size,
    label,
    async read(offset, length) {
      checkRange(label, blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

/** HTTP(S) source: size from HEAD (or a 1-byte Range probe), data by Range GETs; a server that
 *  ignores Range gets one full GET, kept for later reads. */
export async function urlSource(url: string, opts: { fetch?: typeof fetch } = {}): Promise<ByteSource> {
  const f = opts.fetch ?? globalThis.fetch;
  const label = url;
  let full: Promise<Uint8Array> | undefined;
  const fetchFull = (resp?: Response) =>
    (full ??= (async () => {
      const r = resp ?? (await f(url));
      if (!r.ok) fail(label, `GET failed: HTTP ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    })());
  let size = -1;
  const head = await f(url, { method: 'HEAD' }).catch(() => undefined);
  const len = head?.ok ? head.headers.get('content-length') : null;
  if (len !== null && /^\d+$/.test(len) && head?.headers.get('content-encoding') == null) size = Number(len);
  else {
    const r = await f(url, { headers: { Range: 'bytes=0-0' } });
    const total = r.headers.get('content-range')?.match(/\/(\d+)\s*$/)?.[1];
    if (r.status === 206 && total !== undefined) {
      size = Number(total);
      await r.arrayBuffer().catch(() => undefined);
    } else if (r.ok) size = (await fetchFull(r)).length;
    else fail(label, `could not get the size: HTTP ${r.status}`);
  }
  return {
    size,
    label,
    async read(offset, length) {
      checkRange(label, size, offset, length);
      if (length === 0) return new Uint8Array(0);
      if (!full) {
        const r = await f(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
        if (r.status === 206) {
          const b = new Uint8Array(await r.arrayBuffer());
          if (b.length !== length) fail(label, `Range GET at ${offset} returned ${b.length} bytes, not ${length}`);
          return b;
        }
        if (!r.ok) fail(label, `Range GET at ${offset} failed: HTTP ${r.status}`);
        if (full) await r.body?.cancel().catch(() => undefined);
        else void fetchFull(r);
      }
      const b = await full!;
      if (b.length !== size) fail(label, `full GET returned ${b.length} bytes, not ${size}`);
      return b.subarray(offset, offset + length);
    },
  };
}

export async function readHeader(src: ByteSource): Promise<SafetensorsHeader> {
  const prefix = src.size >= 8 ? await src.read(0, 8) : new Uint8Array(0);
  const n = headerLength(prefix, src.size, src.label);
  return parseHeader(await src.read(0, 8 + n), src.size, src.label);
}

// ---------------------------------------------------------------- tensor decoding

export interface ReadOptions {
  /** Accept I64 tensors (converted to the nearest f32); off by default. */
  allowI64?: boolean;
  /** Bytes per read; defaults to 16 MiB. */
  chunkBytes?: number;
}

function tensorInfo(h: SafetensorsHeader, name: string, label: string): TensorInfo {
  const t = h.tensors.get(name);
  if (t) return t;
  const names = [...h.tensors.keys()];
  return fail(
    label,
    `not found among the file's ${names.length} tensors (${names
      .slice(0, 4)
      .map((s) => `'${s}'`)
      .join(', ')}${names.length > 4 ? ', ...' : ''})`,
    name,
  );
}

/** Calls fn(bytes, firstElement) for consecutive element-aligned chunks of the tensor's data. */
async function forChunks(
  src: ByteSource,
  h: SafetensorsHeader,
  t: TensorInfo,
  chunkBytes: number,
  fn: (bytes: Uint8Array, first: number) => void,
): Promise<void> {
  const es = DTYPE_SIZE[t.dtype];
  const step = Math.max(es, chunkBytes - (chunkBytes % es));
  for (let off = t.begin; off < t.end; off += step) {
    const len = Math.min(step, t.end - off);
    const b = await src.read(h.dataOffset + off, len);
    if (b.length !== len) fail(src.label, `read at ${h.dataOffset + off} returned ${b.length} bytes, not ${len}`, t.name);
    fn(b, (off - t.begin) / es);
  }
}

/** A typed view of `b` (copied when misaligned). */
function view<T>(b: Uint8Array, es: number, make: (buf: ArrayBufferLike, off: number, n: number) => T): T {
  const a = b.byteOffset % es === 0 ? b : b.slice();
  return make(a.buffer, a.byteOffset, a.length / es);
}
const u16 = (b: Uint8Array) => view(b, 2, (buf, o, n) => new Uint16Array(buf, o, n));

export async function readTensorF32(src: ByteSource, h: SafetensorsHeader, name: string, opts: ReadOptions = {}): Promise<Float32Array> {
  const t = tensorInfo(h, name, src.label);
  if (t.dtype === 'I64' && !opts.allowI64) fail(src.label, `is I64 ${fmtShape(t.shape)}; pass allowI64 to convert it to f32`, name);
  const out = new Float32Array((t.end - t.begin) / DTYPE_SIZE[t.dtype]);
  const outBytes = new Uint8Array(out.buffer);
  await forChunks(src, h, t, opts.chunkBytes ?? DEFAULT_CHUNK, (b, first) => {
    switch (t.dtype) {
      case 'F32':
        outBytes.set(b, first * 4);
        break;
      case 'F16':
        out.set(f16BitsToF32(u16(b)), first);
        break;
      case 'BF16':
        out.set(bf16BitsToF32(u16(b)), first);
        break;
      case 'I32':
        out.set(
          view(b, 4, (buf, o, n) => new Int32Array(buf, o, n)),
          first,
        );
        break;
      case 'I64': {
        const w = view(b, 4, (buf, o, n) => new Int32Array(buf, o, n));
        for (let i = 0; i < w.length / 2; i++) out[first + i] = w[2 * i + 1] * 4294967296 + (w[2 * i] >>> 0);
      }
    }
  });
  return out;
}

/** F16 as stored; F32 and BF16 rounded to the nearest f16 (ties to even). */
export async function readTensorF16Bits(src: ByteSource, h: SafetensorsHeader, name: string, opts: ReadOptions = {}): Promise<Uint16Array> {
  const t = tensorInfo(h, name, src.label);
  if (t.dtype !== 'F16' && t.dtype !== 'F32' && t.dtype !== 'BF16')
    fail(src.label, `is ${t.dtype} ${fmtShape(t.shape)}, not a float tensor`, name);
  const out = new Uint16Array((t.end - t.begin) / DTYPE_SIZE[t.dtype]);
  await forChunks(src, h, t, opts.chunkBytes ?? DEFAULT_CHUNK, (b, first) => {
    if (t.dtype === 'F16') new Uint8Array(out.buffer).set(b, first * 2);
    else if (t.dtype === 'BF16') out.set(f32ToF16Bits(bf16BitsToF32(u16(b))), first);
    else out.set(f32ToF16Bits(view(b, 4, (buf, o, n) => new Float32Array(buf, o, n))), first);
  });
  return out;
}
