// pnpm eval:tiny: the quality numbers of the embedded models (see eval-tiny.ts for definitions).
//   node scripts/run-ts.mjs packages/train/src/eval-main.ts [--model DIR] [--decoder FILE] [--n 400]
//     [--no-generation] [--rasterizer eval|train] [--steps 100] [--seed 0] [--init-candidates N (decoder)]
//     [--samples grid.png (32 of decoder-tiny's samples beside the images their latents name)]
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SHAPES } from './data/shapes.js';
import { RENDER_LATENT_DIM } from './decoder-targets.js';
import { evaluateClassification, evaluateDecoderSamples, evaluateGeneration } from './eval-tiny.js';
import { loadClip, embeddedModelPath, readDecoderWeights, encodePng } from '@clipgpu/clip-runtime';
import { chwGrid } from '@clipgpu/clip-runtime/internals';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      decoder: { type: 'string' },
      n: { type: 'string', default: '400' },
      'no-generation': { type: 'boolean', default: false },
      rasterizer: { type: 'string', default: 'eval' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      'init-candidates': { type: 'string' },
      samples: { type: 'string' },
    },
  });
  const modelDir = values.model ?? (await embeddedModelPath('clipgpu-tiny'));
  const t0 = performance.now();
  const clip = await loadClip(modelDir);
  const rasterizer = values.rasterizer === 'train' ? 'train' : 'eval';
  const c = await evaluateClassification(clip, { n: Number(values.n), rasterizer });
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(
    rasterizer === 'eval'
      ? `held-out images (evaluation rasterizer): ${c.images}`
      : `images from the TRAINING rasterizer (a diagnostic): ${c.images}`,
  );
  console.log(`  colour × shape zero-shot top-1 (40 classes):           ${pct(c.colorShape)}   (target ≥ 95%)`);
  console.log(
    `    of which the colour is right: ${pct(c.color)}, the shape: ${pct(c.shape)} (small shapes ${pct(c.shapeBySize.small)}, large ${pct(c.shapeBySize.large)})`,
  );
  console.log(`    shape confusions (rows: true, columns: predicted): ${SHAPES.join(', ')}`);
  c.shapeConfusion.forEach((row, i) => console.log(`      ${SHAPES[i]!.padEnd(9)} ${row.map((x) => String(x).padStart(4)).join('')}`));
  console.log(`  colour × shape, prompts ensembled over backgrounds:    ${pct(c.colorShapeEnsembled)}`);
  console.log(`  position top-1 among the 5 captions of the true class: ${pct(c.position)}   (target ≥ 90%)`);
  console.log(`  position top-1 among all 200 colour×shape×position:    ${pct(c.positionAll)}`);
  const decoderFile = values.decoder ?? `${await embeddedModelPath('decoder-tiny')}/decoder.safetensors`;
  const decoderWeights = await readDecoderWeights(decoderFile);
  const { architecture } = decoderWeights;
  if (architecture.latent_dim === RENDER_LATENT_DIM) {
    const d = await evaluateDecoderSamples(clip, decoderWeights);
    console.log(
      `  decoder, ${d.samples} random latents: CLIP's top colour × shape is the latent's in ${pct(d.named)} (colour ${pct(d.color)}, shape ${pct(d.shape)}); pixel error ${d.pixelError.toFixed(1)}/255`,
    );
    console.log(
      `    the same for the images the latents name: ${pct(d.targets.named)} (colour ${pct(d.targets.color)}, shape ${pct(d.targets.shape)})`,
    );
    if (values.samples) {
      // rows of 16: decoded, then what the same latents name, twice
      const plane = 3 * d.size * d.size;
      const rows = [0, 16].flatMap((at) => [d.images, d.targetImages].map((batch) => batch.subarray(at * plane, (at + 16) * plane)));
      const grid = new Float32Array(rows.length * 16 * plane);
      rows.forEach((row, i) => grid.set(row, i * 16 * plane));
      await writeFile(values.samples, await encodePng(chwGrid(grid, rows.length * 16, d.size, 16, 2)));
      console.log(`    wrote 32 samples (rows: decoded, then the images their latents name) to ${values.samples}`);
    }
  } else console.log(`  decoder samples: not measured (latent ${architecture.latent_dim}: not a render-objective decoder)`);
  if (!values['no-generation']) {
    for (const kind of ['decoder', 'fourier'] as const) {
      const g = await evaluateGeneration(clip, kind, {
        decoderWeights: decoderFile,
        steps: values.steps ? Number(values.steps) : undefined,
        seed: values.seed ? Number(values.seed) : undefined,
        initCandidates: values['init-candidates'] ? Number(values['init-candidates']) : undefined,
      });
      console.log(
        `  generate("a red circle") with ${kind} (${g.steps} steps, ${g.size.join('×')} px, ${g.seconds.toFixed(0)} s): rank ${g.rank} of 40 (top: "${g.top}"), dominant hue ${g.hue}° ${g.red ? '(red)' : '(NOT red)'}`,
      );
    }
  }
  console.log(`evaluated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  clip.dispose();
  process.exit(0);
}

if (process.env.CLIPGPU_MAIN === 'eval-main') await main();
