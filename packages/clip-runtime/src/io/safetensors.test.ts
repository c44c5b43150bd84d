import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MAX_HEADER_BYTES,
  SafetensorsError,
  bf16BitsToF32,
  blobSource,
  bytesSource,
  f16BitsToF32,
  f32ToF16Bits,
  fileSource,
  parseHeader,
  readHeader,
  readTensorF16Bits,
  readTensorF32,
  urlSource,
  writeSafetensors,
  type ByteSource,
} from './safetensors.js';

const enc = new TextEncoder();
/** A file from a raw header (object or text) and a data section; `len` forges the length prefix. */
function raw(header: unknown, data: Uint8Array | number = 0, len?: bigint): Uint8Array {
  const h = typeof header === 'string' ? enc.encode(header) : header instanceof Uint8Array ? header : enc.encode(JSON.stringify(header));
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, len ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}
const t = (dtype: string, shape: unknown, data_offsets: unknown) => ({ dtype, shape, data_offsets });
function parseErr(file: Uint8Array, label = 'm.st'): string {
  try {
    parseHeader(file, file.length, label);
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return (e as Error).message;
  }
  throw new Error('parseHeader did not throw');
}
/** A source that records every read, so a test can prove nothing large was read or allocated. */
function spySource(bytes: Uint8Array, size = bytes.length): ByteSource & { reads: number[] } {
  const reads: number[] = [];
  return {
    size,
    label: 'spy',
    reads,
    async read(o, n) {
      reads.push(n);
      if (n > 1 << 20) throw new Error(`huge read of ${n} bytes`);
      return bytes.subarray(o, o + n);
    },
  };
}

