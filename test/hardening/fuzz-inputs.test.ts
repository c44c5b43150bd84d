// Hostile inputs: random Unicode (lone surrogates, controls, entities, astral planes, huge strings)
// through the tokenizer, and mutated PNG/JPEG bytes through the image decoder (forged sizes among
// them). Each ends in ids / pixels or a clear one-line error, within a time bound, without a large
// allocation; a sample of the decoded images also goes through CLIP's GPU preprocessing.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ClipTokenizer, decodeImage, loadClip, memoryFiles, type RgbImage } from '@clipgpu/clip-runtime';
import { expectNoFailures, FIXTURES, rng, tinyFiles, unclear, within, type Rng } from './helpers.js';

const SEED = Number(process.env.CLIPGPU_FUZZ_SEED ?? 20261130);
const BPE = new URL('../../packages/clip-runtime/assets/clip-bpe/bpe_simple_vocab_16e6.txt.gz', import.meta.url).pathname;

/** A complete byte-level vocabulary with a few merges: enough to tokenize anything. */
function syntheticTokenizer(): ClipTokenizer {
  const keep = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const symbols: string[] = [];
  for (let b = 0; b < 256; b++) if (keep(b)) symbols.push(String.fromCharCode(b));
  for (let b = 0, n = 0; b < 256; b++) if (!keep(b)) symbols.push(String.fromCharCode(256 + n++));
  const merges = ['t h', 'th e</w>', 'a n', 'an d</w>', 'i n', 'in g</w>', 'e r</w>'];
  const tokens = [
    ...symbols,
    ...symbols.map((s) => `${s}</w>`),
    ...merges.map((m) => m.replace(' ', '')),
    '<|startoftext|>',
    '<|endoftext|>',
  ];
  return ClipTokenizer.fromHuggingFace(Object.fromEntries(tokens.map((t, i) => [t, i])), `#version: 0.2\n${merges.join('\n')}\n`);
}

const POOLS: [number, number][] = [
  [0x20, 0x7e],
  [0x0, 0x1f],
  [0x80, 0xff],
  [0x300, 0x36f],
  [0x370, 0x3ff],
  [0x590, 0x6ff],
  [0x4e00, 0x9fff],
  [0xd800, 0xdfff],
  [0xe000, 0xf8ff],
  [0xfe00, 0xffff],
  [0x1f300, 0x1faff],
  [0x10000, 0x10ffff],
];
const PIECES = [
  '&amp;',
  '&#x110000;',
  '&#99999999999;',
  '&#0;',
  '&NotANamedEntity;',
  '&lt',
  '<|startoftext|>',
  '<|endoftext|>',
  '\u017ftartoftext',
  "'s",
  "'ll",
  ' \u3000 ',
  '\ufeff',
  '\u200d',
  '\u0345',
  'ﬁ',
  'Ǆ',
  '\x1b[31m',
  '\r\n',
  '\ud83d',
  '\ude00',
  '\ud83d\ude00',
  'İ',
  'ß',
  '１２３',
];

function randomText(r: Rng, length: number): string {
  const out: string[] = [];
  while (out.length < length) {
    if (r.chance(0.1)) out.push(r.pick(PIECES));
    else if (r.chance(0.15)) out.push(' ');
    else {
      const [lo, hi] = r.pick(POOLS);
      out.push(String.fromCodePoint(lo + r.int(hi - lo + 1)).slice(0, r.chance(0.05) ? 1 : undefined));
    }
  }
  return out.join('');
}

