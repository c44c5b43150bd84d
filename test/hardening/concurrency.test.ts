// Several calls in flight at once on one model (one device, one command encoder, one buffer pool):
// encodeImage, encodeText on id tensors and generate() runs, started together, must give bit for
// bit what the same calls give one by one, and leave GPU memory as it was.
import { describe, expect, it } from 'vitest';
import { generate, generators, init, loadClip, memoryFiles, Tensor, type Clip, type GenerateOptions } from '@clipgpu/clip-runtime';
import { tinyFiles } from './helpers.js';

const rt = await init();
const { config, model } = tinyFiles();

const bits = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const pixelsOf = (k: number, batch: number) =>
  Tensor.from(
    Float32Array.from({ length: batch * 3 * 30 * 30 }, (_, i) => Math.sin(i * 0.013 * (k + 1) + k)),
    [batch, 3, 30, 30],
  );
/** [B, 13] ids of the tiny vocabulary: BOS 97, words, EOT 98, padding 0. */
function idsOf(k: number, batch: number): Tensor {
  const ids = new Int32Array(batch * 13);
  for (let b = 0; b < batch; b++) {
    const n = 2 + ((k + b) % 9);
    ids[b * 13] = 97;
    for (let i = 1; i <= n; i++) ids[b * 13 + i] = 3 + ((k * 31 + b * 7 + i * 13) % 90);
    ids[b * 13 + n + 1] = 98;
  }
  return Tensor.from(ids, [batch, 13]);
}
const genOpts = (seed: number): GenerateOptions => ({
  prompts: [
    { embedding: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.3 + seed)), weight: 1 },
    { embedding: Float32Array.from({ length: 24 }, (_, i) => Math.cos(i + seed)), weight: -0.4 },
  ],
  generator: generators.pixels({ size: 32 }),
  steps: 3,
  cutn: 2,
  lr: 0.1,
  seed,
  tvWeight: 0.05,
});

async function image(clip: Clip, x: Tensor) {
  const e = await clip.encodeImage(x);
  const out = bits((await e.toArray()) as Float32Array);
  e.dispose();
  return out;
}
async function text(clip: Clip, ids: Tensor) {
  const e = await clip.encodeText(ids);
  const out = bits((await e.toArray()) as Float32Array);
  e.dispose();
  return out;
}
async function run(clip: Clip, seed: number) {
  const r = generate(clip, genOpts(seed));
  const losses: number[] = [];
  for await (const s of r) losses.push(s.loss, ...s.losses);
  const img = bits((await r.finalImage!.toArray()) as Float32Array);
  r.dispose();
  return `${losses.join(',')}|${img}`;
}

describe('concurrent calls on one model', () => {
  it('encodeImage, encodeText and generate in flight together equal the same calls one by one, bitwise', async () => {
    const clip = await loadClip(memoryFiles({ 'config.json': config, 'model.safetensors': model }));
    const pixels = [pixelsOf(0, 1), pixelsOf(1, 2), pixelsOf(2, 2), pixelsOf(3, 1)];
    const ids = [idsOf(0, 1), idsOf(1, 2), idsOf(2, 2), idsOf(3, 1)];
    const seeds = [3, 4];

    // one by one (this also compiles every kernel)
    const serial: string[] = [];
    let t0 = performance.now();
    for (const x of pixels) serial.push(await image(clip, x));
    const tImage = performance.now() - t0;
    t0 = performance.now();
    for (const t of ids) serial.push(await text(clip, t));
    const tText = performance.now() - t0;
    t0 = performance.now();
    for (const s of seeds) serial.push(await run(clip, s));
    console.log(
      `one by one (compiling): images ${tImage.toFixed(0)} ms, texts ${tText.toFixed(0)} ms, generate ${(performance.now() - t0).toFixed(0)} ms`,
    );
    t0 = performance.now();
    const before = rt.stats();

    // all at once, interleaved, two rounds with a different start order each time
    for (let round = 0; round < 2; round++) {
      const jobs: (() => Promise<string>)[] = [
        ...pixels.map((x) => () => image(clip, x)),
        ...ids.map((t) => () => text(clip, t)),
        ...seeds.map((s) => () => run(clip, s)),
      ];
      const order = jobs.map((_, i) => i);
      if (round === 1) order.reverse();
      const results: string[] = new Array(jobs.length);
      await Promise.all(
        order.map(async (i) => {
          results[i] = await jobs[i]();
        }),
      );
      results.forEach((r, i) => expect(r, `round ${round}, call ${i}`).toBe(serial[i]));
      expect(rt.stats().inUseBytes).toBe(before.inUseBytes);
      expect(rt.stats().liveTensors).toBe(before.liveTensors);
    }

    console.log(`two concurrent rounds: ${(performance.now() - t0).toFixed(0)} ms`);
    // the same embedding asked for by 16 callers at once
    const same = await Promise.all(Array.from({ length: 16 }, () => image(clip, pixels[1])));
    expect(new Set(same)).toEqual(new Set([serial[1]]));
    [...pixels, ...ids].forEach((t) => t.dispose());
    clip.dispose();
  });

  it('two models loaded at once from the same bytes give the same embeddings', async () => {
    const [a, b] = await Promise.all([0, 1].map(() => loadClip(memoryFiles({ 'config.json': config, 'model.safetensors': model }))));
    const x = pixelsOf(5, 1);
    const [ea, eb] = await Promise.all([image(a, x), image(b, x)]);
    expect(ea).toBe(eb);
    x.dispose();
    a.dispose();
    b.dispose();
  });
});
