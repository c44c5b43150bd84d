// A GAN-style decoder with frozen weights; the latent vector z is the only parameter.
//
// Weights file (safetensors, F32 or F16; written by writeDecoderWeights):
//
//   __metadata__  { "format": "clipgpu-decoder", "architecture": JSON of DecoderArchitecture }
//                 e.g. {"latent_dim":64,"base_size":[4,4],"channels":[128,64,32],
//                       "activation":"leaky_relu","negative_slope":0.2,"upsample":"nearest","output":"sigmoid",
//                       "coords":true,"mapping":[64,64]}
//   mapping.{j}.weight         [m(j), m(j−1)]           j = 0 … len(mapping)−1, m(−1) = latent_dim
//   mapping.{j}.bias           [m(j)]
//   dense.weight               [C0·h0·w0, m(last)]      (a Linear weight [out, in]; latent_dim without mapping)
//   dense.bias                 [C0·h0·w0]
//   blocks.{i}.conv.weight     [C(i+1), C(i) + k, 3, 3] i = 0 … n−1, n = channels.length − 1
//   blocks.{i}.conv.bias       [C(i+1)]
//   to_rgb.weight              [3, Cn + k, 3, 3]
//   to_rgb.bias                [3]
// where k = 2 with "coords" (absent: false, k = 0).
//
// Forward: z [1, latent_dim] → [mapping: (Linear → leaky_relu) per width] → dense → leaky_relu →
// reshape [1, C0, h0, w0] → n × (nearest 2× upsample → [coords] → 3×3 conv (padding 1) →
// leaky_relu) → [coords] → 3×3 conv → sigmoid: [1, 3, h0·2ⁿ, w0·2ⁿ]. [coords] appends two
// channels, x and y of each pixel centre in (−1, 1) ((2·j + 1)/W − 1), as CoordConv does (Liu et al. 2018): a plain upsampling decoder learns only
// slowly to put an edge at a position its latent names, and drew blobs where shapes were asked.
// The mapping MLP (as StyleGAN's) gives the latent more than one nonlinearity before it is spread
// over the 4×4 grid: which of five coordinates is largest (the shape) is not piecewise linear enough
// for one.
// (PyTorch: nn.Linear, view, nn.Upsample(scale_factor=2, mode='nearest'), torch.cat(dim=1),
// nn.Conv2d(k=3, padding=1), nn.LeakyReLU(0.2).) The slope is fixed at 0.2 (the leakyRelu kernel's).
import { embeddedModelPath } from '../../io/embedded.js';
import { bytesSource, f32ToF16Bits, fileSource, readHeader, readTensorF32, urlSource, writeSafetensors, type ByteSource } from '../../io/safetensors.js';
import { ops, Tensor, tidy } from '../../tensor/index.js';
import { randn, stream, type Random } from '../random.js';
import { disposeAll, type Generator, type GeneratorContext, type GeneratorFactory } from './types.js';

export interface DecoderArchitecture {
  latent_dim: number;
  /** [h0, w0]: the dense layer's spatial size */
  base_size: [number, number];
  /** C0 (dense output) then the channels after each upsampling block */
  channels: number[];
  activation: 'leaky_relu';
  negative_slope: number;
  upsample: 'nearest';
  output: 'sigmoid';
  /** append x, y coordinate channels before every convolution (CoordConv) */
  coords?: boolean;
  /** hidden widths of an MLP between z and the dense layer (absent: none) */
  mapping?: number[];
}

export interface DecoderWeights {
  architecture: DecoderArchitecture;
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
}

export type DecoderSource = DecoderWeights | Uint8Array | ArrayBuffer | ByteSource | string;

const FORMAT = 'clipgpu-decoder';

/** Output [H, W] of a decoder. */
export function decoderOutputSize(a: DecoderArchitecture): [number, number] {
  const k = 2 ** (a.channels.length - 1);
  return [a.base_size[0] * k, a.base_size[1] * k];
}

/** Every tensor name with its shape, in file order. */
export function decoderTensorShapes(a: DecoderArchitecture): [string, number[]][] {
  const [h0, w0] = a.base_size;
  const c = a.channels;
  const k = a.coords ? 2 : 0;
  const out: [string, number[]][] = [];
  let width = a.latent_dim;
  for (const [j, m] of (a.mapping ?? []).entries()) {
    out.push([`mapping.${j}.weight`, [m, width]], [`mapping.${j}.bias`, [m]]);
    width = m;
  }
  out.push(
    ['dense.weight', [c[0] * h0 * w0, width]],
    ['dense.bias', [c[0] * h0 * w0]],
  );
  for (let i = 0; i + 1 < c.length; i++) out.push([`blocks.${i}.conv.weight`, [c[i + 1], c[i] + k, 3, 3]], [`blocks.${i}.conv.bias`, [c[i + 1]]]);
  out.push(['to_rgb.weight', [3, c[c.length - 1] + k, 3, 3]], ['to_rgb.bias', [3]]);
  return out;
}