describe('fuzzed tokenizer input', () => {
  const tokenizers: [string, () => Promise<ClipTokenizer>][] = [['synthetic vocabulary', async () => syntheticTokenizer()]];
  tokenizers.push(["OpenAI's BPE vocabulary", async () => ClipTokenizer.fromBpeVocab(readFileSync(BPE))]);

  for (const [name, make] of tokenizers) {
    it(`random Unicode, lone surrogates, entities and huge strings give ids in range (${name})`, async () => {
      const tok = await make();
      const r = rng(SEED);
      const failures: string[] = [];
      let cases = 0;
      let slowest = 0;
      const huge: string[] = [];
      const check = (texts: string[], tag: string, bound: number) => {
        const start = performance.now();
        cases++;
        try {
          const { ids, shape } = tok.tokenize(texts, { contextLength: 77 });
          if (shape[0] !== texts.length || shape[1] !== 77 || ids.length !== texts.length * 77) failures.push(`${tag}: shape ${shape}`);
          for (let b = 0; b < texts.length; b++) {
            const row = ids.subarray(b * 77, (b + 1) * 77);
            if (row[0] !== tok.startToken || !row.includes(tok.endToken)) failures.push(`${tag}: row ${b} lacks start/end tokens`);
          }
          if (ids.some((id) => id < 0 || id >= tok.vocabSize)) failures.push(`${tag}: an id outside [0, ${tok.vocabSize})`);
          const row = ids.subarray(1, ids.indexOf(tok.endToken));
          tok.decode(row); // ids it made decode (to some text)
        } catch (e) {
          // never expected: the default truncates instead of throwing
          failures.push(`${tag}: threw ${(e as Error).name}: ${(e as Error).message}`);
        }
        const ms = performance.now() - start;
        slowest = Math.max(slowest, ms);
        if (bound > 2_000) huge.push(`${tag} ${ms.toFixed(0)} ms`);
        if (ms > bound) failures.push(`${tag}: took ${ms.toFixed(0)} ms (bound ${bound} ms)`);
      };
      for (let i = 0; i < 3000; i++) check([randomText(r, r.int(r.chance(0.1) ? 2000 : 120))], `seed ${SEED} text ${i}`, 2_000);
      for (let i = 0; i < 100; i++)
        check(
          Array.from({ length: 1 + r.int(8) }, () => randomText(r, r.int(60))),
          `seed ${SEED} batch ${i}`,
          2_000,
        );
      // huge: 1 M characters of words (only the first 77 tokens' words go through BPE), 100 k lone surrogates
      check([randomText(r, 1_000_000)], 'one million characters', 30_000);
      // one word is one BPE problem whose cost grows faster than its length (a 20 k-letter random
      // word took 24 s with OpenAI's vocabulary): 3 k letters, 2 k CJK characters here
      check([Array.from({ length: 3_000 }, () => String.fromCharCode(97 + r.int(26))).join('')], 'a 3k-letter word', 10_000);
      check(
        [Array.from({ length: 2_000 }, () => String.fromCodePoint(0x4e00 + r.int(20_000))).join('')],
        'a 2k-character CJK word',
        10_000,
      );
      check(['\ud800'.repeat(100_000)], '100k lone surrogates', 30_000);
      check(['', ' ', '\u0000', '<|endoftext|>'.repeat(100)], 'edge texts', 2_000);
      // too long with truncate: false is a clear error naming the text
      expect(() => tok.tokenize(['x', 'word '.repeat(200)], { truncate: false })).toThrow(
        /^text 1 has \d+ tokens, more than the context length 77$/,
      );
      expect(() => tok.tokenize(['x'], { contextLength: 0 })).toThrow(/bad contextLength 0/);
      console.log(`tokenizer fuzz (${name}): ${cases} cases, slowest ${slowest.toFixed(0)} ms; huge: ${huge.join(', ')}`);
      expectNoFailures(failures, cases);
    }, 120_000);
  }
});

// ---- images -----------------------------------------------------------------------------------

const require = createRequire(new URL('../../packages/clip-runtime/package.json', import.meta.url));
const jpeg = require('jpeg-js') as {
  encode(img: { width: number; height: number; data: Uint8Array }, quality: number): { data: Uint8Array };
};

function crcFix(bytes: Uint8Array, chunkAt: number): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const len = dv.getUint32(chunkAt);
  if (chunkAt + 12 + len > bytes.length) return;
  dv.setUint32(chunkAt + 8 + len, crc32(bytes.subarray(chunkAt + 4, chunkAt + 8 + len)) >>> 0);
}

/** Chunk offsets of a PNG. */
function chunks(bytes: Uint8Array): { at: number; type: string; len: number }[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const out = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const len = dv.getUint32(at);
    out.push({ at, type: String.fromCharCode(...bytes.subarray(at + 4, at + 8)), len });
    at += 12 + len;
  }
  return out;
}

