// Text cleaning for CLIP's tokenizer, ported from OpenAI's clip/simple_tokenizer.py (openai/CLIP,
// MIT License, Copyright (c) 2021 OpenAI): ftfy.fix_text without encoding repair, Python's
// html.unescape and whitespace classes (basic_clean, whitespace_clean), and bytes_to_unicode's
// byte-symbol tables. Split from the BPE (tokenizer.ts, which re-exports the public functions).
import { decodeHTML, decodeHTMLStrict, replaceCodePoint } from 'entities/decode';

/** bytes_to_unicode: [byte, printable symbol] in the reference's order (vocab ids 0..255). */
export const BYTE_SYMBOLS: ReadonlyArray<readonly [number, string]> = (() => {
  const keep = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: [number, string][] = [];
  for (let b = 0; b < 256; b++) if (keep(b)) out.push([b, String.fromCharCode(b)]);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!keep(b)) out.push([b, String.fromCharCode(256 + n++)]);
  return out;
})();
/** The 256 byte symbols in vocabulary order (ids 0..255; their "</w>" forms follow at 256..511). */
export function byteSymbols(): string[] {
  return BYTE_SYMBOLS.map(([, s]) => s);
}
export const BYTE_TO_SYMBOL: string[] = [];
export const SYMBOL_TO_BYTE = new Map<string, number>();
for (const [b, s] of BYTE_SYMBOLS) {
  BYTE_TO_SYMBOL[b] = s;
  SYMBOL_TO_BYTE.set(s, b);
}

