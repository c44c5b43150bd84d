// Trains decoder-tiny, the decoder of generators.decoder() in its documented weights layout, with
// the runtime's own forward and backward kernels and AdamW. Two objectives:
// - render (default): each z ~ N(0, I) names a shape image (train/decoder-targets.ts) and the
//   decoder learns to draw it, so a random z decodes to a crisp, plausible shape image. The default
//   decoder is a composite pixel decoder (generators/decoder.ts) with a frame and Fourier features,
//   trained on 256 random pixels per image and step: its coverage by cross-entropy against the
//   named shape's, drawn in the true frame (teacher forcing), its image by squared error, its frame
//   told where the shape is. `--kind conv`: the earlier upsampling decoder, on the whole image;
// - vae: a small VAE (a conv encoder → μ, log σ² → z → a conv decoder), of which only the decoder
//   is saved. At the size that trains here in an hour its samples are blurred blobs (the README).
// generate() then steers z with CLIP.
//   node scripts/run-ts.mjs packages/train/src/train-decoder.ts [--objective render|vae] [--minutes M] [--lr 1.5e-3] [--init FILE] [--out FILE]
//     [--kind pixel (render's default)] [--mapping 64,64] [--pixel 64,64,64] [--frame yes|no] [--composite yes|no [--teacher-frame yes|no]] [--fourier 3] [--frame-weight 1000] [--pixels-per-step 256] [--loss mse|bce (not composite)]
//     [--kind conv (vae's default)] [--channels 64,32,16,8] [--coords yes|no] [--loss mse|bce]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { trainingBatch } from './data/shapes.js';
import { toChw } from './data.js';
import { RENDER_LATENT_DIM, renderTargets } from './decoder-targets.js';
import { sigmoidCrossEntropyPerImage, squaredErrorPerImage, vaeLoss } from './losses.js';
import { matricesOnly, ParamSet } from './params.js';
import { logProfile, startStepProfile } from './profile.js';
import {
  decoderArchitecture,
  randomDecoderWeights,
  readDecoderWeights,
  writeDecoderWeights,
  type ConvDecoderArchitecture,
  type DecoderArchitecture,
  type DecoderWeights,
  type PixelDecoderArchitecture,
  init,
  ops,
  Tensor,
  tidy,
  type Runtime,
  Adam,
  warmupCosine,
} from '@clipgpu/clip-runtime';
import {
  decoderOutputSize,
  decoderTensorShapes,
  decodeLatents,
  decodeStyles,
  decoderLayers,
  decoderPlacements,
  decoderStyle,
  pixelInputs,
  randn,
  stream,
} from '@clipgpu/clip-runtime/internals';

/** The encoder: three stride-2 3×3 convolutions (size → size/8) and two Linear heads. */
export const ENCODER_CHANNELS = [3, 16, 32, 32];

/**
 * The decoder's parameters: from `from` (a decoder of the same architecture, or a smaller one that
 * grownDecoder() carries over), or random.
 */
export function initDecoder(arch: DecoderArchitecture, rt: Runtime, seed: number, from?: DecoderWeights): ParamSet {
  if (from && JSON.stringify(from.architecture) !== JSON.stringify(arch)) from = grownDecoder(from, arch, seed) ?? from;
  if (from && JSON.stringify(from.architecture) !== JSON.stringify(arch))
    throw new Error(`train-decoder: --init has architecture ${JSON.stringify(from.architecture)}, the run ${JSON.stringify(arch)}`);
  const p = new ParamSet(rt);
  const w = from ?? randomDecoderWeights(arch, seed);
  for (const [name, t] of Object.entries(w.tensors)) p.set(name, t.data, t.shape);
  return p;
}

/**
 * A decoder as a larger one that computes the same function, so a run can add capacity without
 * starting over: coordinate channels and the inputs from new channels get zero weights; new
 * channels (wider `channels`, same depth) start as a new decoder's, read by nothing yet; a mapping
 * MLP (each width ≥ 2·latent_dim) carries z through as the pairs leaky_relu(±z), its other units
 * start random with zero weights out. A pixel decoder grows Fourier octaves only (withFourier()).
 * Undefined when `arch` is not `w`'s plus those.
 */