describe('write and read', () => {
  const f32 = new Float32Array([1.5, -2.25, 3e-8, 65504, 1e30, -0, 7, 8]);
  const half = f32ToF16Bits(new Float32Array([1, -0.5, 2 ** -24, 65504, -Infinity]));
  const bf = new Uint16Array([0x3f80, 0xc020, 0x7f80, 0x0001, 0x4049]);
  const file = writeSafetensors(
    {
      'a.f16': { dtype: 'F16', shape: [5], data: half },
      'b.f32': { dtype: 'F32', shape: [2, 4], data: f32 }, // at offset 10: not 4-byte aligned
      'c.bf16': { dtype: 'BF16', shape: [5], data: bf },
      'd.i32': { dtype: 'I32', shape: [2], data: new Int32Array([-3, 1 << 30]) },
      'e.scalar': { dtype: 'F32', shape: [], data: new Float32Array([4.6052]) },
      'f.empty': { dtype: 'F32', shape: [0, 5], data: new Float32Array(0) },
    },
    { format: 'pt', note: 'ünïcode' },
  );

  it('pads the header with spaces to a multiple of 8 and round-trips every dtype', async () => {
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    for (let k = 1; k <= 8; k++) {
      const f = writeSafetensors({ ['w'.repeat(k)]: { dtype: 'F32', shape: [1], data: new Float32Array([k]) } });
      const len = Number(new DataView(f.buffer).getBigUint64(0, true));
      const text = new TextDecoder().decode(f.subarray(8, 8 + len));
      expect(len % 8).toBe(0);
      expect(text.trimEnd().length).toBeGreaterThan(len - 8);
      expect(text).toMatch(/^\{.*\} *$/);
    }
    const src = bytesSource(file, 'rt.safetensors');
    const h = await readHeader(src);
    expect(h.dataOffset).toBe(8 + n);
    expect(h.fileSize).toBe(file.length);
    expect(h.metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    expect([...h.tensors.keys()]).toEqual(['a.f16', 'b.f32', 'c.bf16', 'd.i32', 'e.scalar', 'f.empty']);
    expect(h.tensors.get('b.f32')).toEqual({ name: 'b.f32', dtype: 'F32', shape: [2, 4], begin: 10, end: 42 });
    for (const chunkBytes of [undefined, 4, 6, 10]) {
      const o = { chunkBytes };
      expect(await readTensorF32(src, h, 'b.f32', o)).toEqual(f32);
      expect(await readTensorF32(src, h, 'a.f16', o)).toEqual(f16BitsToF32(half));
      expect(await readTensorF16Bits(src, h, 'a.f16', o)).toEqual(half);
      expect(await readTensorF32(src, h, 'c.bf16', o)).toEqual(bf16BitsToF32(bf));
      expect(await readTensorF16Bits(src, h, 'b.f32', o)).toEqual(f32ToF16Bits(f32));
      expect(await readTensorF16Bits(src, h, 'c.bf16', o)).toEqual(f32ToF16Bits(bf16BitsToF32(bf)));
      expect(Array.from(await readTensorF32(src, h, 'd.i32', o))).toEqual([-3, 1 << 30]);
    }
    expect(Array.from(await readTensorF32(src, h, 'e.scalar'))).toEqual([Math.fround(4.6052)]);
    expect((await readTensorF32(src, h, 'f.empty')).length).toBe(0);
    expect(Array.from(await readTensorF32(src, h, 'c.bf16'))).toEqual([1, -2.5, Infinity, 2 ** -133, 3.140625]);
  });

  it('reads I64 only when asked', async () => {
    const ids = new BigInt64Array([0n, 1n, 76n, -5n, 2n ** 40n + 3n]);
    const file = raw(
      { __metadata__: { format: 'pt' }, 'text_model.embeddings.position_ids': t('I64', [1, 5], [0, 40]) },
      new Uint8Array(ids.buffer),
    );
    const src = bytesSource(file, 'old.safetensors');
    const h = await readHeader(src);
    await expect(readTensorF32(src, h, 'text_model.embeddings.position_ids')).rejects.toThrow(
      "old.safetensors: tensor 'text_model.embeddings.position_ids' is I64 [1, 5]; pass allowI64 to convert it to f32",
    );
    expect(Array.from(await readTensorF32(src, h, 'text_model.embeddings.position_ids', { allowI64: true, chunkBytes: 12 }))).toEqual([
      0,
      1,
      76,
      -5,
      2 ** 40,
    ]); // nearest f32
    await expect(readTensorF16Bits(src, h, 'text_model.embeddings.position_ids')).rejects.toThrow(/is I64 \[1, 5\], not a float tensor/);
    await expect(readTensorF32(src, h, 'nope')).rejects.toThrow(
      "old.safetensors: tensor 'nope' not found among the file's 1 tensors ('text_model.embeddings.position_ids')",
    );
  });

  it('rejects writer inputs that do not match', () => {
    expect(() => writeSafetensors({ w: { dtype: 'F16', shape: [2], data: new Float32Array(2) } })).toThrow(
      "writeSafetensors: tensor 'w' has dtype F16 but data is a Float32Array",
    );
    expect(() => writeSafetensors({ w: { dtype: 'F32', shape: [2, 3], data: new Float32Array(5) } })).toThrow(
      /shape \[2, 3\] does not match its 5 elements/,
    );
  });
});

describe('validation', () => {
  const W = 'text_model.embeddings.token_embedding.weight';
  it('rejects truncated files and impossible header lengths without reading them', async () => {
    expect(parseErr(new Uint8Array(5))).toBe('m.st: file is 5 bytes, too short for the 8-byte header length');
    expect(parseErr(raw({ a: t('F32', [1], [0, 4]) }, 4).subarray(0, 30))).toMatch(
      /^m\.st: header length \d+ at offset 0 exceeds the file size 30$/,
    );
    expect(parseErr(raw('{}', 1224, 2n ** 63n - 1n), 'model.safetensors')).toBe(
      'model.safetensors: header length 9223372036854775807 at offset 0 exceeds the file size 1234',
    );
    for (const len of [2n ** 53n, 2n ** 64n - 1n, 2n ** 32n]) {
      const src = spySource(raw('{}', 0, len), 4096);
      await expect(readHeader(src)).rejects.toThrow(`spy: header length ${len} at offset 0 exceeds the file size 4096`);
      expect(src.reads).toEqual([8]);
    }
    const big = spySource(raw('{}', 0, BigInt(MAX_HEADER_BYTES + 1)), 2 * MAX_HEADER_BYTES);
    await expect(readHeader(big)).rejects.toThrow(`spy: header length ${MAX_HEADER_BYTES + 1} exceeds the limit of 100000000 bytes`);
    expect(big.reads).toEqual([8]);
    await expect(readHeader(spySource(new Uint8Array(3)))).rejects.toThrow('spy: file is 3 bytes, too short');
    const f = raw({ a: t('F32', [1], [0, 4]) }, 4);
    expect(() => parseHeader(f.subarray(0, 12), f.length, 'x')).toThrow(/^x: header needs \d+ bytes but only 12 were given$/);
  });

  it('rejects malformed JSON', () => {
    expect(parseErr(raw('{"a": '))).toMatch(/^m\.st: header is not valid JSON: /);
    expect(parseErr(raw(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))).toBe('m.st: header (4 bytes) is not valid UTF-8');
    expect(parseErr(raw('[1, 2]'))).toBe('m.st: header is an array, not a JSON object');
    expect(parseErr(raw('42'))).toBe('m.st: header is 42, not a JSON object');
    expect(parseErr(raw('null'))).toBe('m.st: header is null, not a JSON object');
    expect(parseErr(raw({ __metadata__: { format: 1 } }))).toBe("m.st: __metadata__ 'format' is 1, not a string");
    expect(parseErr(raw({ __metadata__: 'pt' }))).toBe('m.st: __metadata__ is "pt", not an object of strings');
    expect(parseErr(raw({ a: 5 }))).toBe("m.st: tensor 'a' entry is 5, not an object");
  });

  it('rejects bad dtypes, shapes and offsets, naming the tensor', () => {
    expect(parseErr(raw({ a: t('F33', [1], [0, 4]) }, 4))).toBe(`m.st: tensor 'a' has unknown dtype "F33"`);
    expect(parseErr(raw({ a: t('constructor', [1], [0, 4]) }, 4))).toBe(`m.st: tensor 'a' has unknown dtype "constructor"`);
    const proto = '{"__metadata__": {"__proto__": "x"}, "__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}';
    const hp = parseHeader(raw(proto, 4), 8 + proto.length + 4);
    // biome-ignore lint/suspicious/noProto: a header key named "__proto__" is the case under test
    expect([Object.keys(hp.metadata), hp.metadata.__proto__, [...hp.tensors.keys()]]).toEqual([['__proto__'], 'x', ['__proto__']]);
    expect(parseErr(raw({ a: t('F64', [1], [0, 8]) }, 8))).toBe(
      "m.st: tensor 'a' has dtype F64, which is not supported (F32, F16, BF16, I32, I64)",
    );
    expect(parseErr(raw({ a: t(7 as never, [1], [0, 4]) }, 4))).toBe("m.st: tensor 'a' dtype is 7, not a string");
    expect(parseErr(raw({ a: t('F32', 4, [0, 16]) }, 16))).toBe("m.st: tensor 'a' shape is 4, not an array");
    expect(parseErr(raw({ a: t('F32', [-1, 4], [0, 16]) }, 16))).toBe("m.st: tensor 'a' shape [-1,4] has a negative dimension -1");
    expect(parseErr(raw({ a: t('F32', [1.5], [0, 4]) }, 4))).toBe("m.st: tensor 'a' shape [1.5] has an invalid dimension 1.5");
    expect(parseErr(raw({ a: t('F32', ['2'], [0, 8]) }, 8))).toBe(`m.st: tensor 'a' shape ["2"] has an invalid dimension "2"`);
    expect(parseErr(raw({ a: t('F32', [1], [0]) }, 4))).toBe("m.st: tensor 'a' data_offsets [0] are not two non-negative integers");
    expect(parseErr(raw({ a: t('F32', [1], [-4, 0]) }, 4))).toBe("m.st: tensor 'a' data_offsets [-4,0] are not two non-negative integers");
    expect(parseErr(raw({ a: t('F32', [0], [8, 4]) }, 8))).toBe("m.st: tensor 'a' data_offsets [8, 4] end before they begin");
    expect(parseErr(raw({ [W]: t('F32', [49408, 512], [0, 100]) }, 100), 'model.safetensors')).toBe(
      `model.safetensors: tensor '${W}' data_offsets [0, 100] hold 100 bytes but F32 [49408, 512] needs 101187584`,
    );
    expect(parseErr(raw({ a: t('F16', [2 ** 40, 2 ** 40], [0, 8]) }, 8))).toMatch(/needs 2417851639229258349412352$/);
    expect(parseErr(raw({ a: t('F32', [4], [0, 16]) }, 12))).toBe(
      "m.st: tensor 'a' data_offsets [0, 16] run past the end of the 12-byte data section",
    );
  });

  it('rejects overlaps, gaps and duplicate names', () => {
    expect(parseErr(raw({ a: t('F32', [2], [0, 8]), b: t('F32', [2], [4, 12]) }, 12))).toBe(
      "m.st: tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]",
    );
    expect(parseErr(raw({ a: t('F32', [2], [0, 8]), b: t('F32', [2], [12, 20]) }, 20))).toBe(
      "m.st: tensor 'b' data_offsets [12, 20] leave a gap of 4 bytes after tensor 'a'",
    );
    expect(parseErr(raw({ a: t('F32', [1], [4, 8]) }, 8))).toBe(
      "m.st: tensor 'a' data_offsets [4, 8] leave a gap of 4 bytes after the start of the data section",
    );
    expect(parseErr(raw({ a: t('F32', [1], [0, 4]) }, 10))).toBe(
      'm.st: data section is 10 bytes but the tensors cover only 4 (a gap of 6 bytes at the end)',
    );
    const dup =
      '{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "a\\u0062": {"dtype": "F32", "shape": [], "data_offsets": [4, 8]}, "ab": {"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expect(parseErr(raw(dup, 8))).toBe("m.st: header names 'ab' more than once");
    // the keys scanner ignores strings and braces nested inside values
    const nested = '{"__metadata__": {"a": "}{,\\"q\\"", "b": "x"}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}';
    expect(parseHeader(raw(nested, 4), 8 + nested.length + 4).metadata).toEqual({ a: '}{,"q"', b: 'x' });
  });

  it('throws only SafetensorsError on random corruption (fuzz)', async () => {
    const good = writeSafetensors({
      x: { dtype: 'F32', shape: [3, 5], data: new Float32Array(15) },
      y: { dtype: 'F16', shape: [7], data: new Uint16Array(7) },
    });
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let k = 0; k < 2000; k++) {
      const f = good.slice(0, k % 3 === 0 ? Math.floor(rnd() * good.length) : good.length);
      for (let j = 0; j < 1 + (k % 4); j++) if (f.length) f[Math.floor(rnd() * Math.min(f.length, 140))] = Math.floor(rnd() * 256);
      try {
        const src = bytesSource(f);
        const h = await readHeader(src);
        for (const name of h.tensors.keys()) await readTensorF32(src, h, name, { allowI64: true });
      } catch (e) {
        if (!(e instanceof SafetensorsError)) throw new Error(`corruption ${k} threw ${e}`);
      }
    }
  });
});

