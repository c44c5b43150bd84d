// decoder-tiny's weights format: the architecture (a conv or a pixel decoder), its tensors' names
// and shapes, random weights, and reading and writing the safetensors file.
//
// File (safetensors, F32 or F16; written by writeDecoderWeights):
//   __metadata__  { "format": "clipgpu-decoder", "architecture": JSON of DecoderArchitecture }
//
// Kind "conv" (the default), e.g. {"latent_dim":64,"base_size":[4,4],"channels":[128,64,32],
// "activation":"leaky_relu","negative_slope":0.2,"upsample":"nearest","output":"sigmoid","coords":true,"mapping":[64,64]}:
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
// Kind "pixel", e.g. decoder-tiny's {"latent_dim":15,"activation":"leaky_relu","negative_slope":0.2,
// "output":"sigmoid","kind":"pixel","size":[32,32],"mapping":[64,64],"pixel":[64,64,64],"frame":true,
// "composite":true,"fourier":3}:
//   mapping.{j}.*              as above (required)
//   frame.weight               [4, m]                   with "frame": true; m = mapping's last width:
//   frame.bias                 [4]                      the placement (X, Y, log k, θ), see placementFrame()
//   pixel.{i}.weight           [P(i), P(i−1) + m]       P(−1) = 2 (x, y), or 3 with a frame (u, v, u² + v²),
//                                                       + 4F with "fourier": F (sin, cos of 2ʲπ·u, of 2ʲπ·v)
//   pixel.{i}.bias             [P(i)]
//   to_rgb.weight              [3, P(last)]
//   to_rgb.bias                [3]
// With "composite": true the MLP draws one coverage α per pixel that blends two colours the style
// names (an alpha-composited sprite, as AIR's or MONet's decoders draw), in place of to_rgb:
//   colors.weight              [6, m]                   foreground then background RGB, before a sigmoid
//   colors.bias                [6]
//   to_alpha.weight            [1, P(last)]
//   to_alpha.bias              [1]
import {
  bytesSource,
  f32ToF16Bits,
  fileSource,
  readHeader,
  readTensorF32,
  urlSource,
  writeSafetensors,
  type ByteSource,
} from '../../io/safetensors.js';
import { randn, stream } from '../random.js';

interface DecoderCommon {
  latent_dim: number;
  activation: 'leaky_relu';
  negative_slope: number;
  output: 'sigmoid';
  /** hidden widths of an MLP from z (absent: none; a pixel decoder needs one) */
  mapping?: number[];
}

/** Upsampling convolutions from a dense layer's small grid. */
export interface ConvDecoderArchitecture extends DecoderCommon {
  kind?: 'conv';
  /** [h0, w0]: the dense layer's spatial size */
  base_size: [number, number];
  /** C0 (dense output) then the channels after each upsampling block */
  channels: number[];
  upsample: 'nearest';
  /** append x, y coordinate channels before every convolution (CoordConv) */
  coords?: boolean;
}

/** One small MLP per pixel on its coordinates, steered by the mapped latent at every layer. */
export interface PixelDecoderArchitecture extends DecoderCommon {
  kind: 'pixel';
  /** [H, W] of the output */
  size: [number, number];
  /** hidden widths of the per-pixel MLP */
  pixel: number[];
  /** the MLP reads each pixel in a frame the style places (centre, scale, turn), not at x, y */
  frame?: boolean;
  /** the MLP draws a coverage that blends a foreground over a background colour, both from the style */
  composite?: boolean;
  /** octaves F of Fourier features: the MLP also reads sin and cos of 2ʲπ·u and 2ʲπ·v, j < F */
  fourier?: number;
}

export type DecoderArchitecture = ConvDecoderArchitecture | PixelDecoderArchitecture;

/** How many values a pixel decoder's first layer reads per pixel before the style. */
export function pixelInputs(a: PixelDecoderArchitecture): number {
  return (a.frame ? 3 : 2) + 4 * (a.fourier ?? 0);
}

export interface DecoderWeights {
  architecture: DecoderArchitecture;
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
}