export function grownDecoder(w: DecoderWeights, arch: DecoderArchitecture, seed: number): DecoderWeights | undefined {
  const a = w.architecture;
  if (a.kind === 'pixel' && arch.kind === 'pixel') return withFourier(w, arch);
  if (a.kind === 'pixel' || arch.kind === 'pixel') return undefined;
  const rest = (x: ConvDecoderArchitecture) => JSON.stringify({ ...x, coords: undefined, mapping: undefined, channels: x.channels.length });
  const L = a.latent_dim;
  const addMapping = !a.mapping?.length && !!arch.mapping?.length;
  if (rest(a) !== rest(arch) || (a.coords && !arch.coords) || a.channels.some((c, i) => c > arch.channels[i]!)) return undefined;
  if (a.mapping?.length && JSON.stringify(a.mapping) !== JSON.stringify(arch.mapping)) return undefined;
  if (addMapping && arch.mapping!.some((m) => m < 2 * L)) return undefined;
  // leaky_relu(v) − leaky_relu(−v) = (1 + slope)·v: two units carry v through a layer unchanged
  const PAIR = 1 + arch.negative_slope;
  const fresh = randomDecoderWeights(arch, seed).tensors;
  const [oldCoords, newCoords] = [a.coords ? 2 : 0, arch.coords ? 2 : 0];
  const tensors: DecoderWeights['tensors'] = {};
  for (const [name, shape] of decoderTensorShapes(arch)) {
    const old = w.tensors[name];
    const data = fresh[name]!.data.slice(); // new units: as a new decoder's
    const mapping = /^mapping\.(\d+)\.weight$/.exec(name);
    if (mapping && addMapping) {
      const n = shape[1]!;
      for (let i = 0; i < L; i++) {
        data.fill(0, i * n, (i + 1) * n);
        data.fill(0, (L + i) * n, (L + i + 1) * n);
        if (mapping[1] === '0') [data[i * n + i], data[(L + i) * n + i]] = [1, -1];
        else
          [data[i * n + i], data[i * n + L + i], data[(L + i) * n + i], data[(L + i) * n + L + i]] = [
            1 / PAIR,
            -1 / PAIR,
            -1 / PAIR,
            1 / PAIR,
          ];
      }
    } else if (shape.length === 2) {
      // dense (or a kept mapping layer): the old rows, each new row (a new channel's) as fresh
      const [n, m] = [shape[1]!, old!.shape[1]!];
      data.fill(0, 0, old!.shape[0]! * n);
      for (let r = 0; r < old!.shape[0]!; r++) {
        const row = old!.data.subarray(r * m, (r + 1) * m);
        if (!addMapping) data.set(row, r * n);
        else row.forEach((v, i) => ([data[r * n + i], data[r * n + L + i]] = [v / PAIR, -v / PAIR]));
      }
    } else if (shape.length === 4) {
      // old inputs keep their weights (coordinates move behind the new channels), new inputs get 0
      const [Cin, k] = [shape[1]!, shape[2]! * shape[3]!];
      const [O0, Cin0] = [old!.shape[0]!, old!.shape[1]!];
      const to = (c: number) => (c < Cin0 - oldCoords ? c : Cin - newCoords + (c - (Cin0 - oldCoords)));
      data.fill(0, 0, O0 * Cin * k);
      for (let o = 0; o < O0; o++)
        for (let c = 0; c < Cin0; c++) data.set(old!.data.subarray((o * Cin0 + c) * k, (o * Cin0 + c + 1) * k), (o * Cin + to(c)) * k);
    } else if (old) data.set(old.data); // a bias: the old units', then the new ones' (0, as a new mapping's)
    tensors[name] = { shape, data };
  }
  return { architecture: arch, tensors };
}

/**
 * A pixel decoder as one with more Fourier octaves that computes the same function: the first
 * layer's new inputs (after the old ones, before the style) get zero weights.
 */
function withFourier(w: DecoderWeights, arch: PixelDecoderArchitecture): DecoderWeights | undefined {
  const a = w.architecture as PixelDecoderArchitecture;
  if (
    JSON.stringify({ ...a, fourier: undefined }) !== JSON.stringify({ ...arch, fourier: undefined }) ||
    (a.fourier ?? 0) > (arch.fourier ?? 0)
  )
    return undefined;
  const [before, after] = [pixelInputs(a), pixelInputs(arch)];
  const old = w.tensors['pixel.0.weight']!;
  const [P, inputs] = old.shape as [number, number];
  const width = inputs - before + after;
  const data = new Float32Array(P * width);
  for (let r = 0; r < P; r++) {
    data.set(old.data.subarray(r * inputs, r * inputs + before), r * width);
    data.set(old.data.subarray(r * inputs + before, (r + 1) * inputs), r * width + after);
  }
  return { architecture: arch, tensors: { ...w.tensors, 'pixel.0.weight': { shape: [P, width], data } } };
}