describe('byte sources', () => {
  const file = writeSafetensors({ w: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) } }, { format: 'pt' });

  it('fileSource reads a temp file and checks ranges', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-'));
    try {
      const path = join(dir, 'model.safetensors');
      await writeFile(path, file);
      const src = await fileSource(path);
      expect(src.size).toBe(file.length);
      const h = await readHeader(src);
      expect(Array.from(await readTensorF32(src, h, 'w', { chunkBytes: 8 }))).toEqual([1, 2, 3, 4, 5, 6]);
      await expect(src.read(file.length - 2, 4)).rejects.toThrow(`${path}: read of 4 bytes at offset ${file.length - 2} is outside`);
      await src.close();
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('blobSource reads slices of a Blob', async () => {
    const src = blobSource(new Blob([file]), 'blob.safetensors');
    const h = await readHeader(src);
    expect(Array.from(await readTensorF32(src, h, 'w'))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(blobSource(new Blob([file])).label).toBe('<blob>');
  });

  function fakeServer(opts: { range: boolean; head: boolean }) {
    const log: string[] = [];
    const fetch = (async (_url: string, init?: RequestInit) => {
      const range = (init?.headers as Record<string, string> | undefined)?.Range;
      log.push(init?.method === 'HEAD' ? 'HEAD' : range && opts.range ? `GET ${range}` : 'GET');
      if (init?.method === 'HEAD')
        return opts.head ? new Response(null, { headers: { 'content-length': String(file.length) } }) : new Response(null, { status: 405 });
      const m = range?.match(/bytes=(\d+)-(\d+)/);
      if (!m || !opts.range) return new Response(file.slice());
      const [a, b] = [Number(m[1]), Number(m[2])];
      return new Response(file.slice(a, b + 1), { status: 206, headers: { 'content-range': `bytes ${a}-${b}/${file.length}` } });
    }) as typeof globalThis.fetch;
    return { fetch, log };
  }

  it('urlSource uses HEAD and Range GETs', async () => {
    for (const head of [true, false]) {
      const srv = fakeServer({ range: true, head });
      const src = await urlSource('https://x/model.safetensors', { fetch: srv.fetch });
      expect(src.size).toBe(file.length);
      const h = await readHeader(src);
      expect(Array.from(await readTensorF32(src, h, 'w'))).toEqual([1, 2, 3, 4, 5, 6]);
      expect(srv.log.filter((l) => l === 'GET')).toEqual([]);
      expect(srv.log.at(-1)).toBe(`GET bytes=${h.dataOffset}-${h.dataOffset + 23}`);
    }
  });

  it('urlSource falls back to one full GET when the server ignores Range', async () => {
    for (const head of [true, false]) {
      const srv = fakeServer({ range: false, head });
      const src = await urlSource('https://x/model.safetensors', { fetch: srv.fetch });
      expect(src.size).toBe(file.length);
      const h = await readHeader(src);
      expect(Array.from(await readTensorF32(src, h, 'w'))).toEqual([1, 2, 3, 4, 5, 6]);
      expect(srv.log.filter((l) => l === 'GET')).toEqual(['GET']);
    }
  });
});

describe('generated CLIP fixtures (test/fixtures/make_clip_fixtures.py)', () => {
  const dir = fileURLToPath(new URL('../../../../test/fixtures/clip/', import.meta.url));
  it('parse and decode, I64 position_ids and F16 weights included', async () => {
    const files = [
      'tiny-quickgelu/model.safetensors',
      'tiny-gelu-f16/model.safetensors',
      'tiny-quickgelu-openclip/open_clip_model.safetensors',
      'tiny-quickgelu/reference.safetensors',
    ];
    const counts: number[] = [];
    for (const f of files) {
      const src = await fileSource(join(dir, f));
      try {
        const h = await readHeader(src);
        counts.push(h.tensors.size);
        for (const [name, info] of h.tensors) {
          const x = await readTensorF32(src, h, name, { allowI64: true });
          expect(x.length).toBe(info.shape.reduce((a, b) => a * b, 1));
          expect(x.every(Number.isFinite)).toBe(true);
          if (name.endsWith('position_ids')) expect(Array.from(x)).toEqual(Array.from(x, (_, i) => i));
        }
      } finally {
        await src.close();
      }
    }
    expect(counts).toEqual([80, 96, 62, 20]);
  });
});
