// The embedded decoder-tiny is a pixel decoder, so it draws at any size: guided generation of
// "a red circle" at 64 px (twice the size it was trained at) still comes out red and round.
import { describe, expect, it } from 'vitest';
import { loadClip } from '../../clip.js';
import { embeddedModelFiles } from '../../io/embedded.js';
import { generate } from '../generate.js';
import { imageToRgb } from '../index.js';
import { DECODER_INIT_CANDIDATES, decoder } from './decoder.js';

/** The foreground: pixels far from the border's median colour, with its mean colour and shape. */
function foreground({ width, height, data }: { width: number; height: number; data: Uint8Array }) {
  const px = (x: number, y: number) => [0, 1, 2].map((c) => data[3 * (y * width + x) + c]! / 255);
  const border: number[][] = [];
  for (let i = 0; i < width; i++) border.push(px(i, 0), px(i, height - 1), px(0, i), px(width - 1, i));
  const median = [0, 1, 2].map((c) => border.map((p) => p[c]!).sort((a, b) => a - b)[border.length >> 1]!);
  const inside: [number, number][] = [];
  const mean = [0, 0, 0];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = px(x, y);
      if (Math.hypot(p[0]! - median[0]!, p[1]! - median[1]!, p[2]! - median[2]!) < 0.3) continue;
      inside.push([x, y]);
      p.forEach((v, c) => (mean[c]! += v));
    }
  const n = inside.length;
  const [cx, cy] = inside.reduce(([a, b], [x, y]) => [a + x / n, b + y / n], [0, 0]);
  // a disc reaches no further from its centre than the radius its area implies; a square's corners
  // reach 1.25× that, a triangle's further
  const reach = Math.max(...inside.map(([x, y]) => Math.hypot(x - cx, y - cy))) / Math.sqrt(n / Math.PI);
  return { share: n / (width * height), color: mean.map((v) => v / n), reach };
}

describe('decoder-tiny at 64 px', () => {
  it('guided "a red circle" comes out red and round, and CLIP reads it so', async () => {
    const clip = await loadClip();
    const labels = JSON.parse(await (await embeddedModelFiles('clipgpu-tiny')).text('labels.json')).labels as string[];
    const run = generate(clip, {
      prompts: 'a red circle',
      generator: decoder({ size: 64 }),
      steps: 40,
      cutn: 8,
      lr: 0.1,
      seed: 0,
      initCandidates: DECODER_INIT_CANDIDATES,
    });
    for await (const _ of run);
    const image = run.finalImage!;
    expect(image.shape).toEqual([1, 3, 64, 64]);
    const rgb = await imageToRgb(image);
    const fg = foreground(rgb);
    const ranked = await clip.classify(rgb, labels);
    run.dispose();
    clip.dispose();
    const [r, g, b] = fg.color;
    expect(fg.share, 'the shape covers part of the image').toBeGreaterThan(0.03);
    expect(fg.share).toBeLessThan(0.8);
    expect(r! > 0.5 && g! < 0.35 && b! < 0.35, `the shape's colour is red: ${fg.color.map((v) => v.toFixed(2))}`).toBe(true);
    expect(fg.reach, 'round: no corner reaches past the radius its area implies').toBeLessThan(1.15);
    expect(ranked[0]!.label).toBe('a red circle');
  });
});
