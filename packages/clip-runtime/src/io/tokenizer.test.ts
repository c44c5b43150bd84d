// ClipTokenizer against ids from OpenAI's simple_tokenizer.py behaviour
// (test/fixtures/make_tokenizer_fixture.py -> test/fixtures/tokenizer_cases.json).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClipTokenizer, cleanText, ftfyFixText, htmlUnescape } from './tokenizer.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
// the vocabulary the package ships (assets/clip-bpe/, with OpenAI's MIT notice)
const BPE_DIR = resolve(ROOT, 'packages/clip-runtime/assets/clip-bpe');
const BPE_PATH = join(BPE_DIR, 'bpe_simple_vocab_16e6.txt.gz');
const FIXTURE = join(ROOT, 'test/fixtures/tokenizer_cases.json');

interface Fixture {
  decode: { ids: number[]; text: string }[];
  cases: { text: string; ids: number[] }[];
}

function readBpe(): Uint8Array {
  if (!existsSync(BPE_PATH)) throw new Error(`CLIP BPE vocabulary missing: expected ${BPE_PATH} (shipped in the runtime package)`);
  return readFileSync(BPE_PATH);
}

/** Hugging Face's vocab.json + merges.txt, made from the BPE file the way HF's conversion does. */
async function huggingFaceFiles(gz: Uint8Array): Promise<{ vocab: string; merges: string }> {
  const text = await new Response(new Blob([gz as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
  const merges = text.split('\n').slice(1, 49152 - 256 - 2 + 1);
  const symbols: string[] = [];
  const keep = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  for (let b = 0; b < 256; b++) if (keep(b)) symbols.push(String.fromCharCode(b));
  for (let b = 0, n = 0; b < 256; b++) if (!keep(b)) symbols.push(String.fromCharCode(256 + n++));
  const tokens = [
    ...symbols,
    ...symbols.map((s) => `${s}</w>`),
    ...merges.map((m) => m.replace(' ', '')),
    '<|startoftext|>',
    '<|endoftext|>',
  ];
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  return { vocab: JSON.stringify(vocab), merges: `#version: 0.2\n${merges.join('\n')}\n` };
}

function mismatches(tok: ClipTokenizer, cases: Fixture['cases']): string[] {
  const bad: string[] = [];
  for (const { text, ids } of cases) {
    const got = tok.encode(text);
    if (JSON.stringify(got) !== JSON.stringify(ids)) bad.push(`${JSON.stringify(text)}: got [${got}] want [${ids}]`);
  }
  return bad;
}

let fixture: Fixture;
let gz: Uint8Array;
let hf: { vocab: string; merges: string };
let tok: ClipTokenizer;

beforeAll(async () => {
  gz = readBpe();
  fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;
  hf = await huggingFaceFiles(gz);
  tok = await ClipTokenizer.fromBpeVocab(gz);
});

describe('ClipTokenizer vs simple_tokenizer.py', () => {
  it('has the reference vocabulary', () => {
    expect([tok.vocabSize, tok.startToken, tok.endToken]).toEqual([49408, 49406, 49407]);
    expect(fixture.cases.length).toBeGreaterThan(250);
  });

  it('encodes every fixture text like the reference (BPE file)', () => {
    expect(mismatches(tok, fixture.cases)).toEqual([]);
  });

  it('encodes every fixture text like the reference (Hugging Face vocab.json + merges.txt)', () => {
    const fromText = ClipTokenizer.fromHuggingFace(hf.vocab, hf.merges);
    expect(mismatches(fromText, fixture.cases)).toEqual([]);
    const fromObject = ClipTokenizer.fromHuggingFace(JSON.parse(hf.vocab) as Record<string, number>, hf.merges.replace(/\n/g, '\r\n'));
    expect(mismatches(fromObject, fixture.cases.slice(0, 60))).toEqual([]);
    expect([fromText.vocabSize, fromText.startToken, fromText.endToken]).toEqual([49408, 49406, 49407]);
  });

  it('decodes like the reference, bad UTF-8 and a BOM included', () => {
    for (const { ids, text } of fixture.decode) expect(tok.decode(ids)).toBe(text);
  });

  it('accepts decompressed text and every load() source', async () => {
    const text = new TextDecoder().decode(
      await new Response(new Blob([gz as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer(),
    );
    const want = [320, 1125, 539, 320, 2368];
    expect((await ClipTokenizer.fromBpeVocab(text)).encode('a photo of a cat')).toEqual(want);
    expect((await ClipTokenizer.load({ bpe: gz })).encode('a photo of a cat')).toEqual(want);
    expect((await ClipTokenizer.load({ vocab: hf.vocab, merges: hf.merges })).encode('a photo of a cat')).toEqual(want);
    expect((await ClipTokenizer.load(BPE_DIR)).encode('a photo of a dog')).toEqual([320, 1125, 539, 320, 1929]);
    expect((await ClipTokenizer.load(BPE_PATH)).encode('a photo of a dog')).toEqual([320, 1125, 539, 320, 1929]);
    const dir = mkdtempSync(join(tmpdir(), 'clip-tok-'));
    try {
      writeFileSync(join(dir, 'vocab.json'), hf.vocab);
      writeFileSync(join(dir, 'merges.txt'), hf.merges);
      expect((await ClipTokenizer.load(`${dir}/`)).encode('a photo of a cat')).toEqual(want);
      rmSync(join(dir, 'merges.txt'));
      await expect(ClipTokenizer.load(dir)).rejects.toThrow(/neither vocab.json \+ merges.txt nor bpe_simple_vocab_16e6/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ClipTokenizer.tokenize', () => {
  it('adds start/end tokens and pads with 0 or padToken', () => {
    const { ids, shape } = tok.tokenize(['a photo of a cat', 'a photo of a dog']);
    expect(shape).toEqual([2, 77]);
    expect(Array.from(ids.subarray(0, 8))).toEqual([49406, 320, 1125, 539, 320, 2368, 49407, 0]);
    expect(Array.from(ids.subarray(77, 84))).toEqual([49406, 320, 1125, 539, 320, 1929, 49407]);
    expect(ids.subarray(84, 154).every((v) => v === 0)).toBe(true);
    const padded = tok.tokenize(['cat'], { contextLength: 6, padToken: 49407 });
    expect(Array.from(padded.ids)).toEqual([49406, 2368, 49407, 49407, 49407, 49407]);
    expect(tok.tokenize([''], { contextLength: 4 }).ids).toEqual(new Int32Array([49406, 49407, 0, 0]));
  });

  it('truncates keeping the end token last, or throws a clear error', () => {
    const long = Array.from({ length: 93 }, (_, i) => `w${i % 10}`).join(' ');
    const n = tok.encode(long).length + 2;
    const { ids, shape } = tok.tokenize(['cat', 'dog', 'a', long]);
    expect(shape).toEqual([4, 77]);
    const row = Array.from(ids.subarray(3 * 77, 4 * 77));
    expect(row[0]).toBe(49406);
    expect(row[76]).toBe(49407);
    expect(row.slice(1, 76)).toEqual(tok.encode(long).slice(0, 75));
    expect(() => tok.tokenize(['cat', 'dog', 'a', long], { truncate: false })).toThrow(
      `text 3 has ${n} tokens, more than the context length 77`,
    );
    expect(tok.tokenize(['a photo of a cat'], { contextLength: 7, truncate: false }).ids.at(-1)).toBe(49407);
  });

  it('gives shape [0, L] for an empty batch', () => {
    const { ids, shape } = tok.tokenize([], { contextLength: 16 });
    expect(shape).toEqual([0, 16]);
    expect(ids.length).toBe(0);
  });

  it('round-trips ASCII through decode', () => {
    for (const text of ['a photo of a cat', "it's 3.14, isn't it?", 'hello-world (42) !!']) {
      const clean = cleanText(text);
      const { ids } = tok.tokenize([text]);
      const row = Array.from(ids).filter((id) => id !== 0);
      const decoded = tok.decode(row.slice(1, -1)).trim();
      expect(decoded.replace(/\s+/g, '')).toBe(clean.replace(/\s+/g, ''));
    }
    expect(tok.decode(tok.encode('a photo of a cat'))).toBe('a photo of a cat ');
  });

  it('is fast and caches words', () => {
    const captions = Array.from(
      { length: 1000 },
      (_, i) => `a photo of a ${['cat', 'dog', 'red car', 'tall tree'][i % 4]} number ${i} in the snow, taken at dusk`,
    );
    const t0 = performance.now();
    const { shape } = tok.tokenize(captions);
    const ms = performance.now() - t0;
    expect(shape).toEqual([1000, 77]);
    expect(ms).toBeLessThan(1000);
  });
});

describe('text cleaning', () => {
  it('unescapes like Python html.unescape', () => {
    expect(htmlUnescape('&amp;amp; &lt;b&gt; &#39; &nbsp &notit; &#x80; &#1; &#x110000;')).toBe(
      "&amp; <b> ' \u00a0 \u00acit; \u20ac  \ufffd",
    );
    expect(cleanText('\x1c A\u00a0&amp;nbsp;B\u2028\ufeff')).toBe('a b');
  });

  it("applies ftfy's fixes other than its encoding repair", () => {
    expect(ftfyFixText('don\u2019t \ufb01x \uff2c\uff2f\uff35\uff24 cafe\u0301 &EACUTE;\n<b>&amp;amp;</b>\n&amp;')).toBe(
      "don't fix LOUD caf\u00e9 \u00c9\n<b>&amp;amp;</b>\n&amp;",
    );
    expect(ftfyFixText('a\ud800b \x1b[31mred\x1b[0m \x96')).toBe('a\ufffdb red \u2013');
  });
});
