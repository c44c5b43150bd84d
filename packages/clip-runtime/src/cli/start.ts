// `clipgpu start` (`pnpm start`): a tour of the embedded default models. Classifies the sample
// images shipped in the package's assets/samples/ with clipgpu-tiny (a table of the top guesses),
// then generates "a red circle" by steering decoder-tiny's latent with CLIP (a progress bar), and
// writes the PNG.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { loadClip, type Clip } from '../clip.js';
import { DECODER_INIT_CANDIDATES, generate, generators, imageToRgb } from '../generate/index.js';
import { embeddedModelFiles } from '../io/embedded.js';
import { table } from './common.js';
import { decodeImage, encodePng } from '../io/image.js';
import { ops, tidy } from '../tensor/index.js';

export interface StartOptions {
  prompt?: string;
  steps?: number;
  /** where the PNG goes (default ./out/<prompt>.png) */
  out?: string;
  stdout?: { write(s: string): unknown };
  stderr?: { write(s: string): unknown; isTTY?: boolean };
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const SAMPLES = new URL('../../assets/samples/', import.meta.url);

/** The tiny model's zero-shot classes (colour × shape) and the backgrounds they are ensembled over. */
interface Labels {
  labels: string[];
  templates: string[];
}

async function classifySamples(clip: Clip, { labels, templates }: Labels, out: { write(s: string): unknown }): Promise<void> {
  const dir = fileURLToPath(SAMPLES);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.png')).sort();
  if (!files.length) {
    out.write(`(no sample images in ${dir})\n`);
    return;
  }
  const rows = [['image', 'best guess', 'p', 'runner-up', 'p']];
  for (const f of files) {
    const img = await decodeImage(await readFile(path.join(dir, f)), f);
    // the samples' backgrounds are coloured, and an unsaid background means a neutral one:
    // ensemble each caption over the backgrounds
    const ranked = await clip.classify(img, labels, { template: templates });
    rows.push([f, ranked[0]!.label, ranked[0]!.score.toFixed(2), ranked[1]!.label, ranked[1]!.score.toFixed(2)]);
  }
  out.write(
    `Zero-shot classification of ${files.length} sample images (${path.relative(process.cwd(), dir) || dir}) among ${labels.length} colour × shape captions (each ensembled over the backgrounds):\n\n${table(rows[0]!, rows.slice(1))}\n\n`,
  );
}

/** Runs the tour; resolves to the path of the written PNG. */
export async function runStart(opts: StartOptions = {}): Promise<string> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const prompt = opts.prompt ?? 'a red circle';
  const t0 = performance.now();
  const clip = await loadClip();
  const labels = JSON.parse(await (await embeddedModelFiles('clipgpu-tiny')).text('labels.json')) as Labels;
  stdout.write(`Loaded the embedded CLIP, clipgpu-tiny, in ${((performance.now() - t0) / 1000).toFixed(1)} s.\n\n`);
  try {
    await classifySamples(clip, labels, stdout);
    const steps = opts.steps ?? 40;
    stdout.write(`Generating "${prompt}" by optimizing decoder-tiny's latent with CLIP (${steps} steps)…\n`);
    const bar = new cliProgress.SingleBar(
      {
        format: ' {bar} {percentage}% | step {value}/{total} | loss {loss} | ETA {eta}s',
        stream: stderr as NodeJS.WritableStream,
        noTTYOutput: true,
        notTTYSchedule: 5000,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(steps, 0, { loss: '-' });
    const run = generate(clip, {
      prompts: prompt,
      generator: generators.decoder(),
      steps,
      cutn: 8,
      lr: 0.1,
      seed: 0,
      initCandidates: DECODER_INIT_CANDIDATES,
    });
    for await (const s of run) bar.update(s.step, { loss: s.loss.toFixed(4) });
    bar.stop();
    const image = run.finalImage!;
    const big = tidy(() => ops.clamp(ops.resize(image, 128, 128, { mode: 'bicubic', antialias: false }), 0, 1));
    const rgb = await imageToRgb(big);
    const ranked = await clip.classify(await imageToRgb(image), labels.labels);
    big.dispose();
    run.dispose();
    const file = opts.out ?? path.join('out', `${slug(prompt)}.png`);
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFile(file, await encodePng(rgb));
    stdout.write(
      `\nCLIP reads the result as "${ranked[0]!.label}" (p ${ranked[0]!.score.toFixed(2)}).\nWrote ${file.startsWith('/') ? file : `./${file}`}\n`,
    );
    return file;
  } finally {
    clip.dispose();
  }
}
