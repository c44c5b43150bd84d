// generate(): the loss falls, runs are bit-for-bit reproducible, memory stays flat across steps,
// stop() and break keep the latest image, every kind of prompt works, and bad input says why.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, loadClip, ops, Tensor, tidy, type Clip } from '@clipgpu/clip-runtime';
import { generate, generators, parsePrompts, type GenerateOptions, type GenerateState, type Generator } from './index.js';
import { TINY } from '../testing/generate.js';

const rt = await init();
let clip: Clip;
beforeAll(async () => {
  clip = await loadClip(TINY);
});

const target = (k: number) => Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7 + k));
/** Every CLIP batch here has 2 cutouts, so compiled kernels are shared between tests. */
const base = (o: Partial<GenerateOptions> = {}): GenerateOptions => ({
  prompts: [
    { embedding: target(0), weight: 1 },
    { embedding: target(1), weight: -0.3 },
  ],
  generator: generators.pixels({ size: 32 }),
  steps: 3,
  cutn: 2,
  lr: 0.1,
  ...o,
});

async function collect(opts: GenerateOptions, each?: (s: GenerateState) => void | Promise<void>) {
  const run = generate(clip, opts);
  const losses: number[][] = [];
  for await (const s of run) {
    losses.push([s.loss, ...s.losses]);
    await each?.(s);
  }
  const image = run.finalImage ? ((await run.finalImage.toArray()) as Float32Array) : undefined;
  const shape = run.finalImage?.shape;
  run.dispose();
  return { losses, image, shape, run };
}