function mutatePng(r: Rng, base: Uint8Array): { bytes: Uint8Array; kind: string } {
  const b = base.slice();
  const dv = new DataView(b.buffer);
  const what = r.pick(['flip', 'flip+crc', 'ihdr', 'ihdr', 'truncate', 'idat-len', 'junk']);
  const cs = chunks(b);
  switch (what) {
    case 'flip':
      for (let i = 0, n = 1 + r.int(8); i < n; i++) b[8 + r.int(b.length - 8)] = r.int(256);
      return { bytes: b, kind: what };
    case 'flip+crc': {
      const c = r.pick(cs);
      for (let i = 0, n = 1 + r.int(4); i < n && c.len; i++) b[c.at + 8 + r.int(c.len)] = r.int(256);
      crcFix(b, c.at);
      return { bytes: b, kind: `${what} ${c.type}` };
    }
    case 'ihdr': {
      // forged width/height/depth/colour type with a valid CRC: the decoder believes it
      const field = r.pick(['w', 'h', 'wh', 'depth', 'color', 'interlace']);
      const dim = () => r.pick([0, 1, 2, 65535, 100_000, 30_000, 2 ** 31 - 1, 2 ** 32 - 1, 10_001, r.int(5000)]);
      if (field.includes('w')) dv.setUint32(16, dim());
      if (field.includes('h')) dv.setUint32(20, dim());
      if (field === 'depth') b[24] = r.pick([0, 1, 2, 3, 4, 8, 16, 32, 255]);
      if (field === 'color') b[25] = r.pick([0, 1, 2, 3, 4, 5, 6, 7, 255]);
      if (field === 'interlace') b[28] = r.pick([1, 2, 255]);
      crcFix(b, 8);
      return { bytes: b, kind: `${what} ${field}` };
    }
    case 'truncate':
      return { bytes: b.subarray(0, 8 + r.int(b.length - 8)), kind: what };
    case 'idat-len': {
      const c = cs.find((x) => x.type === 'IDAT')!;
      dv.setUint32(c.at, r.pick([0, 1, c.len + 1, 2 ** 31, 2 ** 32 - 1]));
      return { bytes: b, kind: what };
    }
    default: {
      const out = new Uint8Array(33 + r.int(200));
      out.set(b.subarray(0, 33));
      for (let i = 33; i < out.length; i++) out[i] = r.int(256);
      return { bytes: out, kind: what };
    }
  }
}

function mutateJpeg(r: Rng, base: Uint8Array): { bytes: Uint8Array; kind: string } {
  const b = base.slice();
  const dv = new DataView(b.buffer);
  const what = r.pick(['flip', 'flip-head', 'sof', 'sof', 'truncate', 'segment-len']);
  let sof = 2;
  while (sof < b.length - 9 && !(b[sof] === 0xff && b[sof + 1] === 0xc0)) sof++;
  switch (what) {
    case 'flip':
      for (let i = 0, n = 1 + r.int(8); i < n; i++) b[2 + r.int(b.length - 2)] = r.int(256);
      break;
    case 'flip-head':
      for (let i = 0, n = 1 + r.int(4); i < n; i++) b[2 + r.int(Math.min(300, b.length - 2))] = r.int(256);
      break;
    case 'sof': {
      const dim = () => r.pick([0, 1, 8, 65535, 30_000, 10_001, 4000, r.int(5000)]);
      if (r.chance(0.7)) dv.setUint16(sof + 5, dim());
      if (r.chance(0.7)) dv.setUint16(sof + 7, dim());
      if (r.chance(0.3)) b[sof + 9] = r.pick([0, 2, 4, 5, 255]); // components
      if (r.chance(0.2)) b[sof + 1] = 0xc2; // claim progressive
      break;
    }
    case 'truncate':
      return { bytes: b.subarray(0, 3 + r.int(b.length - 3)), kind: what };
    default:
      dv.setUint16(4, r.pick([0, 1, 2, 0xffff]));
  }
  return { bytes: b, kind: what };
}

