// Trains decoder-tiny: a small VAE on the procedural shapes (a conv encoder → μ, log σ² → z →
// the decoder of generators.decoder(), in its documented weights layout), with the runtime's own
// forward and backward kernels and AdamW. Only the decoder is saved; a random z ~ N(0, 1) then
// decodes to a plausible shape image, and generate() can steer z with CLIP.
//   node scripts/run-ts.mjs packages/clip-runtime/src/train/train-decoder.ts [--minutes M] [--out FILE]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { trainingBatch } from '../data/shapes.js';
import { decoderArchitecture, decoderOutputSize, randomDecoderWeights, upsampleNearest2x, writeDecoderWeights, type DecoderArchitecture } from '../generate/generators/decoder.js';
import { randn, stream } from '../generate/random.js';
import { init, ops, Tensor, tidy, type Runtime } from '../tensor/index.js';
import { toChw } from './data.js';
import { vaeLoss } from './losses.js';
import { AdamW, logProfile, startStepProfile, ParamSet, warmupCosine } from './params.js';

/** The encoder: three stride-2 3×3 convolutions (size → size/8) and two Linear heads. */
export const ENCODER_CHANNELS = [3, 16, 32, 32];

export function initVae(arch: DecoderArchitecture, size: number, rt: Runtime, seed: number): ParamSet {
  const p = new ParamSet(rt);
  const w = randomDecoderWeights(arch, seed);
  for (const [name, t] of Object.entries(w.tensors)) p.set(name, t.data, t.shape);
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
    for (let i = 0; i + 1 < ENCODER_CHANNELS.length; i++) h = ops.leakyRelu(ops.conv2d(h, t(`encoder.conv${i}.weight`), t(`encoder.conv${i}.bias`), { stride: 2, padding: 1 }));
    const flat = ops.reshape(h, [x.shape[0]!, -1]);
    return { mu: ops.linear(flat, t('encoder.mu.weight'), t('encoder.mu.bias')), logvar: ops.linear(flat, t('encoder.logvar.weight'), t('encoder.logvar.bias')) };
  });
}

/** z [B, latent] → images [B, 3, H, W] in [0, 1]: the same computation as generators.decoder(), batched. */
export function decode(p: ParamSet, arch: DecoderArchitecture, z: Tensor): Tensor {
  const t = (n: string) => p.tensors.get(n)!;
  const [h0, w0] = arch.base_size;
  return tidy(() => {
    let x = ops.reshape(ops.leakyRelu(ops.linear(z, t('dense.weight'), t('dense.bias'))), [z.shape[0]!, arch.channels[0]!, h0, w0]);
    for (let i = 0; i + 1 < arch.channels.length; i++) x = ops.leakyRelu(ops.conv2d(upsampleNearest2x(x), t(`blocks.${i}.conv.weight`), t(`blocks.${i}.conv.bias`), { padding: 1 }));
    return ops.sigmoid(ops.conv2d(x, t('to_rgb.weight'), t('to_rgb.bias'), { padding: 1 }));
  });
}

export interface TrainDecoderOptions {
  steps: number;
  minutes?: number;
  batch: number;
  lr: number;
  seed: number;
  latentDim: number;
  /** output side: images are drawn at 32 px and box-filtered down to it */
  size: number;
  channels: number[];
  out: string;
  sigma: number;
  beta: number;
  log?: (line: string) => void;
}

export async function trainDecoder(o: TrainDecoderOptions): Promise<{ seconds: number }> {
  const log = o.log ?? console.log;
  const rt = await init();
  const size = o.size;
  const arch = decoderArchitecture({ latentDim: o.latentDim, size, channels: o.channels });
  if (decoderOutputSize(arch)[0] !== size) throw new Error(`train-decoder: channels [${o.channels}] do not make ${size} px from 4 px`);
  const params = initVae(arch, size, rt, o.seed);
  const opt = new AdamW(params, { weightDecay: 1e-4, beta2: 0.99 });
  const noise = stream(o.seed, 'vae-noise');
  log(`decoder-tiny VAE: ${params.count} parameters, latent ${arch.latent_dim}, channels [${arch.channels.join(', ')}], batch ${o.batch}`);
  const t0 = performance.now();
  const budget = (o.minutes ?? Infinity) * 60_000;
  let stop = false;
  for (let step = 0; step < o.steps && !stop; step++) {
    const samples = trainingBatch(o.seed * 7_919 + step, o.batch, 32);
    const x = Tensor.from(toChw(samples.map((s) => boxDownsample(s.rgb, 32, size)), size, false), [o.batch, 3, size, size], { runtime: rt });
    const eps = Tensor.from(randn(o.batch * arch.latent_dim, noise), [o.batch, arch.latent_dim], { runtime: rt });
    const profiling = startStepProfile(rt, step);
    const { total, recon, kl } = tidy(() => {
      const { mu, logvar } = encode(params, x);
      const z = ops.add(mu, ops.mul(ops.exp(ops.scale(logvar, 0.5)), eps));
      return vaeLoss(decode(params, arch, z), x, mu, logvar, { sigma: o.sigma, beta: o.beta });
    });
    await total.backward();
    const progress = Math.max(step / o.steps, (performance.now() - t0) / budget);
    stop = progress >= 1;
    await opt.step(warmupCosine(Math.min(progress, 1) * o.steps, o.steps, o.lr, Math.min(50, o.steps / 20)));
    if (profiling) logProfile(await rt.gpu.profileReport(), log);
    if (step % 10 === 0 || stop || step === o.steps - 1) {
      const [l, r, k] = [await total.item(), await recon.item(), await kl.item()];
      if (!Number.isFinite(l)) throw new Error(`train-decoder: loss ${l} at step ${step}`);
      const s = (performance.now() - t0) / 1000;
      log(`step ${step + 1} loss ${l.toFixed(2)} recon ${r.toFixed(2)} kl ${k.toFixed(2)} ${s.toFixed(0)}s (${(s / (step + 1)).toFixed(2)} s/step)`);
    }
    [x, eps, total, recon, kl].forEach((t) => t.dispose());
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
      steps: { type: 'string', default: '2000' }, minutes: { type: 'string', default: '18' }, batch: { type: 'string', default: '32' },
      lr: { type: 'string', default: '2e-3' }, seed: { type: 'string', default: '1' }, latent: { type: 'string', default: '16' },
      channels: { type: 'string', default: '32,16,8' }, size: { type: 'string', default: '16' }, sigma: { type: 'string', default: '0.15' }, beta: { type: 'string', default: '1' },
      out: { type: 'string', default: 'weights/decoder-tiny/decoder.safetensors' },
    },
  });
  await trainDecoder({
    steps: Number(values.steps), minutes: Number(values.minutes), batch: Number(values.batch), lr: Number(values.lr), seed: Number(values.seed),
    latentDim: Number(values.latent), size: Number(values.size), channels: values.channels!.split(',').map(Number), out: values.out!, sigma: Number(values.sigma), beta: Number(values.beta),
  });
  process.exit(0);
}

if (process.env.CLIPGPU_MAIN === 'train-decoder') await main();
