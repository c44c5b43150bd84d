// Trains clipgpu-tiny contrastively on the procedural shapes with the runtime's own forward and
// backward kernels (weight gradients included) and AdamW, then writes it in Hugging Face's layout.
//   node scripts/run-ts.mjs packages/train/src/train-clip.ts [--steps N] [--batch B] [--out DIR]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { captionMatches, contrastiveBatch, trainingBatch, VARIED, type VariedAttribute } from './data/shapes.js';
import { toChw } from './data.js';
import { contrastiveLoss } from './losses.js';
import { matricesOnly, type ParamSet } from './params.js';
import { logProfile, startStepProfile } from './profile.js';
import { DEFAULT_TINY, initTinyClip, tinyConfig, type TinySize } from './tiny-clip.js';
import {
  fileSource,
  readHeader,
  readTensorF32,
  ClipTokenizer,
  ClipModel,
  Weights,
  init,
  noGrad,
  Tensor,
  tidy,
  Adam,
  warmupCosine,
} from '@clipgpu/clip-runtime';

export interface TrainClipOptions {
  steps: number;
  batch: number;
  lr: number;
  seed: number;
  out: string;
  size: TinySize;
  /** stop after this many minutes (the schedule follows the larger of step and time progress) */
  minutes?: number;
  /** start from this model.safetensors (same config) instead of a fresh initialisation */
  init?: string;
  /** multiply the vision position embeddings by this after loading (default 1) */
  scalePositions?: number;
  /** batches of groups of this many images differing in one attribute (hard negatives); 1: independent images */
  group?: number;
  /** the attributes hard-negative groups vary, repeats weigh (default: shapes.ts VARIED) */
  vary?: VariedAttribute[];
  /** save every this many steps (default 100) */
  saveEvery?: number;
  log?: (line: string) => void;
}

