// Loading and input handling of the CLIP runtime: bad files and inputs end in clear errors that
// name the problem and leave no GPU memory behind; preprocessing matches CLIPImageProcessor (PIL).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { init, loadClip, memoryFiles, Tensor, writeSafetensors } from '@clipgpu/clip-runtime';
import { FIXTURES } from '../testing/toy-model.js';

const rt = await init();
const FIX = `${FIXTURES}/`;
const MODEL = `${FIX}clip/tiny-quickgelu`;
const modelBytes = new Uint8Array(readFileSync(`${MODEL}/model.safetensors`));
const config = readFileSync(`${MODEL}/config.json`, 'utf8');

/** Loading `files` must fail with `message` and leave GPU memory as it was. */
async function expectLoadError(files: Record<string, unknown>, message: RegExp) {
  const before = rt.stats();
  await expect(loadClip(memoryFiles(files as Record<string, Uint8Array>, 'bad-model'))).rejects.toThrow(message);
  expect(rt.stats().inUseBytes).toBe(before.inUseBytes);
  expect(rt.stats().liveTensors).toBe(before.liveTensors);
}

function headerOf(bytes: Uint8Array): {
  json: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  len: number;
} {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))), len };
}

function withHeader(bytes: Uint8Array, edit: (h: Record<string, any>) => void): Uint8Array {
  const { json, len } = headerOf(bytes);
  edit(json);
  let text = JSON.stringify(json);
  text = text.padEnd(Math.ceil(text.length / 8) * 8, ' ');
  const head = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + head.length + bytes.length - 8 - len);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(bytes.subarray(8 + len), 8 + head.length);
  return out;
}

describe('bad model files', () => {
  it('truncated safetensors', async () => {
    await expectLoadError(
      { 'config.json': config, 'model.safetensors': modelBytes.subarray(0, modelBytes.length - 100) },
      /model\.safetensors: .*(exceed|out of range|end)/,
    );
  });
  it('corrupt header', async () => {
    const bad = modelBytes.slice();
    bad.fill(0x7b, 8, 40);
    await expectLoadError({ 'config.json': config, 'model.safetensors': bad }, /model\.safetensors: .*JSON/i);
  });
  it('missing tensor', async () => {
    const bad = writeSafetensors({ logit_scale: { dtype: 'F32', shape: [], data: new Float32Array([1]) } });
    await expectLoadError(
      { 'config.json': config, 'model.safetensors': bad },
      /missing tensor 'text_model\.embeddings\.token_embedding\.weight'/,
    );
  });
  it('wrong shape against the config', async () => {
    const cfg = JSON.parse(config);
    cfg.text_config.hidden_size = 64;
    cfg.text_config.num_attention_heads = 4;
    await expectLoadError(
      { 'config.json': JSON.stringify(cfg), 'model.safetensors': modelBytes },
      /tensor 'text_model\.embeddings\.token_embedding\.weight' has shape \[99, 48\], the config needs \[99, 64\]/,
    );
  });
  it('unknown dtype', async () => {
    const bad = withHeader(modelBytes, (h) => (h.logit_scale.dtype = 'F7'));
    await expectLoadError({ 'config.json': config, 'model.safetensors': bad }, /tensor 'logit_scale' .*dtype/);
  });
  it('no weights file, or no config', async () => {
    await expectLoadError({ 'config.json': config }, /bad-model: no model\.safetensors .* or open_clip_model\.safetensors/);
    await expectLoadError({ 'model.safetensors': modelBytes }, /needs its config\.json/);
  });
});

describe('bad inputs', () => {
  it('are clear errors', async () => {
    const clip = await loadClip(MODEL);
    await expect(clip.encodeText([])).rejects.toThrow(/no tokenizer files|empty batch/);
    await expect(clip.encodeImage([])).rejects.toThrow(/empty batch/);
    const tooLong = Tensor.from(new Int32Array(2 * 20).fill(1), [2, 20]);
    await expect(clip.encodeText(tooLong)).rejects.toThrow(/20 tokens exceed the context of 13/);
    const badId = Tensor.from(Int32Array.from([1, 500, 98]), [1, 3]);
    await expect(clip.encodeText(badId)).rejects.toThrow(/id 500 at position 1 is outside the vocabulary of 99/);
    await expect(clip.encodeImage([new Uint8Array([1, 2, 3, 4, 5])])).rejects.toThrow(/image 0: not a PNG or JPEG image/);
    await expect(clip.encodeImage([`${FIX}nope.png`])).rejects.toThrow(/nope\.png: cannot read the image/);
    const wrongSize = Tensor.from(new Float32Array(3 * 16 * 16), [1, 3, 16, 16]);
    await expect(clip.encodeImage(wrongSize)).rejects.toThrow(/pixel_values must be \[B, 3, 30, 30\], got \[1, 3, 16, 16\]/);
    [tooLong, badId, wrongSize].forEach((t) => t.dispose());
    clip.dispose();
  });
});

describe('preprocessing', () => {
  it('matches CLIPImageProcessor (PIL bicubic, center crop, mean/std) to 8-bit rounding', async () => {
    const clip = await loadClip(MODEL);
    const expected = JSON.parse(readFileSync(`${FIX}preprocess/expected.json`, 'utf8'));
    for (const [name, c] of Object.entries(expected.cases) as [string, { pixels: number[] }][]) {
      const pixels = await clip.preprocess([`${FIX}preprocess/${name}.png`]);
      expect(pixels.shape).toEqual([1, 3, 30, 30]);
      const got = await pixels.toArray();
      // PIL resamples 8-bit images in fixed point; ours is f32 then rounded: at most one level apart
      let worst = 0;
      let mismatched = 0;
      for (let i = 0; i < got.length; i++) {
        const levels = Math.abs(got[i] - c.pixels[i]) * 255 * 0.2613;
        worst = Math.max(worst, levels);
        if (levels > 0.01) mismatched++;
      }
      expect(worst, `${name}: worst difference in 8-bit levels`).toBeLessThan(1.05);
      expect(mismatched / got.length, `${name}: share of pixels off by a level`).toBeLessThan(0.02);
      pixels.dispose();
    }
    clip.dispose();
  });
});

// Hugging Face's published example for openai/clip-vit-base-patch32: the COCO image of two cats
// (val2017/000000039769.jpg) against "a photo of a cat" / "a photo of a dog" gives [0.9949, 0.0051].
// It needs the real weights (pnpm weights fetch openai/clip-vit-base-patch32) and that image.
const realModel = process.env.CLIPGPU_REAL_CLIP;
const catsImage = process.env.CLIPGPU_COCO_CATS;
if (realModel && catsImage) {
  describe('real openai/clip-vit-base-patch32', () => {
    it("reproduces Hugging Face's published zero-shot probabilities", async () => {
      const clip = await loadClip(realModel);
      const scores = await clip.classify(catsImage, ['a photo of a cat', 'a photo of a dog']);
      expect(scores[0].label).toBe('a photo of a cat');
      expect(scores[0].score).toBeCloseTo(0.9949, 3);
      clip.dispose();
    }, 600_000);
  });
} else {
  console.warn(
    'NOT RUN: the real-weights test (set CLIPGPU_REAL_CLIP to a downloaded openai/clip-vit-base-patch32 folder and CLIPGPU_COCO_CATS to COCO val2017/000000039769.jpg)',
  );
}
