// The whole guidance chain on the tiny CLIP fixture against PyTorch (float64, fixed boxes, no
// augmentation: test/fixtures/make_generate_fixture.py): pixels generator → cutouts → CLIP
// normalization → image tower → prompt losses (spherical + TV, cosine) → the latent's gradient.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, loadClip, Tensor, tidy, type Clip } from '@clipgpu/clip-runtime';
import { Cutouts, encodePrompts, guidanceLoss, pixels, sphericalDistance, stream, type Target } from './index.js';
import { generateFixture, relL2, TINY } from '../testing/generate.js';

const rt = await init();
let clip: Clip;
beforeAll(async () => {
  clip = await loadClip(TINY);
});

async function fixtureTargets(fx: Awaited<ReturnType<typeof generateFixture>>): Promise<Target[]> {
  const t = await fx.get('targets');
  const w = await fx.get('weights');
  const D = t.shape[1];
  return encodePrompts(
    clip,
    Array.from(w.data, (weight, i) => ({ embedding: t.data.subarray(i * D, (i + 1) * D), weight })),
  );
}

describe('guidance loss against PyTorch', () => {
  it('cutouts, spherical and cosine losses, TV, and the latent gradient (relative L2 ≤ 1e-4)', async () => {
    const fx = await generateFixture();
    const latent = await fx.get('latent');
    const boxes = Array.from((await fx.get('boxes')).data);
    const targets = await fixtureTargets(fx);
    const [, , H, W] = latent.shape;
    const gen = await pixels({ size: [H, W], init: latent.data }).create({ runtime: rt, seed: 0, random: stream(0, 'init') });
    const cut = new Cutouts(rt, { cutSize: 30, cutn: boxes.length / 4, augment: false, antialias: false, mode: 'bilinear' });
    const random = stream(0, 'unused');

    // the crops themselves (the resize convention)
    const img = gen.render();
    const made = cut.make(img, random, boxes);
    expect(made.boxes).toEqual(boxes);
    expect(relL2(await made.cutouts.toArray(), (await fx.get('cutouts')).data)).toBeLessThan(1e-5);
    [img, made.cutouts].forEach((t) => t.dispose());

    for (const kind of ['spherical', 'cosine'] as const) {
      const tvWeight = kind === 'spherical' ? Number(fx.header.metadata.tv_weight) : 0;
      const g = tidy(() => {
        const r = guidanceLoss(clip, gen.render(), targets, cut, random, { loss: kind, tvWeight, boxes });
        return [r.total, ...r.perPrompt, ...(r.tv ? [r.tv] : [])];
      });
      const [total, l0, l1, tv] = g;
      expect(relL2([await total.item()], (await fx.get(`${kind}.loss`)).data), `${kind} loss`).toBeLessThan(1e-5);
      expect(relL2([await l0.item(), await l1.item()], (await fx.get(`${kind}.losses`)).data), `${kind} per-prompt losses`).toBeLessThan(
        1e-5,
      );
      if (tv) expect(relL2([await tv.item()], (await fx.get('tv')).data)).toBeLessThan(1e-5);
      await total.backward();
      const grad = (await gen.parameters[0].grad!.toArray()) as Float32Array;
      expect(relL2(grad, (await fx.get(`${kind}.grad`)).data), `${kind} latent gradient`).toBeLessThan(1e-4);
      gen.parameters[0].zeroGrad();
      g.forEach((t) => t.dispose());
    }
    cut.dispose();
    gen.dispose();
    targets.forEach((t) => t.embedding.dispose());
  });

  it('spherical distance is θ²/2 (θ the angle), the asin route', async () => {
    const a = [0.6, 0.8, 0];
    const b = [0, 0.6, 0.8];
    const x = Tensor.from(a, [1, 3]);
    const t = Tensor.from(b, [3]);
    const d = sphericalDistance(x, t);
    const theta = Math.acos(a.reduce((s, v, i) => s + v * b[i], 0));
    expect(await d.item()).toBeCloseTo(theta ** 2 / 2, 6);
    [x, t, d].forEach((v) => v.dispose());
  });
});