export async function saveTinyClip(
  dir: string,
  params: ParamSet,
  json: Record<string, unknown>,
  vocab: { vocab: Record<string, number>; merges: string },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'config.json'), `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(path.join(dir, 'vocab.json'), JSON.stringify(vocab.vocab));
  await writeFile(path.join(dir, 'merges.txt'), vocab.merges);
  await writeFile(
    path.join(dir, 'model.safetensors'),
    await params.toSafetensors({ metadata: { format: 'pt', trainer: 'clipgpu train-clip' } }),
  );
}

/**
 * Carries a vision model's patch tensors over to a smaller patch size that divides the old one, so
 * a finer model starts from a trained coarse one: each patch kernel becomes the sum of its p×p
 * sub-kernels (a uniform-colour patch embeds exactly as before) and each old grid position's
 * embedding goes to the p×p new positions it covered (duplicated tokens leave attention unchanged).
 */
export function resizePatches(name: string, data: Float32Array, from: readonly number[], to: readonly number[]): Float32Array {
  const fail = () =>
    new Error(
      `--init: ${name} is [${from.join(', ')}] there, [${to.join(', ')}] here; only a finer patch size (dividing the old one) can be carried over`,
    );
  if (name.endsWith('patch_embedding.weight')) {
    const [o, c, k] = from as [number, number, number];
    const kNew = to[2]!;
    if (to[0] !== o || to[1] !== c || k % kNew !== 0) throw fail();
    const out = new Float32Array(o * c * kNew * kNew);
    for (let oc = 0; oc < o * c; oc++)
      for (let y = 0; y < k; y++)
        for (let x = 0; x < k; x++) out[oc * kNew * kNew + (y % kNew) * kNew + (x % kNew)]! += data[oc * k * k + y * k + x]!;
    return out;
  }
  if (name.endsWith('position_embedding.weight') && name.startsWith('vision_model')) {
    const [n, width] = from as [number, number];
    const g = Math.round(Math.sqrt(n - 1));
    const gNew = Math.round(Math.sqrt(to[0]! - 1));
    if (to[1] !== width || g * g !== n - 1 || gNew % g !== 0) throw fail();
    const out = new Float32Array(to[0]! * width);
    out.set(data.subarray(0, width)); // the class token's
    const f = gNew / g;
    for (let y = 0; y < gNew; y++)
      for (let x = 0; x < gNew; x++) {
        const old = 1 + Math.floor(y / f) * g + Math.floor(x / f);
        out.set(data.subarray(old * width, (old + 1) * width), (1 + y * gNew + x) * width);
      }
    return out;
  }
  throw fail();
}

/** An encoder layer's tensor: [tower, layer index]. */
const LAYER_TENSOR = /^(vision_model|text_model)\.encoder\.layers\.(\d+)\./;

/**
 * Loads an --init model.safetensors into `params`: the same tensors, a coarser patch
 * (resizePatches), or fewer encoder layers. A layer the file lacks starts as the identity: its
 * out_proj and fc2 are zero, so both residual branches add nothing (its other weights keep their
 * random start, and get gradients once those two move), and the deeper model computes what the
 * shallower one did. Returns the new layers, e.g. ['vision_model.encoder.layers.2'].
 */
export async function loadInitWeights(params: ParamSet, file: string): Promise<string[]> {
  const src = await fileSource(file);
  const grown = new Set<string>();
  try {
    const header = await readHeader(src);
    for (const [name, t] of [...params.tensors]) {
      const from = header.tensors.get(name)?.shape;
      if (!from) {
        const layer = LAYER_TENSOR.exec(name);
        if (!layer) throw new Error(`train-clip: --init ${file} has no tensor '${name}'`);
        grown.add(`${layer[1]}.encoder.layers.${layer[2]}`);
        if (/\.(out_proj|fc2)\.(weight|bias)$/.test(name)) params.set(name, new Float32Array(t.size), [...t.shape]);
        continue;
      }
      const data = await readTensorF32(src, header, name);
      params.set(name, from.join() === t.shape.join() ? data : resizePatches(name, data, from, [...t.shape]), [...t.shape]);
    }
  } finally {
    await src.close();
  }
  return [...grown];
}

export async function trainClip(o: TrainClipOptions): Promise<{ seconds: number; loss: number }> {
  const log = o.log ?? console.log;
  const rt = await init();
  const { json, config, vocab } = tinyConfig(o.size);
  const tokenizer = ClipTokenizer.fromHuggingFace(vocab.vocab, vocab.merges);
  const params = initTinyClip(config, rt, o.seed);
  if (o.init) {
    const grown = await loadInitWeights(params, o.init);
    log(`continuing from ${o.init}${grown.length ? ` (new identity layers: ${grown.join(', ')})` : ''}`);
  }
  if (o.scalePositions && o.scalePositions !== 1) {
    // make position visible next to the patch content, which is ~10× larger after training on colour
    const name = 'vision_model.embeddings.position_embedding.weight';
    const t = params.tensors.get(name)!;
    params.set(
      name,
      Float32Array.from((await t.toArray()) as Float32Array, (x) => x * o.scalePositions!),
      [...t.shape],
    );
    log(`vision position embeddings scaled by ${o.scalePositions}`);
  }
  // composed attention: the fused backward kernel is slower at the tiny model's shapes on
  // SwiftShader; the weights are the same either way
  const model = new ClipModel(new Weights(params.tensors), config, { attnImplementation: 'composed' });
  const opt = new Adam(params.list, { beta1: 0.9, beta2: 0.98, weightDecay: 0.1, decays: matricesOnly });
  const S = config.vision_config.image_size;
  log(`clipgpu-tiny: ${params.count} parameters, vocab ${vocab.size}, ${S}px, batch ${o.batch}, ${o.steps} steps`);
  const t0 = performance.now();
  let avg = NaN;
  const budget = (o.minutes ?? Infinity) * 60_000;
  let stop = false;
  for (let step = 0; step < o.steps && !stop; step++) {
    const batchSeed = o.seed * 1_000_003 + step;
    const samples =
      o.group && o.group > 1 ? contrastiveBatch(batchSeed, o.batch, S, o.group, o.vary) : trainingBatch(batchSeed, o.batch, S);
    const tok = tokenizer.tokenize(
      samples.map((s) => s.text),
      { contextLength: config.text_config.max_position_embeddings },
    );
    const match = samples.map((a) => samples.map((b) => captionMatches(b.caption, a.spec)));
    const pixels = Tensor.from(
      toChw(
        samples.map((s) => s.rgb),
        S,
        true,
      ),
      [o.batch, 3, S, S],
      { runtime: rt },
    );
    const ids = Tensor.from(tok.ids, tok.shape, { runtime: rt });
    const profiling = startStepProfile(rt, step);
    const loss = tidy(() =>
      contrastiveLoss(model.get_image_features(pixels), model.get_text_features(ids, tok.ids), model.logit_scale, match),
    );
    const tf = performance.now();
    await rt.gpu.sync();
    const tb = performance.now();
    await loss.backward();
    const ts = performance.now();
    // progress by steps or by time, whichever is further: the run fits its time budget
    const progress = Math.max(step / o.steps, (performance.now() - t0) / budget);
    const lr = warmupCosine(Math.min(progress, 1) * o.steps, o.steps, o.lr, 0.03 * o.steps); // warm-up: the first 3%
    stop = progress >= 1;
    opt.step(lr);
    params.zeroGrad();
    if (profiling) logProfile(await rt.gpu.profileReport(), log);
    const value = await loss.item();
    if (process.env.CLIPGPU_PROFILE)
      log(`forward ${(tb - tf).toFixed(0)} ms, backward ${(ts - tb).toFixed(0)} ms, step ${(performance.now() - ts).toFixed(0)} ms`);
    [loss, pixels, ids].forEach((t) => t.dispose());
    avg = Number.isNaN(avg) ? value : 0.95 * avg + 0.05 * value;
    if (!Number.isFinite(value)) throw new Error(`train-clip: loss is ${value} at step ${step}`);
    if (step % 10 === 0 || step === o.steps - 1 || o.steps <= 20 || stop) {
      const scale = Math.exp(await model.logit_scale.item());
      const s = (performance.now() - t0) / 1000;
      log(
        `step ${step + 1}/${o.steps} loss ${value.toFixed(4)} avg ${avg.toFixed(4)} lr ${lr.toExponential(2)} scale ${scale.toFixed(1)} ${s.toFixed(0)}s (${(s / (step + 1)).toFixed(2)} s/step)`,
      );
    }
    if ((step + 1) % (o.saveEvery ?? 100) === 0 || step === o.steps - 1 || stop)
      await noGrad(() => saveTinyClip(o.out, params, json, vocab));
  }
  const seconds = (performance.now() - t0) / 1000;
  log(`done in ${seconds.toFixed(0)} s; wrote ${o.out}`);
  opt.dispose();
  params.dispose();
  return { seconds, loss: avg };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '1500' },
      batch: { type: 'string', default: '64' },
      lr: { type: 'string', default: '2e-3' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: 'weights/clipgpu-tiny' },
      patch: { type: 'string' },
      width: { type: 'string' },
      layers: { type: 'string' },
      'text-layers': { type: 'string' },
      heads: { type: 'string' },
      group: { type: 'string', default: '4' },
      'scale-positions': { type: 'string' },
      vary: { type: 'string' },
      'save-every': { type: 'string' },
      minutes: { type: 'string' },
      init: { type: 'string' },
    },
  });
  const size: TinySize = { ...DEFAULT_TINY };
  if (values.patch) size.patchSize = Number(values.patch);
  if (values.width) size.width = size.projection = Number(values.width);
  if (values.layers) size.layers = Number(values.layers);
  if (values['text-layers']) size.textLayers = Number(values['text-layers']);
  if (values.heads) size.heads = Number(values.heads);
  const vary = values.vary?.split(',').map((v) => v.trim()) as VariedAttribute[] | undefined;
  for (const v of vary ?? []) if (!VARIED.includes(v)) throw new Error(`--vary: '${v}' is not one of ${[...new Set(VARIED)].join(', ')}`);
  await trainClip({
    vary,
    steps: Number(values.steps),
    batch: Number(values.batch),
    lr: Number(values.lr),
    seed: Number(values.seed),
    out: values.out!,
    size,
    saveEvery: values['save-every'] ? Number(values['save-every']) : undefined,
    minutes: values.minutes ? Number(values.minutes) : undefined,
    init: values.init,
    group: Number(values.group),
    scalePositions: values['scale-positions'] ? Number(values['scale-positions']) : undefined,
  });
  process.exit(0);
}

if (process.env.CLIPGPU_MAIN === 'train-clip') await main();
