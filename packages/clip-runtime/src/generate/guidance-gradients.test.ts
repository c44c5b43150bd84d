// The whole guidance chain on the tiny CLIP fixture against central differences of the GPU forward,
// with every cutout augmentation on (flip, translation, colour, noise: the same seeded draws for
// each evaluation), through the pixels (+ TV) and Fourier generators.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, loadClip, noGrad, tidy, type Clip } from '@clipgpu/clip-runtime';
import { Cutouts, encodePrompts, fourier, guidanceLoss, pixels, stream, type Generator } from './index.js';
import { checkDirectional, TINY } from '../testing/generate.js';

const rt = await init();
let clip: Clip;
beforeAll(async () => {
  clip = await loadClip(TINY);
});

describe('guidance gradient against central differences (augmented cutouts)', () => {
  async function check(name: string, gen: Generator, tvWeight: number, eps: number) {
    const targets = await encodePrompts(clip, [
      { embedding: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.3)), weight: 1 },
      { embedding: Float32Array.from({ length: 24 }, (_, i) => Math.cos(i * 0.7)), weight: -0.4 },
    ]);
    // every augmentation on; the same random stream for each evaluation makes the loss a function of the latent
    const cut = new Cutouts(rt, { cutSize: 30, cutn: 3, minSize: 12, augment: { flip: true, translate: 0.1, color: 0.1, noise: 0.05 } });
    const loss = () =>
      tidy(() => {
        const r = guidanceLoss(clip, gen.render(), targets, cut, stream(7, 'cutouts'), { tvWeight });
        return r.total;
      });
    let boxes: number[] = [];
    noGrad(() => tidy(() => void (boxes = guidanceLoss(clip, gen.render(), targets, cut, stream(7, 'cutouts'), { tvWeight }).boxes)));
    expect(boxes.length).toBe(12);
    await checkDirectional(name, gen.parameters, loss, { eps, tol: 5e-3 });
    cut.dispose();
    targets.forEach((t) => t.embedding.dispose());
  }

  it('through pixels, with TV', async () => {
    const gen = await pixels({ size: 32, std: 1 }).create({ runtime: rt, seed: 3, random: stream(3, 'init') });
    await check('pixels chain', gen, 0.2, 1e-2);
    gen.dispose();
  });

  it('through the Fourier parameterization', async () => {
    // the loss curves fast in spectrum space: a short step keeps the difference's second-order error small
    const gen = await fourier({ size: 24, std: 0.05 }).create({ runtime: rt, seed: 4, random: stream(4, 'init') });
    await check('fourier chain', gen, 0, 3e-3);
    gen.dispose();
  });
});