export function initVae(arch: DecoderArchitecture, size: number, rt: Runtime, seed: number, from?: DecoderWeights): ParamSet {
  const p = initDecoder(arch, rt, seed, from);
  const random = stream(seed, 'vae-encoder');
  const gain = Math.sqrt(2 / (1 + 0.2 ** 2));
  for (let i = 0; i + 1 < ENCODER_CHANNELS.length; i++) {
    const [cin, cout] = [ENCODER_CHANNELS[i]!, ENCODER_CHANNELS[i + 1]!];
    p.add(`encoder.conv${i}.weight`, [cout, cin, 3, 3], { kind: 'normal', std: gain / Math.sqrt(cin * 9) }, random);
    p.add(`encoder.conv${i}.bias`, [cout], { kind: 'const', value: 0 }, random);
  }
  const flat = ENCODER_CHANNELS[ENCODER_CHANNELS.length - 1]! * (size / 8) ** 2;
  for (const head of ['mu', 'logvar']) {
    p.add(`encoder.${head}.weight`, [arch.latent_dim, flat], { kind: 'normal', std: (head === 'mu' ? 1 : 0.1) / Math.sqrt(flat) }, random);
    p.add(`encoder.${head}.bias`, [arch.latent_dim], { kind: 'const', value: 0 }, random);
  }
  return p;
}

/** x [B, 3, S, S] in [0, 1] → μ, log σ² [B, latent]. */
export function encode(p: ParamSet, x: Tensor): { mu: Tensor; logvar: Tensor } {
  const t = (n: string) => p.tensors.get(n)!;
  return tidy(() => {
    let h = x;
    for (let i = 0; i + 1 < ENCODER_CHANNELS.length; i++)
      h = ops.leakyRelu(ops.conv2d(h, t(`encoder.conv${i}.weight`), t(`encoder.conv${i}.bias`), { stride: 2, padding: 1 }));
    const flat = ops.reshape(h, [x.shape[0]!, -1]);
    return {
      mu: ops.linear(flat, t('encoder.mu.weight'), t('encoder.mu.bias')),
      logvar: ops.linear(flat, t('encoder.logvar.weight'), t('encoder.logvar.bias')),
    };
  });
}

/** z [B, latent] → images [B, 3, H, W] in [0, 1]: the same computation as generators.decoder(), batched. */
export function decode(
  p: ParamSet,
  arch: DecoderArchitecture,
  z: Tensor,
  opts: { pixels?: ArrayLike<number>; logits?: boolean } = {},
): Tensor {
  return decodeLatents(arch, (n) => p.tensors.get(n)!, z, opts);
}

/** `n` distinct pixel indices of a side × side image, drawn from `random` (a partial Fisher–Yates). */
export function samplePixels(side: number, n: number, random: () => number): Int32Array {
  const all = Int32Array.from({ length: side * side }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (all.length - i));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, n);
}

export type DecoderObjective = 'render' | 'vae';