export type DecoderSource = DecoderWeights | Uint8Array | ArrayBuffer | ByteSource | string;

/**
 * The frame [3, 2] (row-major; u = [x, y, 1] · frame) of a placement (X, Y, log k, θ): the pixel
 * (x, y) seen from the centre (X, Y), turned by −θ and scaled by k: u = k·R(−θ)·((x, y) − (X, Y)).
 */
export function placementFrame([X, Y, logK, theta]: readonly number[] | Float64Array | Float32Array): number[] {
  const [c, s] = [Math.exp(logK) * Math.cos(theta), Math.exp(logK) * Math.sin(theta)];
  return [c, -s, s, c, -(c * X + s * Y), s * X - c * Y];
}

const FORMAT = 'clipgpu-decoder';

/** Output [H, W] of a decoder. */
export function decoderOutputSize(a: DecoderArchitecture): [number, number] {
  if (a.kind === 'pixel') return [...a.size];
  const k = 2 ** (a.channels.length - 1);
  return [a.base_size[0] * k, a.base_size[1] * k];
}

/** Every tensor name with its shape, in file order. */
export function decoderTensorShapes(a: DecoderArchitecture): [string, number[]][] {
  const out: [string, number[]][] = [];
  let width = a.latent_dim;
  for (const [j, m] of (a.mapping ?? []).entries()) {
    out.push([`mapping.${j}.weight`, [m, width]], [`mapping.${j}.bias`, [m]]);
    width = m;
  }
  if (a.kind === 'pixel') {
    if (a.frame) out.push(['frame.weight', [4, width]], ['frame.bias', [4]]);
    if (a.composite) out.push(['colors.weight', [6, width]], ['colors.bias', [6]]);
    // each layer reads the pixel's previous values (at first its x, y; or u, v, u² + v²; then their
    // Fourier features) and then the style
    let inputs = pixelInputs(a);
    for (const [i, p] of a.pixel.entries()) {
      out.push([`pixel.${i}.weight`, [p, inputs + width]], [`pixel.${i}.bias`, [p]]);
      inputs = p;
    }
    const head = a.composite ? 'to_alpha' : 'to_rgb';
    const outputs = a.composite ? 1 : 3;
    out.push([`${head}.weight`, [outputs, inputs]], [`${head}.bias`, [outputs]]);
    return out;
  }
  const [h0, w0] = a.base_size;
  const c = a.channels;
  const k = a.coords ? 2 : 0;
  out.push(['dense.weight', [c[0] * h0 * w0, width]], ['dense.bias', [c[0] * h0 * w0]]);
  for (let i = 0; i + 1 < c.length; i++)
    out.push([`blocks.${i}.conv.weight`, [c[i + 1], c[i] + k, 3, 3]], [`blocks.${i}.conv.bias`, [c[i + 1]]]);
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
  const widths = (v: unknown) => Array.isArray(v) && v.length >= 1 && v.every(posInt);
  if (!posInt(x.latent_dim)) bad(`'latent_dim' must be an integer ≥ 1, got ${JSON.stringify(x.latent_dim)}`);
  if (x.activation !== 'leaky_relu' || x.negative_slope !== 0.2)
    bad(`must use activation 'leaky_relu' with negative_slope 0.2, got '${x.activation}' ${x.negative_slope}`);
  if (x.output !== 'sigmoid') bad(`'output' must be 'sigmoid', got '${x.output}'`);
  if (x.mapping !== undefined && !(Array.isArray(x.mapping) && x.mapping.every(posInt)))
    bad(`'mapping' must be a list of positive integers, got ${JSON.stringify(x.mapping)}`);
  if (x.kind === 'pixel') {
    if (!Array.isArray(x.size) || x.size.length !== 2 || !x.size.every(posInt)) bad(`'size' must be [H, W], got ${JSON.stringify(x.size)}`);
    if (!widths(x.pixel)) bad(`'pixel' must be a non-empty list of positive integers, got ${JSON.stringify(x.pixel)}`);
    if (!x.mapping?.length) bad(`of kind 'pixel' needs a 'mapping' MLP`);
    if (x.fourier !== undefined && !(Number.isInteger(x.fourier) && x.fourier >= 0 && x.fourier <= 8))
      bad(`'fourier' must be an integer 0 … 8, got ${JSON.stringify(x.fourier)}`);
    for (const flag of ['frame', 'composite'] as const)
      if (x[flag] !== undefined && typeof x[flag] !== 'boolean') bad(`'${flag}' must be true or false, got ${JSON.stringify(x[flag])}`);
    return x;
  }
  if (x.kind !== undefined && x.kind !== 'conv') bad(`'kind' must be 'conv' or 'pixel', got ${JSON.stringify(x.kind)}`);
  if (!Array.isArray(x.base_size) || x.base_size.length !== 2 || !x.base_size.every(posInt))
    bad(`'base_size' must be [h0, w0], got ${JSON.stringify(x.base_size)}`);
  if (!widths(x.channels)) bad(`'channels' must be a non-empty list of positive integers, got ${JSON.stringify(x.channels)}`);
  if (x.upsample !== 'nearest') bad(`'upsample' must be 'nearest', got '${x.upsample}'`);
  if (x.coords !== undefined && typeof x.coords !== 'boolean') bad(`'coords' must be true or false, got ${JSON.stringify(x.coords)}`);
  return x;
}

