// train:tiny --init from a smaller model. From a coarser patch size: the carried-over tensors keep
// what the coarse model computed for uniform regions (colour) and where each region is (position).
// From fewer encoder layers: the new layers start as the identity, so the embeddings are unchanged.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captionOf, trainingBatch } from './data/shapes.js';
import { toChw } from './data.js';
import { loadInitWeights, resizePatches } from './train-clip.js';
import { initTinyClip, tinyConfig, type TinySize } from './tiny-clip.js';
import { ClipTokenizer, ClipModel, Weights, init, noGrad, Tensor } from '@clipgpu/clip-runtime';

const random = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.5);

describe('resizePatches', () => {
  it('a uniform-colour patch embeds the same through the 8×8 kernel and the 4×4 kernel made from it', () => {
    const [out, ch] = [5, 3];
    const w8 = random(out * ch * 64, 1);
    const w4 = resizePatches('vision_model.embeddings.patch_embedding.weight', w8, [out, ch, 8, 8], [out, ch, 4, 4]);
    expect(w4.length).toBe(out * ch * 16);
    const colour = [0.3, -1.2, 0.7];
    for (let o = 0; o < out; o++) {
      let [e8, e4] = [0, 0];
      for (let c = 0; c < ch; c++) {
        for (let k = 0; k < 64; k++) e8 += w8[(o * ch + c) * 64 + k]! * colour[c]!;
        for (let k = 0; k < 16; k++) e4 += w4[(o * ch + c) * 16 + k]! * colour[c]!;
      }
      expect(e4).toBeCloseTo(e8, 5);
    }
  });

  it('each old grid position goes to the 2×2 new positions it covered; the class token keeps its own', () => {
    const width = 4;
    const p = random(17 * width, 2); // class token + 4×4 grid
    const q = resizePatches('vision_model.embeddings.position_embedding.weight', p, [17, width], [65, width]); // + 8×8 grid
    expect([...q.subarray(0, width)]).toEqual([...p.subarray(0, width)]);
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) {
        const old = 1 + (y >> 1) * 4 + (x >> 1);
        expect([...q.subarray((1 + y * 8 + x) * width, (2 + y * 8 + x) * width)]).toEqual([...p.subarray(old * width, (old + 1) * width)]);
      }
  });

  it('refuses what it cannot carry over, naming the tensor and both shapes', () => {
    const name = 'vision_model.embeddings.patch_embedding.weight';
    expect(() => resizePatches(name, random(2 * 3 * 64, 3), [2, 3, 8, 8], [2, 3, 3, 3])).toThrow(
      /patch_embedding\.weight is \[2, 3, 8, 8\] there, \[2, 3, 3, 3\] here/,
    );
    expect(() => resizePatches('text_model.embeddings.token_embedding.weight', random(8, 4), [2, 4], [3, 4])).toThrow(/token_embedding/);
    expect(() => resizePatches('vision_model.embeddings.position_embedding.weight', random(17 * 4, 5), [17, 4], [50, 4])).toThrow(
      /\[17, 4\] there, \[50, 4\] here/,
    );
  });
});

describe('loadInitWeights', () => {
  it('a model with more encoder layers starts as the identity on top: the same image and text embeddings', async () => {
    const rt = await init();
    const size: TinySize = { imageSize: 16, patchSize: 8, width: 16, layers: 1, textLayers: 1, heads: 2, projection: 8, context: 16 };
    const dir = mkdtempSync(path.join(tmpdir(), 'clipgpu-init-'));
    try {
      const small = tinyConfig(size);
      const deep = tinyConfig({ ...size, layers: 3, textLayers: 2 });
      const from = initTinyClip(small.config, rt, 1);
      const file = path.join(dir, 'model.safetensors');
      writeFileSync(file, await from.toSafetensors());
      const to = initTinyClip(deep.config, rt, 2);
      expect((await loadInitWeights(to, file)).sort()).toEqual([
        'text_model.encoder.layers.1',
        'vision_model.encoder.layers.1',
        'vision_model.encoder.layers.2',
      ]);
      const samples = trainingBatch(3, 4, 16);
      const tok = ClipTokenizer.fromHuggingFace(small.vocab.vocab, small.vocab.merges).tokenize(
        samples.map((s) => captionOf(s.caption)),
        { contextLength: 16 },
      );
      const pixels = Tensor.from(
        toChw(
          samples.map((s) => s.rgb),
          16,
          true,
        ),
        [4, 3, 16, 16],
        { runtime: rt },
      );
      const ids = Tensor.from(tok.ids, tok.shape, { runtime: rt });
      const embed = async (p: typeof from, config: typeof small.config) => {
        const m = new ClipModel(new Weights(p.tensors), config);
        const [img, txt] = noGrad(() => [m.get_image_features(pixels), m.get_text_features(ids, tok.ids)]);
        const out = [(await img.toArray()) as Float32Array, (await txt.toArray()) as Float32Array];
        [img, txt].forEach((t) => t.dispose());
        return out;
      };
      const [a, b] = [await embed(from, small.config), await embed(to, deep.config)];
      for (const k of [0, 1]) {
        expect(a[k]!.some((v) => v !== 0)).toBe(true);
        expect(Math.max(...a[k]!.map((v, i) => Math.abs(v - b[k]![i]!)))).toBeLessThan(1e-5);
      }
      [pixels, ids].forEach((t) => t.dispose());
      from.dispose();
      // a tensor outside the encoder layers that the file lacks is an error naming it
      const other = initTinyClip(small.config, rt, 3);
      other.add('visual_projection.extra', [2], { kind: 'const', value: 1 }, () => 0);
      await expect(loadInitWeights(other, file)).rejects.toThrow(`--init ${file} has no tensor 'visual_projection.extra'`);
      [to, other].forEach((p) => p.dispose());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