export function checkArchitecture(a: unknown, where = 'decoder'): DecoderArchitecture {
  const bad = (why: string): never => {
    throw new Error(`${where}: architecture ${why}`);
  };
  if (!a || typeof a !== 'object') bad('is not an object');
  const x = a as DecoderArchitecture;
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!posInt(x.latent_dim)) bad(`'latent_dim' must be an integer ≥ 1, got ${JSON.stringify(x.latent_dim)}`);
  if (!Array.isArray(x.base_size) || x.base_size.length !== 2 || !x.base_size.every(posInt)) bad(`'base_size' must be [h0, w0], got ${JSON.stringify(x.base_size)}`);
  if (!Array.isArray(x.channels) || x.channels.length < 1 || !x.channels.every(posInt)) bad(`'channels' must be a non-empty list of positive integers, got ${JSON.stringify(x.channels)}`);
  if (x.activation !== 'leaky_relu' || x.negative_slope !== 0.2) bad(`must use activation 'leaky_relu' with negative_slope 0.2, got '${x.activation}' ${x.negative_slope}`);
  if (x.upsample !== 'nearest') bad(`'upsample' must be 'nearest', got '${x.upsample}'`);
  if (x.output !== 'sigmoid') bad(`'output' must be 'sigmoid', got '${x.output}'`);
  if (x.mapping !== undefined && (!Array.isArray(x.mapping) || !x.mapping.every(posInt))) bad(`'mapping' must be a list of positive integers, got ${JSON.stringify(x.mapping)}`);
  if (x.coords !== undefined && typeof x.coords !== 'boolean') bad(`'coords' must be true or false, got ${JSON.stringify(x.coords)}`);
  return x;
}

/** The architecture with defaults: channels halving from 128 (at least 16) over log2(size / base) blocks. */
export function decoderArchitecture(opts: { latentDim?: number; size?: number; base?: number; channels?: number[]; coords?: boolean; mapping?: number[] } = {}): DecoderArchitecture {
  const base = opts.base ?? 4;
  const size = opts.size ?? 32;
  const blocks = Math.log2(size / base);
  if (!opts.channels && !Number.isInteger(blocks)) throw new Error(`decoder: size ${size} is not ${base}·2^k`);
  const channels = opts.channels ?? Array.from({ length: blocks + 1 }, (_, i) => Math.max(16, 128 >> i));
  return checkArchitecture({ latent_dim: opts.latentDim ?? 64, base_size: [base, base], channels, activation: 'leaky_relu', negative_slope: 0.2, upsample: 'nearest', output: 'sigmoid', ...(opts.coords ? { coords: true } : {}), ...(opts.mapping?.length ? { mapping: opts.mapping } : {}) });
}

/** Random weights (He-normal for leaky ReLU, zero biases) from a seed. */
export function randomDecoderWeights(arch: DecoderArchitecture, seed = 0): DecoderWeights {
  checkArchitecture(arch);
  const random = stream(seed, 'decoder-weights');
  const gain = Math.sqrt(2 / (1 + arch.negative_slope ** 2));
  const tensors: DecoderWeights['tensors'] = {};
  for (const [name, shape] of decoderTensorShapes(arch)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    const std = name === 'to_rgb.weight' ? 1 / Math.sqrt(fanIn) : gain / Math.sqrt(fanIn);
    tensors[name] = { shape, data: name.endsWith('.bias') ? new Float32Array(n) : randn(n, random, std) };
  }
  return { architecture: arch, tensors };
}