// Python's str.isspace() (used by str.strip) and the `regex` module's \s differ: isspace also has
// U+001C..U+001F. JS's \s differs from both (it has U+FEFF, lacks U+0085), so neither is used.
export const REGEX_SPACE = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${REGEX_SPACE}\\x1c-\\x1f]+|[${REGEX_SPACE}\\x1c-\\x1f]+$`, 'gu');
const SPACE_RUNS = new RegExp(`[${REGEX_SPACE}]+`, 'gu');
/** Python's html.unescape: the same character-reference pattern (names up to 32 code points). */
const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

function numericCharRef(num: number): string {
  if (num === 0 || num === 0x0d || (num >= 0x80 && num <= 0x9f)) return String.fromCodePoint(replaceCodePoint(num));
  if ((num >= 0xd800 && num <= 0xdfff) || !(num <= 0x10ffff)) return '\uFFFD';
  // Python drops the code points HTML calls invalid in a reference (WHATWG keeps them).
  const invalid =
    (num >= 1 && num <= 8) ||
    num === 0x0b ||
    (num >= 0x0e && num <= 0x1f) ||
    num === 0x7f ||
    (num >= 0xfdd0 && num <= 0xfdef) ||
    (num & 0xfffe) === 0xfffe;
  return invalid ? '' : String.fromCodePoint(num);
}

/** Python's html.unescape (HTML5 named references from `entities`, longest legacy prefix without ';'). */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARREF, (match: string, ref: string) => {
    if (ref[0] !== '#') return decodeHTML(match);
    const hex = ref[1] === 'x' || ref[1] === 'X';
    return numericCharRef(parseInt(ref.slice(hex ? 2 : 1), hex ? 16 : 10));
  });
}

// ---- ftfy.fix_text (ftfy 6, default settings) without its encoding repair ---------------------
const FTFY_ENTITY = /&#?[0-9A-Za-z]{1,24};/g;
const C1_CONTROLS = /[\x80-\x9f]/g;
// ftfy's LIGATURES table: Latin typographic ligatures and legacy digraphs.
const LIGATURES: Record<string, string> = {
  '\u0132': 'IJ',
  '\u0133': 'ij',
  '\u0149': '\u02bcn',
  '\u01f1': 'DZ',
  '\u01f2': 'Dz',
  '\u01f3': 'dz',
  '\u01c4': 'D\u017d',
  '\u01c5': 'D\u017e',
  '\u01c6': 'd\u017e',
  '\u01c7': 'LJ',
  '\u01c8': 'Lj',
  '\u01c9': 'lj',
  '\u01ca': 'NJ',
  '\u01cb': 'Nj',
  '\u01cc': 'nj',
  '\ufb00': 'ff',
  '\ufb01': 'fi',
  '\ufb02': 'fl',
  '\ufb03': 'ffi',
  '\ufb04': 'ffl',
  '\ufb05': '\u017ft',
  '\ufb06': 'st',
};
const LIGATURE_CHARS = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'g');
const WIDE_CHARS = /[\u3000\uff01-\uffef]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const TERMINAL_ESCAPE = /\x1b\[(?:\p{Nd}|;)*[a-zA-Z]/gu;
const CONTROL_CHARS = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;
const FTFY_SEGMENT = 1_000_000;

/** ftfy's unescape_html: only `&...;` forms, plus upper-cased names of lower-case entities. */
function ftfyEntity(ref: string): string {
  if (ref[1] === '#') {
    const text = htmlUnescape(ref);
    return text.includes(';') ? ref : text;
  }
  const exact = decodeHTMLStrict(ref);
  if (exact !== ref) return exact;
  const name = ref.slice(1, -1);
  if (name !== name.toUpperCase() || name === name.toLowerCase() || htmlUnescape(ref) !== ref) return ref;
  const lower = `&${name.toLowerCase()};`;
  const char = decodeHTMLStrict(lower);
  return char === lower ? ref : char.toUpperCase();
}

function ftfySegment(text: string, unescapeEntities: boolean): string {
  for (;;) {
    const before = text;
    if (unescapeEntities) text = text.replace(FTFY_ENTITY, ftfyEntity);
    text = text
      .replace(C1_CONTROLS, (c) => String.fromCodePoint(replaceCodePoint(c.charCodeAt(0)))) // as Windows-1252
      .replace(LIGATURE_CHARS, (c) => LIGATURES[c]!)
      .replace(WIDE_CHARS, (c) => (c === '\u3000' ? ' ' : c.normalize('NFKC')))
      .replace(/[\u201c-\u201f]/g, '"')
      .replace(/[\u02bc\u2018-\u201b]/g, "'")
      .replace(/\r\n?|[\u2028\u2029\x85]/g, '\n')
      .replace(LONE_SURROGATE, '\ufffd')
      .replace(TERMINAL_ESCAPE, '')
      .replace(CONTROL_CHARS, '')
      .normalize('NFC');
    if (text === before) return text;
  }
}

/**
 * ftfy.fix_text(text, fix_encoding=False): per line (and per 1,000,000 code points), until
 * nothing changes: HTML entities (not after a line holding "<"), C1 controls, ligatures, full
 * width, curly quotes, line breaks, surrogates, terminal escapes, control characters, NFC.
 */
export function ftfyFixText(text: string): string {
  let out = '';
  let unescapeEntities = true;
  for (let pos = 0; pos < text.length; ) {
    let end = text.indexOf('\n', pos) + 1 || text.length;
    if (end - pos > FTFY_SEGMENT) {
      let i = pos;
      for (let n = 0; n < FTFY_SEGMENT && i < end; n++) i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
      end = i;
    }
    const segment = text.slice(pos, end);
    if (segment.includes('<')) unescapeEntities = false;
    out += ftfySegment(segment, unescapeEntities);
    pos = end;
  }
  return out;
}

/** basic_clean (ftfy without encoding repair, html.unescape twice, strip), whitespace_clean, lower. */
export function cleanText(text: string): string {
  const unescaped = htmlUnescape(htmlUnescape(ftfyFixText(text))).replace(PY_STRIP, '');
  return unescaped.replace(SPACE_RUNS, ' ').replace(PY_STRIP, '').toLowerCase();
}
