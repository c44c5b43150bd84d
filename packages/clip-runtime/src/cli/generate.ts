// clipgpu generate "PROMPT" [--model DIR] [--generator pixels|fourier|siren|decoder[:FILE]] [--size 224]
//   [--steps 300] [--cutn 16] [--lr 0.05] [--seed 0] [--out out.png] [--save-every K] [--log run.jsonl] ...
// A progress bar on a terminal (step, loss, it/s, ETA); the final PNG; frames every K steps
// (out-0050.png …); a JSON-lines log of each step's losses. Ctrl-C stops after the current step and
// still writes the latest image (a second Ctrl-C quits at once). Bad input: UsageError (exit 2).
import { appendFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import cliProgress from 'cli-progress';
import { encodePng } from '../io/image.js';
import {
  generate,
  generators,
  imageToRgb,
  parsePrompts,
  readDecoderWeights,
  type GenerationRun,
  type GeneratorFactory,
  type GenerateState,
  type PromptInput,
} from '../generate/index.js';
import { loadModel, parse, UsageError } from './common.js';

const USAGE =
  'clipgpu generate "PROMPT[:W][|PROMPT:W…]" [--model DIR] [--generator pixels|fourier|siren|decoder[:FILE]] [--size 224] [--steps 300] ' +
  '[--cutn 16] [--cut-pow 1] [--min-cut PX] [--lr 0.05] [--schedule constant|cosine] [--loss spherical|cosine] [--tv W] [--seed 0] [--init-candidates N] ' +
  '[--image-prompt FILE[:W]] [--no-augment] [--out out.png] [--save-every K] [--log run.jsonl] [--dtype f32|f16]';

export interface GenerateCliIo {
  /** where the summary goes (default process.stdout) */
  stdout?: { write(s: string): unknown };
  /** where progress and notices go (default process.stderr) */
  stderr?: { write(s: string): unknown; isTTY?: boolean };
  /** called after each step (tests) */
  onStep?: (s: GenerateState) => void;
}

function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(v.trim()) || Number(v) < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return Number(v);
}

function float(name: string, v: string | undefined, ok: (x: number) => boolean, what: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !ok(x)) throw new UsageError(`--${name} must be ${what}, got '${v}'`);
  return x;
}

/** --size without a value, for the generators that have no size of their own */
const DEFAULT_SIZE = 224;

/** The generator; `size` is --size, given or not (a decoder's default is its weights'). */
async function generatorFrom(spec: string, size: number | undefined): Promise<GeneratorFactory> {
  const [name, ...rest] = spec.split(':');
  const file = rest.join(':');
  if (name === 'decoder') {
    if (!file) return generators.decoder({ size }); // the embedded decoder-tiny
    if (!existsSync(file)) throw new UsageError(`--generator decoder: no such file '${file}'`);
    const weights = await readDecoderWeights(file);
    if (size === undefined) return generators.decoder(weights);
    try {
      return generators.decoder(weights, { size });
    } catch (e) {
      // a conv decoder's weights fix its size; a pixel decoder draws at any
      throw new UsageError(
        `--size does not apply to a decoder whose weights fix the size: ${(e as Error).message.replace(/^decoder: /, '')}`,
      );
    }
  }
  if (file) throw new UsageError(`--generator ${name} takes no file`);
  if (name === 'pixels' || name === 'fourier' || name === 'siren') return generators[name]({ size: size ?? DEFAULT_SIZE });
  throw new UsageError(`unknown generator '${spec}' (pixels, fourier, siren, decoder or decoder:FILE)`);
}

/** out.png → out-0050.png */
export function framePath(out: string, step: number, steps: number): string {
  const ext = extname(out);
  const digits = Math.max(4, String(steps).length);
  return `${ext ? out.slice(0, -ext.length) : out}-${String(step).padStart(digits, '0')}${ext || '.png'}`;
}