/** The safetensors bytes of a decoder (F32, or F16 to halve the file). */
export function writeDecoderWeights(w: DecoderWeights, opts: { dtype?: 'F32' | 'F16' } = {}): Uint8Array {
  const arch = checkArchitecture(w.architecture, 'writeDecoderWeights');
  const out: Parameters<typeof writeSafetensors>[0] = {};
  for (const [name, shape] of decoderTensorShapes(arch)) {
    const t = w.tensors[name];
    if (!t) throw new Error(`writeDecoderWeights: missing tensor '${name}'`);
    if (t.shape.join(',') !== shape.join(',') || t.data.length !== shape.reduce((a, b) => a * b, 1))
      throw new Error(`writeDecoderWeights: '${name}' has shape [${t.shape.join(', ')}], the architecture needs [${shape.join(', ')}]`);
    out[name] = opts.dtype === 'F16' ? { dtype: 'F16', shape, data: f32ToF16Bits(t.data) } : { dtype: 'F32', shape, data: t.data };
  }
  return writeSafetensors(out, { format: FORMAT, architecture: JSON.stringify(arch) });
}

async function toByteSource(src: Exclude<DecoderSource, DecoderWeights>): Promise<{ src: ByteSource; close?: () => Promise<void> }> {
  if (src instanceof Uint8Array) return { src: bytesSource(src, 'decoder weights') };
  if (src instanceof ArrayBuffer) return { src: bytesSource(new Uint8Array(src), 'decoder weights') };
  if (typeof src !== 'string') return { src };
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (isNode && !/^(https?:|blob:|data:)/.test(src)) {
    const f = await fileSource(src).catch((e: Error) => {
      throw new Error(`decoder: cannot open '${src}': ${e.message}`);
    });
    return { src: f, close: () => f.close() };
  }
  return { src: await urlSource(src) };
}

/** Reads and checks a decoder weights file. */
export async function readDecoderWeights(source: Exclude<DecoderSource, DecoderWeights>): Promise<DecoderWeights> {
  const { src, close } = await toByteSource(source);
  try {
    const header = await readHeader(src);
    if (header.metadata.format !== FORMAT) throw new Error(`${src.label}: not a decoder weights file (__metadata__.format is '${header.metadata.format}', expected '${FORMAT}')`);
    let arch: unknown;
    try {
      arch = JSON.parse(header.metadata.architecture ?? '');
    } catch {
      throw new Error(`${src.label}: __metadata__.architecture is not JSON`);
    }
    const a = checkArchitecture(arch, src.label);
    const tensors: DecoderWeights['tensors'] = {};
    for (const [name, shape] of decoderTensorShapes(a)) {
      const info = header.tensors.get(name);
      if (!info) throw new Error(`${src.label}: missing tensor '${name}'`);
      if (info.shape.join(',') !== shape.join(',')) throw new Error(`${src.label}: '${name}' has shape [${info.shape.join(', ')}], the architecture needs [${shape.join(', ')}]`);
      tensors[name] = { shape, data: await readTensorF32(src, header, name) };
    }
    return { architecture: a, tensors };
  } finally {
    await close?.();
  }
}

/** Nearest-neighbour 2× upsampling of x [B, C, H, W], exact and differentiable (copies only). */
export function upsampleNearest2x(x: Tensor): Tensor {
  const [B, C, H, W] = x.shape;
  return tidy(() => {
    const col = ops.reshape(x, [B * C * H * W, 1]);
    const wide = ops.reshape(ops.concat([col, col], 1), [B * C * H, 2 * W]); // each pixel twice along W
    return ops.reshape(ops.concat([wide, wide], 1), [B, C, 2 * H, 2 * W]); // each row twice
  });
}

/** x [B, C, H, W] with two channels more: each pixel centre's x and y in (−1, 1). */
export function appendCoordinates(x: Tensor): Tensor {
  const [B, , H, W] = x.shape;
  const grid = new Float32Array(B * 2 * H * W);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        grid[((b * 2 + 0) * H + i) * W + j] = (2 * j + 1) / W - 1;
        grid[((b * 2 + 1) * H + i) * W + j] = (2 * i + 1) / H - 1;
      }
  return tidy(() => ops.concat([x, Tensor.from(grid, [B, 2, H, W], { runtime: x.rt })], 1));
}

/** The decoder's forward pass, z [B, latent_dim] → images [B, 3, H, W] in (0, 1); `t` names its weights. */
export function decodeLatents(a: DecoderArchitecture, t: (name: string) => Tensor, z: Tensor): Tensor {
  const [h0, w0] = a.base_size;
  const coords = (x: Tensor) => (a.coords ? appendCoordinates(x) : x);
  return tidy(() => {
    let h = z;
    for (let j = 0; j < (a.mapping?.length ?? 0); j++) h = ops.leakyRelu(ops.linear(h, t(`mapping.${j}.weight`), t(`mapping.${j}.bias`)));
    let x = ops.reshape(ops.leakyRelu(ops.linear(h, t('dense.weight'), t('dense.bias'))), [z.shape[0]!, a.channels[0]!, h0, w0]);
    for (let i = 0; i + 1 < a.channels.length; i++) x = ops.leakyRelu(ops.conv2d(coords(upsampleNearest2x(x)), t(`blocks.${i}.conv.weight`), t(`blocks.${i}.conv.bias`), { padding: 1 }));
    return ops.sigmoid(ops.conv2d(coords(x), t('to_rgb.weight'), t('to_rgb.bias'), { padding: 1 }));
  });
}

