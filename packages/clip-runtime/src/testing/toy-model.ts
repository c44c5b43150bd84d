// A copy of the tiny fixture CLIP with a toy tokenizer (every byte symbol mapped into its 99-token
// vocabulary), so commands and APIs that take text can run on it.
import { byteSymbols } from '../io/tokenizer.js';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// the PyTorch fixtures are the repository's, shared with the parity suite (test/fixtures/)
export const FIXTURES = new URL('../../../../test/fixtures', import.meta.url).pathname;
export const TINY = `${FIXTURES}/clip/tiny-quickgelu`;

/** Writes the tiny model plus vocab.json/merges.txt into `dir` (created) and returns it. */
export function writeToyModel(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(TINY, f), join(dir, f));
  // ids 1..96 for the byte symbols (repeats are fine for a toy), BOS 97 and EOT 98 as the fixture's texts
  const vocab: Record<string, number> = {};
  byteSymbols().forEach((s, i) => {
    vocab[s] = 1 + (i % 96);
    vocab[`${s}</w>`] = 1 + ((i * 7 + 3) % 96);
  });
  vocab['<|startoftext|>'] = 97;
  vocab['<|endoftext|>'] = 98;
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(vocab));
  writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\n');
  return dir;
}