describe('generate', () => {
  it('lowers the loss toward a fixed target', async () => {
    const { losses, image, shape } = await collect(
      base({
        prompts: [{ embedding: target(0) }],
        steps: 10,
        augment: false,
        boxes: [0, 0, 32, 32, 4, 6, 20, 20],
      }),
    );
    const l = losses.map((x) => x[0]);
    expect(l.length).toBe(10);
    expect(l[9], `losses ${l.map((v) => v.toFixed(4)).join(' ')}`).toBeLessThan(l[0] * 0.9);
    for (let i = 1; i < 10; i++) expect(l[i]).toBeLessThan(l[i - 1] + 1e-3);
    expect(shape).toEqual([1, 3, 32, 32]);
    expect(image!.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('is bit-for-bit reproducible from the seed (random crops and augmentations)', async () => {
    const opts = () => base({ generator: generators.fourier({ size: 32 }), seed: 5, schedule: 'cosine', tvWeight: 0.1 });
    const a = await collect(opts());
    const b = await collect(opts());
    expect(b.losses).toEqual(a.losses);
    expect(Buffer.from(b.image!.buffer).equals(Buffer.from(a.image!.buffer))).toBe(true);
    const c = await collect({ ...opts(), seed: 6 });
    expect(c.losses[0]).not.toEqual(a.losses[0]);
  });

  it('holds GPU memory flat across steps; stop() ends after the step and keeps its image', async () => {
    const run = generate(clip, base({ steps: 9, generator: generators.fourier({ size: 32 }) }));
    const stats: ReturnType<typeof rt.stats>[] = [];
    const steps: number[] = [];
    for await (const s of run) {
      steps.push(s.step);
      stats.push(rt.stats());
      if (s.step === 6) run.stop();
    }
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run.stopped).toBe(true);
    // after two warm-up steps, every step allocates and frees the same
    for (const s of stats.slice(3)) expect(s).toEqual(stats[2]);
    expect(run.finalImage?.shape).toEqual([1, 3, 32, 32]);
    run.dispose();
    expect(run.finalImage).toBeUndefined();
  });

  it('break keeps the image; a generator you pass stays yours', async () => {
    const logits = Tensor.zeros([1, 3, 8, 8], { requiresGrad: true });
    const mine: Generator = {
      parameters: [logits],
      render: () => tidy(() => ops.sigmoid(ops.resize(logits, 32, 32, { mode: 'bicubic', antialias: false }))),
      dispose: () => logits.dispose(),
    };
    const run = generate(clip, base({ generator: mine, steps: 5 }));
    for await (const s of run) if (s.step === 2) break;
    expect(run.finalImage?.shape).toEqual([1, 3, 32, 32]);
    run.dispose();
    const moved = await logits.toArray(); // updated by Adam, not disposed
    expect(moved.some((v) => v !== 0)).toBe(true);
    mine.dispose();
    expect(() => run[Symbol.asyncIterator]()).toThrow(/iterated only once/);
  });

  it('takes token-id, image (tensor) and embedding prompts; text needs a tokenizer', async () => {
    const image = Tensor.from(
      Float32Array.from({ length: 3 * 20 * 24 }, (_, i) => (i % 7) / 7),
      [1, 3, 20, 24],
    );
    const run = generate(
      clip,
      base({
        prompts: [
          { tokens: [97, 5, 17, 42, 98], weight: 1 },
          { image, weight: 0.5, label: 'stripes' },
          { embedding: target(2), weight: -0.25 },
        ],
        steps: 1,
      }),
    );
    for await (const s of run) {
      expect(s.labels).toEqual(['tokens 0', 'stripes', 'embedding 2']);
      expect(s.losses.length).toBe(3);
      expect(s.loss).toBeCloseTo(
        s.losses.reduce((a, b) => a + b, 0),
        5,
      );
    }
    run.dispose();
    image.dispose();
    const texts = generate(clip, base({ prompts: 'a red apple' }));
    await expect(texts[Symbol.asyncIterator]().next()).rejects.toThrow(/no tokenizer files/);
  });

  it('initCandidates starts from the draw CLIP finds closest to the prompts, and frees the others', async () => {
    // lr 0 and one whole-image crop: the first step's loss is the chosen initialisation's own (seed 7: the
    // first draw is not the best of the six)
    const first = async (initCandidates: number) => {
      const { losses } = await collect(
        base({
          generator: generators.pixels({ size: 32, std: 1 }),
          lr: 0,
          steps: 1,
          augment: false,
          boxes: [0, 0, 32, 32],
          initCandidates,
          seed: 7,
        }),
      );
      return losses[0]![0]!;
    };
    const one = await first(1);
    const before = rt.stats();
    const best = await first(6);
    expect(rt.stats()).toEqual(before);
    expect(best).toBeLessThan(one);
    expect(await first(6)).toBe(best);
  });

  it('rejects bad input at once with a reason', () => {
    const bad = (o: Partial<GenerateOptions>, re: RegExp) => expect(() => generate(clip, base(o))).toThrow(re);
    bad({ prompts: [] }, /no prompts/);
    bad({ prompts: '' }, /prompt 1 of "" is empty/);
    bad({ prompts: 'apple:1|' }, /prompt 2 of "apple:1\|" is empty/);
    bad({ prompts: [{ text: 'x', embedding: [1] } as never] }, /exactly one of text, tokens, image or embedding, got text and embedding/);
    bad({ prompts: [{ text: 'x', weight: NaN }] }, /prompt 0 has weight NaN/);
    bad({ steps: 0 }, /steps must be an integer ≥ 1, got 0/);
    bad({ steps: -2 }, /steps must be an integer ≥ 1, got -2/);
    bad({ steps: 2.5 }, /steps must be an integer ≥ 1, got 2.5/);
    bad({ generator: 'vqgan' as never }, /unknown generator 'vqgan'/);
    bad({ generator: {} as never }, /generator must be a name/);
    bad(
      { generator: generators.pixels({ size: 16 }), minCutSize: 20 },
      /the image \(16×16\) is smaller than the smallest cutout \(minCutSize 20\)/,
    );
    bad({ cutn: 0 }, /cutn must be an integer ≥ 1, got 0/);
    bad({ lr: -1 }, /lr must be a number ≥ 0, got -1/);
    bad({ lr: NaN }, /lr must be a number ≥ 0, got NaN/);
    bad({ loss: 'l2' as never }, /unknown loss 'l2'/);
    bad({ schedule: 'linear' as never }, /unknown schedule 'linear'/);
    bad({ boxes: [0, 0, 4] }, /boxes must hold 4 numbers/);
    bad({ augment: { noise: -1 } }, /augment.noise must be a finite number ≥ 0/);
    bad({ initCandidates: 0 }, /initCandidates must be an integer ≥ 1, got 0/);
    const mine: Generator = { parameters: [], render: () => Tensor.zeros([1, 3, 32, 32]), dispose: () => {} };
    bad({ generator: mine, initCandidates: 2 }, /initCandidates needs a generator factory/);
    expect(() => generate(clip, undefined as never)).toThrow(/options are required/);
  });

  it('finds a too-small image from an unsized generator when it renders', async () => {
    const logits = Tensor.zeros([1, 3, 6, 6], { requiresGrad: true });
    const tiny: Generator = { parameters: [logits], render: () => ops.sigmoid(logits), dispose: () => logits.dispose() };
    const run = generate(clip, base({ generator: tiny, minCutSize: 8 }));
    await expect(run[Symbol.asyncIterator]().next()).rejects.toThrow(
      /the image \(6×6\) is smaller than the smallest cutout \(minCutSize 8\)/,
    );
    tiny.dispose();
  });
});

describe('parsePrompts', () => {
  it("reads VQGAN+CLIP's syntax", () => {
    expect(parsePrompts('a red apple:1|blurry:-0.5')).toEqual([
      { text: 'a red apple', weight: 1 },
      { text: 'blurry', weight: -0.5 },
    ]);
    expect(parsePrompts('a cat')).toEqual([{ text: 'a cat', weight: 1 }]);
    expect(parsePrompts(' sunset : 2.5e-1 | x:.5')).toEqual([
      { text: 'sunset', weight: 0.25 },
      { text: 'x', weight: 0.5 },
    ]);
    expect(parsePrompts('ratio 16:9 screen')).toEqual([{ text: 'ratio 16:9 screen', weight: 1 }]);
    expect(parsePrompts('http://example.com/cat.png')).toEqual([{ text: 'http://example.com/cat.png', weight: 1 }]);
    expect(parsePrompts('note: bold:3')).toEqual([{ text: 'note: bold', weight: 3 }]);
    expect(parsePrompts('trailing colon:')).toEqual([{ text: 'trailing colon:', weight: 1 }]);
    expect(() => parsePrompts(':2')).toThrow(/prompt 1 of ":2" is empty/);
  });
});
