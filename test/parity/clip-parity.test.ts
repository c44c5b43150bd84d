// Parity with PyTorch: random tiny CLIPs (test/fixtures/make_clip_fixtures.py) in Hugging Face and
// OpenAI layouts, F32 and F16, against float64 torch: embeddings, logits, the pixel gradient of
// Σ_b cos(image_b, text_b), and every layer's output so a mismatch says where it starts.
// Runs in Node and, from the bundle, in headless Chromium (fixtures fetched over HTTP there).
import { describe, expect, it } from 'vitest';
import { expectClose, expectCloseScaled } from '@clipgpu/kernels/testing';
import { bytesSource, init, loadClip, ops, readHeader, readTensorF32, resolveFiles, Tensor, type Clip } from '@clipgpu/clip-runtime';

const rt = await init();
const inBrowser = typeof window !== 'undefined';
const FIXTURES = inBrowser ? '/fixtures/clip' : new URL('../fixtures/clip', import.meta.url).pathname;

async function reference(model: string) {
  const files = await resolveFiles(`${FIXTURES}/${model}`); // a folder in Node, URLs in the browser
  const src = bytesSource(await files.bytes('reference.safetensors'), `${model}/reference.safetensors`);
  const header = await readHeader(src);
  const get = async (name: string) => {
    const info = header.tensors.get(name);
    if (!info) throw new Error(`reference ${model}: no '${name}'`);
    return { data: await readTensorF32(src, header, name), shape: info.shape, ints: info.dtype === 'I32' };
  };
  return { header, get };
}

const TOL = { embeddings: 1e-5, pixelGrad: 1e-4, f16: 2e-3 };

async function checkModel(clip: Clip, model: string, tol: number) {
  const ref = await reference(model);
  const ids = await ref.get('input_ids');
  const pixels = await ref.get('pixel_values');
  const idTensor = Tensor.from(Int32Array.from(ids.data), ids.shape);
  const pixelTensor = Tensor.from(pixels.data, pixels.shape, { requiresGrad: true });

  const text = await clip.encodeText(idTensor);
  expectClose(`${model} text_embeds`, await text.toArray(), (await ref.get('text_embeds')).data, tol);
  const image = await clip.encodeImage(pixelTensor);
  expectClose(`${model} image_embeds`, await image.toArray(), (await ref.get('image_embeds')).data, tol);

  // logits_per_image = logit_scale · cos
  const logits = ops.scale(ops.matmul(ops.normalize(image), ops.normalize(text), { transB: true }), clip.logitScale);
  expectClose(`${model} logits_per_image`, await logits.toArray(), (await ref.get('logits_per_image')).data, tol);

  // gradient of Σ_b cos(image_b, text_b) over the first two texts with respect to the pixels
  const firstTexts = ops.slice(text, 0, 0, 2);
  const cos = ops.cosineSimilarity(image, firstTexts);
  // cosines of random models are near 0: compare them relative to 1, the size of their terms
  expectCloseScaled(`${model} cos`, await cos.toArray(), (await ref.get('cos')).data, [1, 1], tol);
  const loss = ops.sum(cos);
  await loss.backward();
  expectClose(
    `${model} pixel_values_grad`,
    await pixelTensor.grad!.toArray(),
    (await ref.get('pixel_values_grad')).data,
    tol === TOL.embeddings ? TOL.pixelGrad : tol,
  );
  [idTensor, pixelTensor, text, image, logits, firstTexts, cos, loss].forEach((t) => t.dispose());
}

describe('CLIP parity with PyTorch', () => {
  it('tiny-quickgelu (Hugging Face layout, F32, legacy pooling)', async () => {
    const clip = await loadClip(`${FIXTURES}/tiny-quickgelu`);
    await checkModel(clip, 'tiny-quickgelu', TOL.embeddings);
    clip.dispose();
  });

  it('tiny-quickgelu-openclip (OpenAI layout, config inferred from shapes)', async () => {
    const clip = await loadClip(`${FIXTURES}/tiny-quickgelu-openclip`);
    expect(clip.config.vision_config.num_attention_heads).toBe(5);
    expect(clip.config.text_config.intermediate_size).toBe(100);
    await checkModel(clip, 'tiny-quickgelu-openclip', TOL.embeddings);
    clip.dispose();
  });

  it('tiny-gelu-f16 (F16 file, gelu, first-eos pooling), as f32 and as packed f16 weights', async () => {
    const clip = await loadClip(`${FIXTURES}/tiny-gelu-f16`);
    await checkModel(clip, 'tiny-gelu-f16', TOL.embeddings);
    clip.dispose();
    const packed = await loadClip(`${FIXTURES}/tiny-gelu-f16`, { dtype: 'f16' });
    await checkModel(packed, 'tiny-gelu-f16', TOL.embeddings);
    packed.dispose();
  });

  it('layer by layer, so a mismatch says where it starts', async () => {
    for (const model of ['tiny-quickgelu', 'tiny-gelu-f16']) {
      const clip = await loadClip(`${FIXTURES}/${model}`);
      const ref = await reference(model);
      const ids = await ref.get('input_ids');
      const pixels = await ref.get('pixel_values');
      const idTensor = Tensor.from(Int32Array.from(ids.data), ids.shape);
      const pixelTensor = Tensor.from(pixels.data, pixels.shape);
      const out: { text?: any; vision?: any } = {};
      const t = clip.model.get_text_features(idTensor, Int32Array.from(ids.data), out);
      const v = clip.model.get_image_features(pixelTensor, out);
      const text: Tensor[] = out.text.hidden_states;
      const vision: Tensor[] = out.vision.hidden_states;
      const stages: [string, Tensor][] = [
        ['text.embeddings', text[0]],
        ...text.slice(1).map((h, i): [string, Tensor] => [`text.layers.${i}`, h]),
        ['text.final_layer_norm', out.text.last_hidden_state],
        ['text.pooled', out.text.pooler_output],
        ['vision.pre_layrnorm', vision[0]],
        ...vision.slice(1).map((h, i): [string, Tensor] => [`vision.layers.${i}`, h]),
        ['vision.pooled', out.vision.pooler_output],
      ];
      for (const [name, tensor] of stages)
        expectClose(`${model} ${name}`, await tensor.toArray(), (await ref.get(name)).data, TOL.embeddings);
      for (const o of [out.text, out.vision])
        [o.last_hidden_state, o.pooler_output, ...o.hidden_states].forEach((x: Tensor) => x.dispose());
      [t, v, idTensor, pixelTensor].forEach((x) => x.dispose());
      clip.dispose();
    }
  });

  it('repeated encodeImage calls do not grow GPU memory', async () => {
    const clip = await loadClip(`${FIXTURES}/tiny-quickgelu`);
    const ref = await reference('tiny-quickgelu');
    const pixels = await ref.get('pixel_values');
    const x = Tensor.from(pixels.data.subarray(0, pixels.data.length / 2), [1, ...pixels.shape.slice(1)]);
    const once = async () => (await clip.encodeImage(x)).dispose();
    await once();
    const before = rt.stats();
    const calls = inBrowser ? 50 : 1000;
    for (let i = 0; i < calls; i++) await once();
    expect(rt.stats()).toEqual(before);
    x.dispose();
    clip.dispose();
  }, 600_000);
});
