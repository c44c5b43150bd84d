// A small byte-level BPE vocabulary in Hugging Face's CLIP layout (vocab.json + merges.txt) for
import { ClipTokenizer } from '@clipgpu/clip-runtime';
import { byteSymbols } from '@clipgpu/clip-runtime/internals';
// a closed set of words: the 256 byte symbols, their "</w>" forms, left-to-right merges that build
// each word into one token, then <|startoftext|> and <|endoftext|> (the end token has the largest
// id, so the legacy pooling rule, eos_token_id 2 → argmax of the ids, finds it). BPE applies the
// lowest-ranked pair first, so one word's merges can cut into another's ("an" inside "triangle"):
// merges that join the pieces left over are appended until every word is a single token.

export interface TinyVocab {
  /** token → id (vocab.json) */
  vocab: Record<string, number>;
  /** merges.txt contents, with the "#version" header */
  merges: string;
  size: number;
}

/** The vocabulary for `words` (lower-case ASCII). */
export function buildVocab(words: readonly string[]): TinyVocab {
  const vocab: Record<string, number> = {};
  let next = 0;
  const add = (tok: string) => {
    if (!(tok in vocab)) vocab[tok] = next++;
  };
  const symbols = byteSymbols();
  for (const s of symbols) add(s);
  for (const s of symbols) add(`${s}</w>`);
  const merges: string[] = [];
  const seen = new Set<string>();
  for (const word of [...new Set(words)].sort()) {
    if (!/^[a-z]+$/.test(word)) throw new Error(`buildVocab: '${word}' is not a lower-case ASCII word`);
    const parts = [...word];
    parts[parts.length - 1] += '</w>';
    let left = parts[0]!;
    for (let i = 1; i < parts.length; i++) {
      const merge = `${left} ${parts[i]}`;
      left += parts[i];
      if (!seen.has(merge)) {
        seen.add(merge);
        merges.push(merge);
      }
      add(left);
    }
  }
  const text = () => `#version: 0.2 - clipgpu-tiny\n${merges.join('\n')}\n`;
  const idToToken = () => Object.fromEntries(Object.entries(vocab).map(([t, id]) => [id, t]));
  for (let round = 0; round < 16; round++) {
    const tokenizer = ClipTokenizer.fromHuggingFace({ ...vocab, '<|startoftext|>': next, '<|endoftext|>': next + 1 }, text());
    const names = idToToken();
    const split = [...new Set(words)].map((w) => tokenizer.encode(w).map((id) => names[id]!)).filter((pieces) => pieces.length > 1);
    if (!split.length) break;
    for (const pieces of split) {
      let left = pieces[0]!;
      for (const piece of pieces.slice(1)) {
        const merge = `${left} ${piece}`;
        left += piece;
        if (!seen.has(merge)) {
          seen.add(merge);
          merges.push(merge);
        }
        add(left);
      }
    }
  }
  add('<|startoftext|>');
  add('<|endoftext|>');
  return { vocab, merges: text(), size: next };
}
