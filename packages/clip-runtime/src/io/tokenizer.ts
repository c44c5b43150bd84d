// CLIP's byte-level BPE tokenizer, a port of OpenAI's clip/simple_tokenizer.py (openai/CLIP, MIT
// License, Copyright (c) 2021 OpenAI). Runs in browsers and Node (gzip through DecompressionStream).
// Text cleaning and the byte-symbol tables are in text-clean.ts (re-exported here).
import { embeddedModelFiles } from './embedded.js';
import { folderFiles, isLocalPath, readLocalFile } from './local.node.js';
import { BYTE_SYMBOLS, BYTE_TO_SYMBOL, REGEX_SPACE, SYMBOL_TO_BYTE, cleanText } from './text-clean.js';

export { byteSymbols, cleanText, ftfyFixText, htmlUnescape } from './text-clean.js';

export type ClipTokenizerSource = string | { vocab: string | Record<string, number>; merges: string } | { bpe: Uint8Array | string };

export interface TokenizeOptions {
  /** Tokens per row, default 77. */
  contextLength?: number;
  /** Cut texts that are too long, keeping the end token last (default); `false` throws instead. */
  truncate?: boolean;
  /** Id after the end token, default 0 as in OpenAI's clip.tokenize (some HF models pad with 49407). */
  padToken?: number;
}

const START = '<|startoftext|>';
const END = '<|endoftext|>';
/** The merges simple_tokenizer.py keeps from bpe_simple_vocab_16e6.txt (lines 1 .. 48894). */
const OPENAI_MERGES = 49152 - 256 - 2;
/** OpenAI's vocabulary: 256 bytes, their `</w>` forms, the merges and the two special tokens. */
export const OPENAI_VOCAB_SIZE = 2 * 256 + OPENAI_MERGES + 2;
export const BPE_FILE = 'bpe_simple_vocab_16e6.txt.gz';
const CACHE_LIMIT = 100_000;
const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;

/**
 * The reference pattern, run on lowercased text with IGNORECASE. After lowercasing, IGNORECASE
 * only matters in two places, both spelled out here so no `i` flag is needed: U+017F (long s)
 * matches `s`, and U+0345 (combining ypogegrammeni, which folds to a letter) is matched by no
 * alternative in Python's `regex`, so it is dropped like whitespace (JS's /iu would call it a letter).
 */
const WORDS = new RegExp(
  `<\\|[s\\u017f]tartoftext\\|>|<\\|endoftext\\|>|'[s\\u017f]|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^${REGEX_SPACE}\\p{L}\\p{N}\\u0345]+`,
  'gu',
);

/** The text of a gzip stream, read only until it holds `lines` complete lines (or to its end). */
async function gunzipLines(bytes: Uint8Array, lines: number): Promise<string> {
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  // Errors surface through the readable side; these promises only need a handler.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  for (let newlines = 0; ; ) {
    const { done, value } = await reader.read();
    if (done) return text + utf8.decode();
    const chunk = utf8.decode(value, { stream: true });
    text += chunk;
    for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) newlines++;
    if (newlines >= lines) {
      await reader.cancel();
      return text;
    }
  }
}

/** Lines 1 .. count of a text (Python's text.split('\n')[1:count + 1]) without splitting the rest. */
function linesAfterHeader(text: string, count: number): string[] {
  let end = -1;
  for (let n = 0; n <= count; n++) {
    end = text.indexOf('\n', end + 1);
    if (end < 0) break;
  }
  return (end < 0 ? text : text.slice(0, end)).split('\n').slice(1);
}

/**
 * OpenAI CLIP's tokenizer, equal to `clip/simple_tokenizer.py` on any text with one exception:
 * the reference's `ftfy.fix_text` step is ported except its encoding repair (`fix_encoding`:
 * mojibake such as "cafÃ©" -> "café"), which is not done here. Everything else is the reference's:
 * ftfy's other fixes (NFC, curly quotes, ligatures, full width, control characters, ...),
 * html.unescape twice (HTML5 names from `entities`), Python's whitespace classes, str.lower, the
 * `regex` word pattern with IGNORECASE and the BPE merges. Lone UTF-16 surrogates become U+FFFD
 * as ftfy makes them. Left over are differences of Unicode version (characters newer than the
 * Python side's tables). Special-token strings inside a text become the special tokens, as there.
 */
export class ClipTokenizer {
  readonly vocabSize: number;
  readonly startToken: number;
  readonly endToken: number;
  private readonly encoder: Map<string, number>;
  private readonly decoder: string[] = [];
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  private readonly utf8 = new TextEncoder();