/**
 * The architecture with defaults: a conv decoder with channels halving from 128 (at least 16) over
 * log2(size / base) blocks; or, given `pixel` widths, a pixel decoder (mapping default [64, 64]).
 */
export function decoderArchitecture(
  opts: {
    latentDim?: number;
    size?: number;
    base?: number;
    channels?: number[];
    coords?: boolean;
    mapping?: number[];
    pixel?: number[];
    frame?: boolean;
    composite?: boolean;
    fourier?: number;
  } = {},
): DecoderArchitecture {
  const common = { latent_dim: opts.latentDim ?? 64, activation: 'leaky_relu', negative_slope: 0.2, output: 'sigmoid' } as const;
  if (opts.pixel)
    return checkArchitecture({
      ...common,
      kind: 'pixel',
      size: [opts.size ?? 32, opts.size ?? 32],
      mapping: opts.mapping ?? [64, 64],
      pixel: opts.pixel,
      ...(opts.frame ? { frame: true } : {}),
      ...(opts.composite ? { composite: true } : {}),
      ...(opts.fourier ? { fourier: opts.fourier } : {}),
    });
  const base = opts.base ?? 4;
  const size = opts.size ?? 32;
  const blocks = Math.log2(size / base);
  if (!opts.channels && !Number.isInteger(blocks)) throw new Error(`decoder: size ${size} is not ${base}·2^k`);
  const channels = opts.channels ?? Array.from({ length: blocks + 1 }, (_, i) => Math.max(16, 128 >> i));
  return checkArchitecture({
    ...common,
    base_size: [base, base],
    channels,
    upsample: 'nearest',
    ...(opts.coords ? { coords: true } : {}),
    ...(opts.mapping?.length ? { mapping: opts.mapping } : {}),
  });
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
    const std = /^(to_rgb|to_alpha|colors)\.weight$/.test(name)
      ? 1 / Math.sqrt(fanIn)
      : name === 'frame.weight'
        ? 0.1 / Math.sqrt(fanIn)
        : gain / Math.sqrt(fanIn);
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
    if (header.metadata.format !== FORMAT)
      throw new Error(
        `${src.label}: not a decoder weights file (__metadata__.format is '${header.metadata.format}', expected '${FORMAT}')`,
      );
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
      if (info.shape.join(',') !== shape.join(','))
        throw new Error(`${src.label}: '${name}' has shape [${info.shape.join(', ')}], the architecture needs [${shape.join(', ')}]`);
      tensors[name] = { shape, data: await readTensorF32(src, header, name) };
    }
    return { architecture: a, tensors };
  } finally {
    await close?.();
  }
}
