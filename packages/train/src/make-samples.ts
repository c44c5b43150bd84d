// Draws the sample images of `pnpm start` (packages/clip-runtime/assets/samples/*.png) with the evaluation
// rasterizer, at 128 px (CLIP's preprocessing brings them down to the model's 32 px).
//   node scripts/run-ts.mjs packages/train/src/make-samples.ts [--out packages/clip-runtime/assets/samples]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ShapeSpec } from './data/shapes.js';
import { rasterizeEval } from './data/shapes-eval.js';
import { encodePng } from '@clipgpu/clip-runtime';
import { mulberry32 } from '@clipgpu/clip-runtime/internals';

export const SAMPLE_SPECS: ShapeSpec[] = [
  { shape: 'circle', color: 'red', background: 'white', size: 'large', position: 'center' },
  { shape: 'star', color: 'yellow', background: 'blue', size: 'large', position: 'center' },
  { shape: 'triangle', color: 'green', background: 'black', size: 'large', position: 'top left' },
  { shape: 'square', color: 'purple', background: 'yellow', size: 'small', position: 'bottom right' },
  { shape: 'ring', color: 'orange', background: 'green', size: 'large', position: 'center' },
  { shape: 'circle', color: 'blue', background: 'orange', size: 'small', position: 'top right' },
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'packages/clip-runtime/assets/samples' }, size: { type: 'string', default: '128' } },
  });
  const size = Number(values.size);
  await mkdir(values.out!, { recursive: true });
  for (const [i, spec] of SAMPLE_SPECS.entries()) {
    const file = path.join(values.out!, `${i + 1}-${spec.color}-${spec.shape}.png`);
    await writeFile(file, await encodePng({ width: size, height: size, data: rasterizeEval(spec, mulberry32(100 + i), size) }));
    console.log(`wrote ${file}`);
  }
}

if (process.env.CLIPGPU_MAIN === 'make-samples') await main();
