// The whole training step's weight gradients: the contrastive loss of a small CLIP (the layout
// train-clip uses) is differentiated by the tape, and every parameter tensor's gradient is checked
// against a central difference of the loss along a random unit direction. The ops are each
// checked alone elsewhere; this catches a gradient lost or mis-routed between them (embeddings,
// class token, position embeddings, pooling, projections, the logit scale).
import { afterAll, describe, expect, it } from 'vitest';
import { directionalDifference, dot, freshSeed, rng, unitDirection } from '@clipgpu/kernels/testing';
import { captionMatches, trainingBatch } from './data/shapes.js';
import { toChw } from './data.js';
import { contrastiveLoss } from './losses.js';
import { initTinyClip, tinyConfig } from './tiny-clip.js';
import { ClipTokenizer, ClipModel, Weights, init, noGrad, Tensor, tidy } from '@clipgpu/clip-runtime';

const rt = await init();
const { config, vocab } = tinyConfig({
  imageSize: 16,
  patchSize: 8,
  width: 16,
  layers: 1,
  textLayers: 1,
  heads: 2,
  projection: 8,
  context: 16,
});
const tokenizer = ClipTokenizer.fromHuggingFace(vocab.vocab, vocab.merges);
const samples = trainingBatch(7, 6, 16);
const tok = tokenizer.tokenize(
  samples.map((s) => s.text),
  { contextLength: 16 },
);
const match = samples.map((a) => samples.map((b) => captionMatches(b.caption, a.spec)));

for (const attention of ['fused', 'composed'] as const) {
  describe(`training step gradients (${attention} attention)`, () => {
    const params = initTinyClip(config, rt, 3);
    const model = new ClipModel(new Weights(params.tensors), config, { attnImplementation: attention });
    const pixels = Tensor.from(
      toChw(
        samples.map((s) => s.rgb),
        16,
        true,
      ),
      [6, 3, 16, 16],
      { runtime: rt },
    );
    const ids = Tensor.from(tok.ids, tok.shape, { runtime: rt });
    const loss = () =>
      tidy(() => contrastiveLoss(model.get_image_features(pixels), model.get_text_features(ids, tok.ids), model.logit_scale, match));
    afterAll(() => {
      [pixels, ids].forEach((t) => t.dispose());
      params.dispose();
    });

    it('every parameter tensor matches a central difference of the loss', async () => {
      const seed = freshSeed();
      const r = rng(seed);
      const l = loss();
      await l.backward();
      l.dispose();
      const failures: string[] = [];
      for (const [name, p] of params.tensors) {
        const grad = p.grad ? ((await p.grad.toArray()) as Float32Array) : undefined;
        expect(grad, `${name} got no gradient`).toBeDefined();
        const value = (await p.toArray()) as Float32Array;
        const dir = unitDirection(p.size, r);
        const analytic = dot(grad!, dir);
        // Richardson at h = 1e-2: a plain central difference there was 5–25% off along some
        // directions (the class and text position embeddings, on box-filtered images: curvature),
        // and at 1e-3 float32 rounding of the loss (~2e-4) swamps the small gradients
        const numeric = await directionalDifference(
          async (step) => {
            p.rt.gpu.write(
              p.buffer,
              value.map((x, k) => x + step * dir[k]!),
            );
            const v = noGrad(loss);
            const out = await v.item();
            v.dispose();
            return out;
          },
          1e-2,
          { richardson: true },
        );
        p.rt.gpu.write(p.buffer, value);
        const err = Math.abs(analytic - numeric) / Math.max(Math.abs(numeric), 1e-2);
        if (!(err < 2e-2))
          failures.push(`${name}: ⟨grad, v⟩ ${analytic.toExponential(4)} vs central difference ${numeric.toExponential(4)}`);
      }
      expect(failures, `seed ${seed}`).toEqual([]);
    });
  });
}
