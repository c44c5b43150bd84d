// train:tiny --init from a coarser patch size: the carried-over tensors keep what the coarse model
// computed for uniform regions (colour) and where each region is (position).
import { describe, expect, it } from 'vitest';
import { resizePatches } from '../../packages/clip-runtime/src/train/train-clip.js';

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
    expect(() => resizePatches(name, random(2 * 3 * 64, 3), [2, 3, 8, 8], [2, 3, 3, 3])).toThrow(/patch_embedding\.weight is \[2, 3, 8, 8\] there, \[2, 3, 3, 3\] here/);
    expect(() => resizePatches('text_model.embeddings.token_embedding.weight', random(8, 4), [2, 4], [3, 4])).toThrow(/token_embedding/);
    expect(() => resizePatches('vision_model.embeddings.position_embedding.weight', random(17 * 4, 5), [17, 4], [50, 4])).toThrow(/\[17, 4\] there, \[50, 4\] here/);
  });
});