  private constructor(vocab: Map<string, number>, merges: [string, string][]) {
    this.encoder = vocab;
    merges.forEach(([a, b], i) => this.ranks.set(`${a} ${b}`, i));
    let max = -1;
    for (const [tok, id] of vocab) {
      this.decoder[id] = tok;
      max = Math.max(max, id);
    }
    this.vocabSize = max + 1;
    const special = (s: string) => {
      const id = vocab.get(s);
      if (id === undefined) throw new Error(`ClipTokenizer: the vocabulary has no ${s}`);
      return id;
    };
    this.startToken = special(START);
    this.endToken = special(END);
    for (const sym of SYMBOL_TO_BYTE.keys()) {
      if (!vocab.has(sym) || !vocab.has(`${sym}</w>`)) throw new Error(`ClipTokenizer: the vocabulary lacks byte symbol ${sym}`);
    }
    for (const [a, b] of merges) {
      if (!vocab.has(a + b)) throw new Error(`ClipTokenizer: merge "${a} ${b}" has no vocabulary entry`);
    }
  }

  /** From OpenAI's bpe_simple_vocab_16e6.txt.gz: the gzipped bytes or the decompressed text. */
  static async fromBpeVocab(gzOrText: Uint8Array | string): Promise<ClipTokenizer> {
    let text: string;
    if (typeof gzOrText === 'string') text = gzOrText;
    else {
      const gz = gzOrText.length >= 2 && gzOrText[0] === 0x1f && gzOrText[1] === 0x8b;
      text = gz ? await gunzipLines(gzOrText, OPENAI_MERGES + 1) : new TextDecoder('utf-8', { fatal: true }).decode(gzOrText);
    }
    const merges = linesAfterHeader(text, OPENAI_MERGES).map((line, i) => parseMerge(line, i + 2));
    const tokens = [
      ...BYTE_SYMBOLS.map(([, s]) => s),
      ...BYTE_SYMBOLS.map(([, s]) => `${s}</w>`),
      ...merges.map(([a, b]) => a + b),
      START,
      END,
    ];
    // A repeated token keeps its last index, as dict(zip(vocab, range(len(vocab)))) does.
    const vocab = new Map<string, number>();
    tokens.forEach((tok, i) => vocab.set(tok, i));
    return new ClipTokenizer(vocab, merges);
  }

  /** From Hugging Face's vocab.json (text or parsed) and merges.txt ("#version" header optional). */
  static fromHuggingFace(vocabJson: string | Record<string, number>, mergesTxt: string): ClipTokenizer {
    const obj: unknown = typeof vocabJson === 'string' ? JSON.parse(vocabJson) : vocabJson;
    if (typeof obj !== 'object' || obj === null) throw new Error('ClipTokenizer: vocab.json is not an object');
    const vocab = new Map<string, number>();
    for (const [tok, id] of Object.entries(obj)) {
      if (!Number.isInteger(id) || (id as number) < 0)
        throw new Error(`ClipTokenizer: vocab.json id of ${JSON.stringify(tok)} is not an index`);
      vocab.set(tok, id as number);
    }
    const lines = mergesTxt.split('\n');
    const merges: [string, string][] = [];
    lines.forEach((line, i) => {
      if ((i === 0 && line.startsWith('#version')) || line.trim() === '') return;
      merges.push(parseMerge(line, i + 1));
    });
    return new ClipTokenizer(vocab, merges);
  }

  /**
   * OpenAI's CLIP tokenizer from the vocabulary shipped in this package (no argument); or from a
   * folder (Node: vocab.json + merges.txt, else bpe_simple_vocab_16e6.txt.gz; a path to the .gz
   * file itself also works), or from file contents.
   */
  static async load(source?: ClipTokenizerSource): Promise<ClipTokenizer> {
    if (source === undefined) return ClipTokenizer.fromBpeVocab(await (await embeddedModelFiles('clip-bpe')).bytes(BPE_FILE));
    if (typeof source !== 'string') {
      return 'bpe' in source ? ClipTokenizer.fromBpeVocab(source.bpe) : ClipTokenizer.fromHuggingFace(source.vocab, source.merges);
    }
    if (!isNode())
      throw new Error(
        "ClipTokenizer.load(path) reads files, in Node only; in a browser call load() for OpenAI's vocabulary, or pass { vocab, merges } or { bpe } contents",
      );
    if (!isLocalPath(source)) throw new Error(`ClipTokenizer.load: ${source} does not exist`);
    const files = await folderFiles(source).catch(() => undefined);
    if (!files) return ClipTokenizer.fromBpeVocab(await readLocalFile(source, 'vocabulary'));
    if ((await files.has('vocab.json')) && (await files.has('merges.txt')))
      return ClipTokenizer.fromHuggingFace(await files.text('vocab.json'), await files.text('merges.txt'));
    if (await files.has(BPE_FILE)) return ClipTokenizer.fromBpeVocab(await files.bytes(BPE_FILE));
    throw new Error(`ClipTokenizer.load: ${source} has neither vocab.json + merges.txt nor ${BPE_FILE}`);
  }