describe('fuzzed image bytes', () => {
  it('mutated PNG and JPEG (forged sizes among them) decode or fail clearly, fast, and preprocess on the GPU', async () => {
    const png = new Uint8Array(readFileSync(`${FIXTURES}preprocess/small.png`));
    const decodedPng = await decodeImage(png);
    const rgba = new Uint8Array(decodedPng.width * decodedPng.height * 4);
    for (let i = 0; i < decodedPng.width * decodedPng.height; i++) rgba.set([...decodedPng.data.subarray(3 * i, 3 * i + 3), 255], 4 * i);
    const jpg = new Uint8Array(jpeg.encode({ width: decodedPng.width, height: decodedPng.height, data: rgba }, 85).data);
    expect((await decodeImage(jpg)).width).toBe(decodedPng.width);

    const r = rng(SEED);
    const failures: string[] = [];
    const decoded: RgbImage[] = [];
    const counts = { cases: 0, decoded: 0, refused: 0 };
    let slowest = 0;
    let rssPeak = 0;
    // a valid 65535×1 PNG would resize to a 30×1966050 intermediate: preprocessing refuses such
    // aspect ratios with a clear error (checked below)
    const extremes: RgbImage[] = [];
    const rss0 = process.memoryUsage().rss;
    const CASES = 1500;
    for (let i = 0; i < CASES; i++) {
      const isPng = r.chance(0.5);
      const { bytes, kind } = isPng ? mutatePng(r, png) : mutateJpeg(r, jpg);
      const label = `fuzz-${i}.${isPng ? 'png' : 'jpg'}`;
      const tag = `seed ${SEED} image ${i} (${isPng ? 'PNG' : 'JPEG'} ${kind})`;
      const start = performance.now();
      counts.cases++;
      try {
        const img = await within(decodeImage(bytes, label), 10_000, tag);
        counts.decoded++;
        if (!(img.width > 0 && img.height > 0 && img.data.length === img.width * img.height * 3))
          failures.push(`${tag}: decoded to ${img.width}×${img.height} with ${img.data.length} bytes`);
        else if (Math.max(img.width, img.height) > 100 * Math.min(img.width, img.height)) extremes.push(img);
        else if (decoded.length < 12) decoded.push(img);
      } catch (e) {
        counts.refused++;
        const why = unclear(e, new RegExp(label.replace('.', '\\.')));
        if (why) failures.push(`${tag}: ${why}`);
      }
      const ms = performance.now() - start;
      slowest = Math.max(slowest, ms);
      if (ms > 3_000) failures.push(`${tag}: took ${ms.toFixed(0)} ms`);
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss - rss0);
      if (failures.length > 20) break;
    }
    console.log(
      `image fuzz: ${JSON.stringify(counts)} (${extremes.length} decoded with an aspect ratio over 100), slowest ${slowest.toFixed(0)} ms, RSS growth peak ${(rssPeak / 2 ** 20).toFixed(0)} MiB`,
    );
    expectNoFailures(failures, counts.cases);
    expect(rssPeak).toBeLessThan(1 << 30);

    // what decoded goes through CLIP's preprocessing on the GPU: [1, 3, 30, 30], finite
    const { config, model } = tinyFiles();
    const clip = await loadClip(memoryFiles({ 'config.json': config, 'model.safetensors': model }));
    const before = clip.runtime.stats();
    for (const img of [decodedPng, ...decoded]) {
      const pixels = await clip.preprocess([img]);
      expect(pixels.shape).toEqual([1, 3, 30, 30]);
      const v = await pixels.toArray();
      expect(v.every(Number.isFinite)).toBe(true);
      pixels.dispose();
    }
    for (const img of extremes.slice(0, 12)) {
      // preprocessed, or refused by the aspect-ratio bound with the image's size in the message
      const pixels = await clip.preprocess([img]).catch((e: Error) => {
        expect(e.message).toMatch(new RegExp(`image of ${img.width}×${img.height}: .*aspect ratio too extreme`));
        return null;
      });
      pixels?.dispose();
    }
    expect(clip.runtime.stats().inUseBytes).toBe(before.inUseBytes);
    clip.dispose();
  }, 120_000);
});