export interface TrainDecoderOptions {
  objective: DecoderObjective;
  steps: number;
  minutes?: number;
  batch: number;
  lr: number;
  seed: number;
  latentDim: number;
  /** output side (vae: images are drawn at 32 px and box-filtered down to it) */
  size: number;
  /** a conv decoder's channels (default: decoderArchitecture()'s, halving from 128) */
  channels?: number[];
  /** CoordConv: x, y channels before every convolution (the architecture's `coords`) */
  coords?: boolean;
  /** hidden widths of the mapping MLP before the dense layer */
  mapping?: number[];
  /** a pixel decoder with these hidden widths instead of the convolutions (`channels`, `coords` unused) */
  pixel?: number[];
  /** a pixel decoder's render objective: the pixels of each image drawn and compared per step (default all) */
  pixelsPerStep?: number;
  /** a pixel decoder that reads pixels in a frame its latent places (the architecture's `frame`) */
  frame?: boolean;
  /** a pixel decoder that draws a coverage blending two colours (the architecture's `composite`) */
  composite?: boolean;
  /** a pixel decoder's octaves of Fourier features (the architecture's `fourier`) */
  fourier?: number;
  /** composite with a frame: draw in the true frames, not the head's, while the head learns them (teacher forcing) */
  teacherFrame?: boolean;
  /** render objective: squared error of the image (mse) or the sigmoid's cross-entropy (bce; not composite) */
  loss?: 'mse' | 'bce';
  /** render objective with a frame: weight of Σ (placement − the spec's)² per image (default 100) */
  frameWeight?: number;
  out: string;
  /** a decoder file to continue from (the VAE's encoder starts afresh) */
  init?: string;
  /** vae only: the Gaussian likelihood's σ and the KL weight */
  sigma: number;
  beta: number;
  log?: (line: string) => void;
}