  /** BPE ids of a text, without the start and end tokens. */
  encode(text: string): number[] {
    return [...this.ids(text)];
  }

  /** The ids of encode(), word by word, so a caller that needs only the first few can stop. */
  private *ids(text: string): Generator<number> {
    for (const m of cleanText(text).matchAll(WORDS)) yield* this.wordIds(m[0]);
  }

  /** Text of ids as the reference's decode: UTF-8 with U+FFFD for bad bytes, "</w>" -> " ". */
  decode(ids: ArrayLike<number>): string {
    let symbols = '';
    for (let i = 0; i < ids.length; i++) {
      const tok = this.decoder[ids[i]!];
      if (tok === undefined) throw new Error(`ClipTokenizer.decode: unknown token id ${ids[i]}`);
      symbols += tok;
    }
    const bytes = new Uint8Array(symbols.length);
    for (let i = 0; i < symbols.length; i++) {
      const b = SYMBOL_TO_BYTE.get(symbols[i]!);
      if (b === undefined) throw new Error(`ClipTokenizer.decode: ${JSON.stringify(symbols[i])} is not a byte symbol`);
      bytes[i] = b;
    }
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes).replaceAll('</w>', ' ');
  }

  /**
   * Rows of [start, ...ids, end] padded with `padToken` (0) to `contextLength` (77), as OpenAI's
   * clip.tokenize. A text that is too long is cut to keep the end token last unless truncate is false.
   */
  tokenize(texts: string[], opts: TokenizeOptions = {}): { ids: Int32Array; shape: [number, number] } {
    const length = opts.contextLength ?? 77;
    if (!Number.isInteger(length) || length < 1) throw new Error(`ClipTokenizer.tokenize: bad contextLength ${length}`);
    const ids = new Int32Array(texts.length * length).fill(opts.padToken ?? 0);
    texts.forEach((text, i) => {
      // BPE works word by word, so when truncating, the words after the context are never encoded
      // (a megabyte of text costs its cleaning, not its BPE)
      const row = [this.startToken];
      for (const id of this.ids(text)) {
        row.push(id);
        if (opts.truncate !== false && row.length >= length) break;
      }
      row.push(this.endToken);
      if (row.length > length) {
        if (opts.truncate === false) {
          throw new Error(`text ${i} has ${row.length} tokens, more than the context length ${length}`);
        }
        row.length = length;
        row[length - 1] = this.endToken;
      }
      ids.set(row, i * length);
    });
    return { ids, shape: [texts.length, length] };
  }

  private wordIds(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    let ids: number[];
    if (word === START || word === END) ids = [this.encoder.get(word)!];
    else {
      const bytes = this.utf8.encode(word);
      const parts = Array.from(bytes, (b) => BYTE_TO_SYMBOL[b]!);
      parts[parts.length - 1] += '</w>';
      ids = this.bpe(parts).map((tok) => this.encoder.get(tok)!);
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }

  /** Merge the lowest-ranked adjacent pair everywhere, left to right, until none is ranked. */
  private bpe(parts: string[]): string[] {
    while (parts.length > 1) {
      let best = Infinity;
      let first = '';
      let second = '';
      for (let i = 0; i + 1 < parts.length; i++) {
        const rank = this.ranks.get(`${parts[i]} ${parts[i + 1]}`);
        if (rank !== undefined && rank < best) [best, first, second] = [rank, parts[i]!, parts[i + 1]!];
      }
      if (best === Infinity) break;
      const merged: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === first && parts[i + 1] === second) {
          merged.push(first + second);
          i++;
        } else merged.push(parts[i]!);
      }
      parts = merged;
    }
    return parts;
  }
}

/** A merges line "a b" (split as Python's str.split(): whitespace runs, ends ignored). */
function parseMerge(line: string, lineNo: number): [string, string] {
  const pair = line.trim().split(/\s+/);
  if (pair.length !== 2 || !pair[0]) throw new Error(`ClipTokenizer: merges line ${lineNo} is not "a b": ${JSON.stringify(line)}`);
  return [pair[0], pair[1]!];
}
