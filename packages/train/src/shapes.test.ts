// The procedural shapes dataset and the tiny BPE vocabulary (no GPU).
import { describe, expect, it } from 'vitest';
import {
  captionMatches,
  captionOf,
  colorShapeClasses,
  contrastiveBatch,
  NEUTRAL_BACKGROUNDS,
  rasterize,
  shapeMask,
  trainingBatch,
  WORDS,
} from './data/shapes.js';
import { evalSet, rasterizeEval } from './data/shapes-eval.js';
import { buildVocab } from './vocab.js';
import { ClipTokenizer } from '@clipgpu/clip-runtime';
import { mulberry32 } from '@clipgpu/clip-runtime/internals';

describe('shapes dataset', () => {
  it('is deterministic from its seed and never draws the shape in the background colour', () => {
    const a = trainingBatch(7, 50);
    const b = trainingBatch(7, 50);
    expect(a.map((s) => s.text)).toEqual(b.map((s) => s.text));
    expect(Buffer.from(a[3]!.rgb).equals(Buffer.from(b[3]!.rgb))).toBe(true);
    for (const s of [...a, ...trainingBatch(8, 200)]) {
      expect(s.spec.background).not.toBe(s.spec.color);
      expect(captionMatches(s.caption, s.spec)).toBe(true);
    }
  });

  it('leaves a background unsaid only when it is neutral, and reads an unsaid one as neutral', () => {
    const samples = trainingBatch(9, 300);
    const unsaid = samples.filter((s) => !s.caption.background);
    expect(unsaid.length).toBeGreaterThan(10);
    for (const s of unsaid) expect(NEUTRAL_BACKGROUNDS).toContain(s.spec.background);
    const redCircle = { shape: 'circle', color: 'red', size: 'large', position: 'center' } as const;
    expect(captionMatches({ shape: 'circle', color: 'red' }, { ...redCircle, background: 'white' })).toBe(true);
    expect(captionMatches({ shape: 'circle', color: 'red' }, { ...redCircle, background: 'purple' })).toBe(false);
    expect(captionMatches({ shape: 'circle', color: 'red', background: 'purple' }, { ...redCircle, background: 'purple' })).toBe(true);
  });

  it('contrastive batches come in groups that differ in exactly one attribute', () => {
    const batch = contrastiveBatch(3, 128, 32, 4);
    expect(batch).toHaveLength(128);
    expect(contrastiveBatch(3, 128, 32, 4).map((s) => s.text)).toEqual(batch.map((s) => s.text));
    const keys = ['shape', 'color', 'background', 'size', 'position'] as const;
    const differ = (a: (typeof batch)[number], b: (typeof batch)[number]) => keys.filter((k) => a.spec[k] !== b.spec[k]);
    // split the batch into its groups (size has only two values: its groups hold two images): a
    // group runs on while each image differs from the group's first in the one attribute the second does
    let grouped = 0;
    for (let g = 0; g < batch.length; ) {
      const first = differ(batch[g]!, batch[g + 1] ?? batch[g]!);
      let end = g + 1;
      while (end < Math.min(g + 4, batch.length) && first.length === 1 && differ(batch[g]!, batch[end]!).join() === first.join()) end++;
      const group = batch.slice(g, end);
      if (group.length > 1) {
        grouped += group.length;
        // the attribute that tells the group apart is said; captions repeat only where both are
        // true of both images (two neutral backgrounds left unsaid)
        for (const a of group) for (const b of group) if (a.text === b.text) expect(captionMatches(a.caption, b.spec)).toBe(true);
      }
      g = end;
    }
    for (const s of batch) {
      expect(s.spec.background).not.toBe(s.spec.color);
      expect(captionMatches(s.caption, s.spec)).toBe(true);
    }
    expect(grouped).toBeGreaterThan(0.9 * batch.length);
  });

  it('contrastive batches vary only the attributes asked for', () => {
    const batch = contrastiveBatch(5, 40, 32, 5, ['position']);
    for (let g = 0; g < 40; g += 5) {
      const group = batch.slice(g, g + 5);
      expect(new Set(group.map((s) => s.spec.position)).size).toBe(5);
      for (const k of ['shape', 'color', 'background', 'size'] as const) expect(new Set(group.map((s) => s.spec[k])).size).toBe(1);
      expect(group.every((s) => s.caption.position === s.spec.position)).toBe(true);
    }
  });

  it('draws stars thin and fat: their pixel count varies beyond what their size explains', () => {
    // a point on an inner vertex's ray, half-way out: inside a fat star only
    const [u, v] = [0.5 * Math.cos(-Math.PI / 2 + Math.PI / 5), 0.5 * Math.sin(-Math.PI / 2 + Math.PI / 5)];
    expect(shapeMask('star', 0, 0.6)(u, v)).toBe(true);
    expect(shapeMask('star', 0, 0.4)(u, v)).toBe(false);
    // large stars on a plain background: the share of shape pixels per image, against the radius²
    const stars = trainingBatch(5, 1500).filter((s) => s.spec.shape === 'star' && s.spec.size === 'large');
    const cover = stars.map((s) => {
      let n = 0;
      for (let i = 0; i < s.rgb.length; i += 3)
        if (Math.abs(s.rgb[i]! - s.rgb[0]!) + Math.abs(s.rgb[i + 1]! - s.rgb[1]!) + Math.abs(s.rgb[i + 2]! - s.rgb[2]!) > 60) n++;
      return n;
    });
    expect(stars.length).toBeGreaterThan(10);
    // radii 0.27–0.32 of the side alone change the area by 1.4×; thin to fat stars add ~1.4× more
    expect(Math.max(...cover) / Math.min(...cover)).toBeGreaterThan(1.7); // one fixed star ratio: 1.44 (measured)
  });

  it('speaks the grammar', () => {
    expect(captionOf({ shape: 'circle', color: 'red' })).toBe('a red circle');
    expect(captionOf({ shape: 'star', color: 'orange', size: 'large', position: 'top left' })).toBe('a large orange star at the top left');
    expect(captionOf({ shape: 'ring', color: 'orange', position: 'center', background: 'blue' })).toBe(
      'an orange ring in the center on a blue background',
    );
    expect(colorShapeClasses()).toHaveLength(40);
  });

  it('the evaluation rasterizer anti-aliases (intermediate colours at edges); training does for half its images', () => {
    const spec = { shape: 'circle', color: 'white', background: 'black', size: 'large', position: 'center' } as const;
    const count = (rgb: Uint8Array) => new Set(Array.from({ length: rgb.length / 3 }, (_, i) => rgb[3 * i]! >> 4)).size;
    expect(count(rasterizeEval(spec, mulberry32(1)))).toBeGreaterThan(6);
    const smooth = Array.from({ length: 40 }, (_, seed) => count(rasterize(spec, mulberry32(seed))) > 6);
    expect(smooth.filter(Boolean).length).toBeGreaterThan(10);
    expect(smooth.filter((s) => !s).length).toBeGreaterThan(10);
    expect(
      evalSet(80)
        .map((e) => `${e.spec.color} ${e.spec.shape}`)
        .filter((v, i, all) => all.indexOf(v) === i),
    ).toHaveLength(40);
  });

  it('the tiny vocabulary makes every word of the grammar one token, end token last', () => {
    const v = buildVocab(WORDS);
    const tok = ClipTokenizer.fromHuggingFace(v.vocab, v.merges);
    // one word's merges can cut into another's (BPE applies the lowest-ranked pair first); the
    // builder appends merges that join the leftover pieces
    expect(WORDS.filter((w) => tok.encode(w).length !== 1)).toEqual([]);
    expect(tok.encode('a large purple triangle at the bottom right on an orange background')).toHaveLength(12);
    for (const w of WORDS) expect(tok.decode(tok.encode(w))).toBe(`${w} `);
    expect(tok.endToken).toBe(v.size - 1);
    expect(tok.decode(tok.encode('a small red circle at the top left'))).toBe('a small red circle at the top left ');
  });
});