export async function trainDecoder(o: TrainDecoderOptions): Promise<{ seconds: number }> {
  const log = o.log ?? console.log;
  const rt = await init();
  const size = o.size;
  const arch = decoderArchitecture({
    latentDim: o.latentDim,
    size,
    channels: o.channels,
    coords: o.coords,
    mapping: o.mapping,
    pixel: o.pixel,
    frame: o.frame,
    composite: o.composite,
    fourier: o.fourier,
  });
  if (arch.kind === 'pixel' && arch.composite && o.loss === 'bce')
    throw new Error(
      "train-decoder: a composite decoder's image is a blend, not a sigmoid: --loss bce does not apply (its coverage always learns by cross-entropy)",
    );
  if (decoderOutputSize(arch)[0] !== size)
    throw new Error(`train-decoder: channels [${arch.kind === 'pixel' ? '' : arch.channels}] do not make ${size} px from 4 px`);
  if (o.objective === 'render' && arch.latent_dim !== RENDER_LATENT_DIM)
    throw new Error(`train-decoder: the render objective's latent has ${RENDER_LATENT_DIM} values, not ${arch.latent_dim}`);
  const from = o.init === undefined ? undefined : await readDecoderWeights(o.init);
  const params = o.objective === 'vae' ? initVae(arch, size, rt, o.seed, from) : initDecoder(arch, rt, o.seed, from);
  if (o.init) log(`continuing from ${o.init}`);
  const opt = new Adam(params.list, { beta1: 0.9, beta2: 0.99, weightDecay: 1e-4, decays: matricesOnly });
  const noise = stream(o.seed, 'vae-noise');
  const pixelNoise = stream(o.seed, 'decoder-pixels');
  const composite = arch.kind === 'pixel' && !!arch.composite && o.objective === 'render';
  const perStep = arch.kind === 'pixel' && o.objective === 'render' ? Math.min(o.pixelsPerStep ?? size * size, size * size) : size * size;
  const layers = arch.kind === 'pixel' ? `per-pixel MLP [${arch.pixel.join(', ')}]` : `channels [${arch.channels.join(', ')}]`;
  log(`decoder-tiny (${o.objective}): ${params.count} parameters, latent ${arch.latent_dim}, ${layers}, ${size} px, batch ${o.batch}`);
  const t0 = performance.now();
  const budget = (o.minutes ?? Infinity) * 60_000;
  let stop = false;
  let avg = NaN;
  for (let step = 0; step < o.steps && !stop; step++) {
    const eps = randn(o.batch * arch.latent_dim, noise);
    // a pixel decoder learns from a random subset of pixels per step: each is drawn on its own, and
    // the loss, scaled to the whole image, is an unbiased estimate at a fraction of the cost
    const pixels = perStep < size * size ? samplePixels(size, perStep, pixelNoise) : undefined;
    const targets = o.objective === 'render' ? renderTargets(eps, o.batch, size, pixels) : undefined;
    const placements =
      arch.kind === 'pixel' && arch.frame && targets ? Tensor.from(targets.placements, [o.batch, 4], { runtime: rt }) : undefined;
    const plane = pixels ? [1, perStep] : [size, size];
    const x = Tensor.from(
      targets?.images ??
        toChw(
          trainingBatch(o.seed * 7_919 + step, o.batch, 32).map((s) => boxDownsample(s.rgb, 32, size)),
          size,
          false,
        ),
      [o.batch, 3, ...plane],
      { runtime: rt },
    );
    const coverage = composite ? Tensor.from(targets!.coverages, [o.batch, 1, ...plane], { runtime: rt }) : undefined;
    const z0 = Tensor.from(eps, [o.batch, arch.latent_dim], { runtime: rt });
    const profiling = startStepProfile(rt, step);
    const losses = tidy((): Record<string, Tensor> => {
      if (o.objective === 'render') {
        const t = (n: string) => params.tensors.get(n)!;
        const style = decoderStyle(arch, t, z0);
        const wholeImage = (loss: Tensor) => ops.scale(loss, (size * size) / perStep);
        const terms: Record<string, Tensor> = {};
        if (arch.kind === 'pixel' && arch.composite) {
          // the coverage is taught the shape on its own, apart from the colours the image teaches
          const layers = decoderLayers(arch, t, style, { pixels, placements: o.teacherFrame ? placements : undefined });
          terms.image = wholeImage(squaredErrorPerImage(layers.image, x));
          terms.coverage = wholeImage(sigmoidCrossEntropyPerImage(layers.alpha, coverage!));
        } else
          terms.image = wholeImage(
            o.loss === 'bce'
              ? sigmoidCrossEntropyPerImage(decodeStyles(arch, t, style, { pixels, logits: true }), x)
              : squaredErrorPerImage(decodeStyles(arch, t, style, { pixels }), x),
          );
        // the frame is told where the named shape is, so the MLP learns each shape once, unrotated
        if (placements) terms.frame = ops.scale(squaredErrorPerImage(decoderPlacements(t, style), placements), o.frameWeight ?? 100);
        const parts = Object.values(terms);
        return { total: parts.slice(1).reduce((a, b) => ops.add(a, b), parts[0]!), ...(parts.length > 1 ? terms : {}) };
      }
      const { mu, logvar } = encode(params, x);
      const z = ops.add(mu, ops.mul(ops.exp(ops.scale(logvar, 0.5)), z0));
      return vaeLoss(decode(params, arch, z), x, mu, logvar, { sigma: o.sigma, beta: o.beta });
    });
    await losses.total.backward();
    const progress = Math.max(step / o.steps, (performance.now() - t0) / budget);
    stop = progress >= 1;
    opt.step(warmupCosine(Math.min(progress, 1) * o.steps, o.steps, o.lr, Math.min(50, o.steps / 20)));
    params.zeroGrad();
    if (profiling) logProfile(await rt.gpu.profileReport(), log);
    if (step % 10 === 0 || stop || step === o.steps - 1) {
      const named = await Promise.all(
        Object.entries(losses).map(async ([name, t]) => [name === 'total' ? 'loss' : name, await t.item()] as const),
      );
      // one batch's loss is noisy: also a running mean of the logged ones (~100 steps)
      avg = Number.isNaN(avg) ? named[0]![1] : 0.9 * avg + 0.1 * named[0]![1];
      const text = `${named.map(([name, v]) => `${name} ${v.toFixed(3)}`).join(' ')} avg ${avg.toFixed(3)}`;
      if (named.some(([, v]) => !Number.isFinite(v))) throw new Error(`train-decoder: ${text} at step ${step + 1}`);
      const s = (performance.now() - t0) / 1000;
      log(`step ${step + 1} ${text} ${s.toFixed(0)}s (${(s / (step + 1)).toFixed(2)} s/step)`);
    }
    [x, z0, placements, coverage, ...Object.values(losses)].forEach((t) => t?.dispose());
    if ((step + 1) % 25 === 0 || stop || step === o.steps - 1) await save(params, arch, o.out);
  }
  const seconds = (performance.now() - t0) / 1000;
  log(`done in ${seconds.toFixed(0)} s; wrote ${o.out}`);
  opt.dispose();
  params.dispose();
  return { seconds };
}

/** RGB bytes from `from` px to `to` px (a divisor) by averaging blocks. */
export function boxDownsample(rgb: Uint8Array, from: number, to: number): Uint8Array {
  if (from === to) return rgb;
  const k = from / to;
  const out = new Uint8Array(to * to * 3);
  for (let y = 0; y < to; y++)
    for (let x = 0; x < to; x++)
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) acc += rgb[3 * ((y * k + dy) * from + x * k + dx) + c]!;
        out[3 * (y * to + x) + c] = Math.round(acc / (k * k));
      }
  return out;
}

