// A Node user's first script: the embedded model, OpenAI's tokenizer and the embedded decoder, with
// no argument and nothing but `npm i @clipgpu/clip-runtime`. Prints one JSON line.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ClipTokenizer, generate, generators, loadClip } from '@clipgpu/clip-runtime';

const pkg = dirname(createRequire(import.meta.url).resolve('@clipgpu/clip-runtime/package.json'));
const clip = await loadClip();
const ranked = await clip.classify(join(pkg, 'assets/samples/1-red-circle.png'), ['a red circle', 'a blue square', 'a green triangle']);
const tokenizer = await ClipTokenizer.load();
const run = generate(clip, { prompts: 'a red circle', generator: generators.decoder(), steps: 3, cutn: 2, seed: 0 });
let steps = 0;
for await (const _ of run) steps++;
const image = run.finalImage?.shape;
run.dispose();
clip.dispose();
console.log(
  JSON.stringify({
    top: ranked[0].label,
    p: ranked[0].score,
    ids: Array.from(tokenizer.tokenize(['a photo of a cat']).ids.slice(0, 7)),
    steps,
    image,
  }),
);
process.exit(0);
