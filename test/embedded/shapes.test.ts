// The procedural shapes dataset and the tiny BPE vocabulary (no GPU).
import { describe, expect, it } from 'vitest';
import { captionMatches, captionOf, colorShapeClasses, contrastiveBatch, NEUTRAL_BACKGROUNDS, trainingBatch, WORDS } from '../../packages/clip-runtime/src/data/shapes.js';
import { evalSet, rasterizeEval } from '../../packages/clip-runtime/src/data/shapes-eval.js';
import { mulberry32 } from '../../packages/clip-runtime/src/generate/random.js';
import { ClipTokenizer } from '../../packages/clip-runtime/src/io/tokenizer.js';
import { buildVocab } from '../../packages/clip-runtime/src/train/vocab.js';

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
    let varied = 0;
    for (let g = 0; g + 4 <= 128; g += 4) {
      const group = batch.slice(g, g + 4);
      // size has only two values: its groups hold two images, and the next group starts early
      const differing = keys.filter((k) => new Set(group.map((s) => s.spec[k])).size > 1);
      if (differing.length === 1) {
        varied++;
        // the attribute that tells the group apart is said; captions repeat only where both are
        // true of both images (two neutral backgrounds left unsaid)
        for (const a of group) for (const b of group) if (a.text === b.text) expect(captionMatches(a.caption, b.spec)).toBe(true);
      }
      for (const s of group) {
        expect(s.spec.background).not.toBe(s.spec.color);
        expect(captionMatches(s.caption, s.spec)).toBe(true);
      }
    }
    expect(varied).toBeGreaterThan(16);
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

  it('speaks the grammar', () => {
    expect(captionOf({ shape: 'circle', color: 'red' })).toBe('a red circle');
    expect(captionOf({ shape: 'star', color: 'orange', size: 'large', position: 'top left' })).toBe('a large orange star at the top left');
    expect(captionOf({ shape: 'ring', color: 'orange', position: 'center', background: 'blue' })).toBe('an orange ring in the center on a blue background');
    expect(colorShapeClasses()).toHaveLength(40);
  });

  it('the evaluation rasterizer anti-aliases (intermediate colours at edges) where training does not', () => {
    const spec = { shape: 'circle', color: 'white', background: 'black', size: 'large', position: 'center' } as const;
    const count = (rgb: Uint8Array) => new Set(Array.from({ length: rgb.length / 3 }, (_, i) => rgb[3 * i]! >> 4)).size;
    expect(count(rasterizeEval(spec, mulberry32(1)))).toBeGreaterThan(6);
    expect(evalSet(80).map((e) => `${e.spec.color} ${e.spec.shape}`).filter((v, i, all) => all.indexOf(v) === i)).toHaveLength(40);
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