/**
 * generate()'s initCandidates for the embedded decoder: a latent moves only so far in a run of
 * 40-100 steps, and from one random draw the tiny CLIP read "a red circle" as "a red square".
 */
export const DECODER_INIT_CANDIDATES = 16;

export interface DecoderOptions {
  /** the latent size; checked against the file's, or the random decoder's (default 64) */
  latentDim?: number;
  /** for a random decoder (no weights given): the output side (default 32) */
  size?: number;
  /** initial latent [latent_dim]; default Normal(0, latentStd) from the run's seed */
  latent?: Float32Array | readonly number[];
  latentStd?: number;
  /** seed of a random decoder's weights (default 0) */
  weightsSeed?: number;
  /** without a source: random weights instead of the embedded decoder-tiny */
  random?: boolean;
}

/**
 * A frozen decoder from a weights file (path, URL, bytes) or in-memory weights; without a source,
 * the embedded decoder-tiny (weights/decoder-tiny, Node), or random weights with `random: true`.
 */
export function decoder(source?: DecoderSource, opts: DecoderOptions = {}): GeneratorFactory {
  if (source === undefined && !opts.random) {
    // the embedded decoder's file, found when the generator is created
    return {
      kind: 'decoder',
      size: undefined,
      async create(ctx: GeneratorContext): Promise<Generator> {
        if (typeof process === 'undefined' || !process.versions?.node)
          throw new Error('decoder: in a browser pass the URL of decoder.safetensors (e.g. weights/decoder-tiny/decoder.safetensors), or { random: true }');
        return decoder(`${await embeddedModelPath('decoder-tiny')}/decoder.safetensors`, opts).create(ctx);
      },
    };
  }
  const inMemory = source === undefined ? randomDecoderWeights(decoderArchitecture({ latentDim: opts.latentDim, size: opts.size }), opts.weightsSeed) : isWeights(source) ? source : undefined;
  if (inMemory) checkLatent(inMemory.architecture, opts);
  return {
    kind: 'decoder',
    size: inMemory ? decoderOutputSize(checkArchitecture(inMemory.architecture)) : undefined,
    async create(ctx: GeneratorContext): Promise<Generator> {
      const w = inMemory ?? (await readDecoderWeights(source as Exclude<DecoderSource, DecoderWeights>));
      const a = w.architecture;
      checkLatent(a, opts);
      return buildDecoder(w, ctx, opts);
    },
  };
}

function isWeights(x: unknown): x is DecoderWeights {
  return !!x && typeof x === 'object' && 'architecture' in x && 'tensors' in x;
}

function checkLatent(a: DecoderArchitecture, opts: DecoderOptions): void {
  if (opts.latentDim !== undefined && opts.latentDim !== a.latent_dim) throw new Error(`decoder: latentDim ${opts.latentDim} does not match the weights' latent_dim ${a.latent_dim}`);
  if (opts.latent && opts.latent.length !== a.latent_dim) throw new Error(`decoder: 'latent' has ${opts.latent.length} values, latent_dim is ${a.latent_dim}`);
}

function buildDecoder(w: DecoderWeights, ctx: GeneratorContext, opts: DecoderOptions): Generator {
  const a = checkArchitecture(w.architecture);
  const rt = ctx.runtime;
  const t = Object.fromEntries(decoderTensorShapes(a).map(([name, shape]) => [name, Tensor.from(w.tensors[name].data, shape, { runtime: rt })]));
  const random: Random = ctx.random;
  const init = opts.latent ? Float32Array.from(opts.latent) : randn(a.latent_dim, random, opts.latentStd ?? 1);
  const z = Tensor.from(init, [1, a.latent_dim], { requiresGrad: true, runtime: rt });
  return {
    parameters: [z],
    render: () => decodeLatents(a, (name) => t[name]!, z),
    dispose: () => disposeAll([z, ...Object.values(t)]),
  };
}