function checkWritableDir(option: string, path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--${option}: the folder '${dir}' does not exist`);
}

export async function runGenerateCli(argv: string[], io: GenerateCliIo = {}): Promise<void> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const { values: v, positionals } = parse(
    argv,
    {
      model: { type: 'string' },
      generator: { type: 'string' },
      size: { type: 'string' },
      steps: { type: 'string' },
      cutn: { type: 'string' },
      'cut-pow': { type: 'string' },
      'min-cut': { type: 'string' },
      lr: { type: 'string' },
      schedule: { type: 'string' },
      loss: { type: 'string' },
      tv: { type: 'string' },
      seed: { type: 'string' },
      'image-prompt': { type: 'string', multiple: true },
      'no-augment': { type: 'boolean' },
      out: { type: 'string' },
      'save-every': { type: 'string' },
      log: { type: 'string' },
      dtype: { type: 'string' },
      quiet: { type: 'boolean' },
      'init-candidates': { type: 'string' },
    },
    USAGE,
  );

  // ---- everything checked before the model is loaded
  let prompts: PromptInput[];
  try {
    prompts = positionals.flatMap((p) => parsePrompts(p));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  for (const spec of v['image-prompt'] ?? []) {
    const m = /^(.*?)(?::([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?))?$/i.exec(spec)!;
    if (!existsSync(m[1])) throw new UsageError(`--image-prompt: no such file '${m[1]}'`);
    prompts.push({ image: m[1], weight: m[2] === undefined ? 1 : Number(m[2]) });
  }
  if (!prompts.length) throw new UsageError(`give a prompt\nusage: ${USAGE}`);
  const given = int('size', v.size, 1);
  const size = given ?? DEFAULT_SIZE;
  const steps = int('steps', v.steps, 1) ?? 300;
  const saveEvery = int('save-every', v['save-every'], 1);
  const opts = {
    steps,
    size,
    cutn: int('cutn', v.cutn, 1),
    cutPow: float('cut-pow', v['cut-pow'], (x) => x > 0, 'a number > 0'),
    minCutSize: int('min-cut', v['min-cut'], 1),
    lr: float('lr', v.lr, (x) => x >= 0, 'a number ≥ 0'),
    tvWeight: float('tv', v.tv, (x) => x >= 0, 'a number ≥ 0'),
    seed: int('seed', v.seed, 0),
    initCandidates: int('init-candidates', v['init-candidates'], 1),
  };
  if (v.schedule !== undefined && v.schedule !== 'constant' && v.schedule !== 'cosine')
    throw new UsageError(`--schedule must be constant or cosine, got '${v.schedule}'`);
  if (v.loss !== undefined && v.loss !== 'spherical' && v.loss !== 'cosine')
    throw new UsageError(`--loss must be spherical or cosine, got '${v.loss}'`);
  const generator = await generatorFrom(v.generator ?? 'fourier', given);
  const out = v.out ?? 'out.png';
  checkWritableDir('out', out);
  if (v.log) checkWritableDir('log', v.log);

  const clip = await loadModel(v.model, v.dtype);
  let run: GenerationRun | undefined;
  try {
    try {
      run = generate(clip, {
        prompts,
        generator,
        ...opts,
        schedule: v.schedule as 'constant' | 'cosine' | undefined,
        loss: v.loss as 'spherical' | 'cosine' | undefined,
        augment: v['no-augment'] ? false : undefined,
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (v.log) writeFileSync(v.log, '');
    const bar =
      stderr.isTTY && !v.quiet
        ? new cliProgress.SingleBar(
            {
              format: 'step {value}/{total} {bar} loss {loss} | {speed} it/s | ETA {eta_formatted}',
              stream: stderr as NodeJS.WritableStream,
              hideCursor: true,
              etaBuffer: 20,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
    const every = Math.max(1, Math.floor(steps / 20));
    const interrupt = () => {
      if (run!.stopped) process.exit(130);
      run!.stop();
      stderr.write('\nstopping after this step (Ctrl-C again to quit now)\n');
    };
    process.on('SIGINT', interrupt);
    let last: GenerateState | undefined;
    try {
      bar?.start(steps, 0, { loss: '-', speed: '-' });
      for await (const s of run) {
        last = s;
        const speed = s.step / Math.max(s.elapsedMs / 1000, 1e-9);
        if (bar) bar.update(s.step, { loss: s.loss.toFixed(4), speed: speed.toFixed(2) });
        else if (!v.quiet && (s.step % every === 0 || s.step === steps || s.step === 1))
          stderr.write(`step ${s.step}/${steps} loss ${s.loss.toFixed(4)} ${speed.toFixed(2)} it/s\n`);
        if (v.log)
          appendFileSync(
            v.log,
            `${JSON.stringify({
              step: s.step,
              loss: s.loss,
              losses: s.labels.map((prompt, i) => ({ prompt, weight: prompts[i].weight ?? 1, loss: s.losses[i] })),
              ...(s.tv !== undefined ? { tv: s.tv } : {}),
              lr: s.lr,
              elapsed_s: s.elapsedMs / 1000,
            })}\n`,
          );
        if (saveEvery && s.step % saveEvery === 0)
          await writeFile(framePath(out, s.step, steps), await encodePng(await imageToRgb(s.image)));
        io.onStep?.(s);
      }
    } finally {
      bar?.stop();
      process.off('SIGINT', interrupt);
    }
    if (!run.finalImage || !last) throw new Error('no step was run');
    await writeFile(out, await encodePng(await imageToRgb(run.finalImage)));
    const secs = last.elapsedMs / 1000;
    stdout.write(
      `${run.stopped ? 'stopped at' : 'finished'} step ${last.step}/${steps}, loss ${last.loss.toFixed(4)}, ${secs.toFixed(1)} s: wrote ${out}\n`,
    );
  } finally {
    run?.dispose();
    clip.dispose();
  }
}