async function save(p: ParamSet, arch: DecoderArchitecture, file: string): Promise<void> {
  const host = await p.read();
  const tensors = Object.fromEntries([...host].filter(([n]) => !n.startsWith('encoder.')));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, writeDecoderWeights({ architecture: arch, tensors }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      objective: { type: 'string', default: 'render' },
      kind: { type: 'string' },
      steps: { type: 'string', default: '100000' },
      minutes: { type: 'string', default: '60' },
      batch: { type: 'string', default: '32' },
      lr: { type: 'string', default: '1.5e-3' },
      seed: { type: 'string', default: '1' },
      latent: { type: 'string' },
      size: { type: 'string' },
      mapping: { type: 'string' },
      // pixel decoders
      pixel: { type: 'string', default: '64,64,64' },
      frame: { type: 'string', default: 'yes' },
      composite: { type: 'string', default: 'yes' },
      'teacher-frame': { type: 'string', default: 'yes' },
      fourier: { type: 'string', default: '3' },
      'frame-weight': { type: 'string', default: '1000' },
      'pixels-per-step': { type: 'string', default: '256' },
      // conv decoders
      channels: { type: 'string' },
      coords: { type: 'string' },
      loss: { type: 'string' },
      sigma: { type: 'string', default: '0.15' },
      beta: { type: 'string', default: '1' },
      out: { type: 'string', default: 'weights/decoder-tiny/decoder.safetensors' },
      init: { type: 'string' },
    },
  });
  const objective = values.objective as DecoderObjective;
  const render = objective === 'render';
  // the shipped decoder: a composite pixel decoder with a frame and 3 Fourier octaves on the render
  // objective, 32 px; the earlier conv decoder: --kind conv; the VAE: conv, 16 px, latent 16
  const kind = values.kind ?? (render ? 'pixel' : 'conv');
  const yesNo = (flag: string, v: string | undefined) => {
    if (v !== undefined && v !== 'yes' && v !== 'no') throw new Error(`train-decoder: --${flag} must be yes or no, got '${v}'`);
    return v === undefined ? undefined : v === 'yes';
  };
  const composite = kind === 'pixel' && !!yesNo('composite', values.composite);
  const loss = values.loss ?? (kind === 'pixel' && !composite ? 'bce' : 'mse');
  if (objective !== 'render' && objective !== 'vae')
    throw new Error(`train-decoder: --objective must be render or vae, got '${objective}'`);
  if (kind !== 'pixel' && kind !== 'conv') throw new Error(`train-decoder: --kind must be pixel or conv, got '${kind}'`);
  if (kind === 'pixel' && !render) throw new Error('train-decoder: a pixel decoder trains on the render objective only');
  if (loss !== 'mse' && loss !== 'bce') throw new Error(`train-decoder: --loss must be mse or bce, got '${loss}'`);
  const widths = (v: string) => v.split(',').filter(Boolean).map(Number);
  await trainDecoder({
    objective,
    latentDim: Number(values.latent ?? (render ? RENDER_LATENT_DIM : 16)),
    size: Number(values.size ?? (render ? 32 : 16)),
    mapping: widths(values.mapping ?? (render ? '64,64' : '')),
    ...(kind === 'pixel'
      ? {
          pixel: widths(values.pixel!),
          frame: yesNo('frame', values.frame),
          composite,
          fourier: Number(values.fourier),
          teacherFrame: composite && !!yesNo('teacher-frame', values['teacher-frame']),
          pixelsPerStep: Number(values['pixels-per-step']),
        }
      : { channels: widths(values.channels ?? (render ? '64,32,16,8' : '32,16,8')), coords: yesNo('coords', values.coords) ?? render }),
    frameWeight: Number(values['frame-weight']),
    loss,
    steps: Number(values.steps),
    minutes: Number(values.minutes),
    batch: Number(values.batch),
    lr: Number(values.lr),
    seed: Number(values.seed),
    out: values.out!,
    init: values.init,
    sigma: Number(values.sigma),
    beta: Number(values.beta),
  });
  process.exit(0);
}

if (process.env.CLIPGPU_MAIN === 'train-decoder') await main();
