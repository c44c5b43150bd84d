// The matmul launch path shared by the forward and backward launchers: shape and aliasing checks,
// the variant of a call (binding views, epilogue), the program per variant and config, split-K.
import { Activation } from '../elementwise/elementwise.js';
import type { BufferArg, Gpu } from '../gpu.js';
import { KernelError, Program } from '../program.js';
import { sumColumns } from '../reduce/sum_columns.js';
import type { MatmulActivation, MatmulEpilogue, MatmulShape } from './matmul.js';
import { tiledSource, type Variant } from './matmul_codegen.js';
import { checkConfig, hasSubgroups, isQuad, type MatmulConfig, tileOf } from './matmul_configs.js';
import { quadSource } from './matmul_quad.js';

/** The WGSL of one variant under one config (either kind). */
export function kernelSource(v: Variant, c: MatmulConfig): string {
  checkConfig(c);
  return isQuad(c) ? quadSource(v, c) : tiledSource(v, c);
}

const programs = new Map<string, Program>();
/** The program of one variant and config, built once. */
function programFor(v: Variant, c: MatmulConfig): Program {
  const key = `${JSON.stringify(c)}|${JSON.stringify(v)}`;
  let p = programs.get(key);
  if (!p) programs.set(key, (p = new Program(v.f16 ? 'matmul_f16' : 'matmul', kernelSource(v, c))));
  return p;
}

/** Offsets in elements of a, b, c in their buffers (the backward's per-batch products). */
export interface Offsets {
  a: number;
  b: number;
  c: number;
}
export const NO_OFFSETS: Offsets = { a: 0, b: 0, c: 0 };
export const ACTIVATIONS: Record<MatmulActivation, number> = {
  none: Activation.none,
  quickGelu: Activation.quickGelu,
  gelu: Activation.gelu,
};

const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const whole = (x: BufferArg) => ('buffer' in x ? { buffer: x.buffer, offset: x.offset ?? 0 } : { buffer: x, offset: 0 });

export function checkShape(kernel: string, s: MatmulShape): number {
  for (const k of ['M', 'N', 'K'] as const)
    if (!isInt(s[k], 1)) throw new KernelError(kernel, `invalid shape: ${k} must be a positive integer, got ${s[k]}`);
  const batch = s.batch ?? 1;
  if (!isInt(batch, 1) || batch > 65535)
    throw new KernelError(kernel, `invalid shape: batch must be an integer in [1, 65535], got ${s.batch}`);
  return batch;
}

export function variantFor(f16: boolean, s: MatmulShape, ep: MatmulEpilogue, inplace: boolean, off: Offsets): Variant {
  return {
    f16,
    transA: !!s.transA,
    transB: !!s.transB,
    vecA: (s.transA ? s.M : s.K) % 4 === 0 && off.a % 4 === 0,
    vecB: (s.transB ? s.K : s.N) % 4 === 0 && off.b % 4 === 0,
    vecC: s.N % 4 === 0 && off.c % 4 === 0,
    bias: !!ep.bias,
    residual: ep.residual ? (inplace ? 'inplace' : 'separate') : 'none',
    pre: !!ep.preActivation,
    f16Compute: ep.compute === 'f16',
  };
}

/**
 * Split-K: a product with few output tiles and a long K (a weight gradient, [out, in] summed over
 * every token or pixel) leaves all but a few workgroups idle, each walking all of K. When both
 * operands are stored K-major (A as [K, M], B as [K, N]), a K-chunk is one contiguous block, so
 * S chunks are a batched product into scratch [S, M, N] (a residual, if any, one more row), summed
 * by sum_columns in a fixed order: deterministic. Returns the number of chunks, 1 for no split.
 */
function splitCount(s: MatmulShape, batch: number, ep: MatmulEpilogue, config: MatmulConfig, f16: boolean, off: Offsets): number {
  if (f16 || ep.compute === 'f16' || batch !== 1 || ep.bias || ep.preActivation || (ep.activation ?? 'none') !== 'none' || off.c !== 0)
    return 1;
  if (!(s.transA || s.M === 1) || !(!s.transB || s.N === 1)) return 1;
  const t = tileOf(config);
  const tiles = Math.ceil(s.M / t.rows) * Math.ceil(s.N / t.cols);
  if (tiles >= 16 || s.K < 512) return 1;
  return Math.max(1, Math.min(Math.floor(s.K / 128), Math.ceil(64 / tiles)));
}

function launchSplitK(
  gpu: Gpu,
  a: BufferArg,
  b: BufferArg,
  c: BufferArg,
  s: MatmulShape,
  ep: MatmulEpilogue,
  config: MatmulConfig,
  off: Offsets,
  chunks: number,
): void {
  const { M, N, K } = s;
  const kc = Math.ceil(K / chunks);
  const full = Math.floor(K / kc);
  const rem = K - full * kc;
  const rows = full + (rem ? 1 : 0) + (ep.residual ? 1 : 0);
  const partial = gpu.createBuffer(rows * M * N * 4, 'matmul split-K partial');
  const plain = { alpha: ep.alpha };
  const inner = { M, N, transA: s.transA, transB: s.transB };
  launch(gpu, false, a, b, partial, { ...inner, batch: full, K: kc }, plain, config, { a: off.a, b: off.b, c: 0 }, false);
  if (rem)
    launch(
      gpu,
      false,
      a,
      b,
      partial,
      { ...inner, K: rem },
      plain,
      config,
      { a: off.a + full * kc * M, b: off.b + full * kc * N, c: full * M * N },
      false,
    );
  if (ep.residual) {
    const r = whole(ep.residual);
    const size = 'buffer' in ep.residual ? (ep.residual.size ?? r.buffer.size - r.offset) : r.buffer.size;
    if (size < M * N * 4) throw new KernelError('matmul', `buffer 'residual' holds ${size} bytes, needs ${M * N * 4}`);
    gpu.copy(r.buffer, r.offset, partial, (rows - 1) * M * N * 4, M * N * 4);
  }
  sumColumns(gpu, partial, c, rows, M * N);
  gpu.destroyBuffer(partial);
}

/** Checks a call and records its dispatch (or its split-K dispatches). */
export function launch(
  gpu: Gpu,
  f16: boolean,
  a: BufferArg,
  b: BufferArg,
  c: BufferArg,
  s: MatmulShape,
  ep: MatmulEpilogue,
  config: MatmulConfig,
  off: Offsets,
  maySplit = true,
): void {
  const kernel = f16 ? 'matmul_f16' : 'matmul';
  const batch = checkShape(kernel, s);
  const { M, N, K } = s;
  const alpha = ep.alpha ?? 1;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new KernelError(kernel, `alpha must be a finite number, got ${alpha}`);
  const act = ACTIVATIONS[ep.activation ?? 'none'];
  if (act === undefined) throw new KernelError(kernel, `unknown activation '${ep.activation}'`);
  // Writable bindings may not share a buffer with any other binding of the dispatch (WebGPU); a
  // residual that is `c` itself is read through `c` instead.
  const cb = whole(c);
  let inplace = false;
  if (ep.residual && whole(ep.residual).buffer === cb.buffer) {
    if (whole(ep.residual).offset !== cb.offset) throw new KernelError(kernel, `'residual' shares c's buffer at another offset`);
    inplace = true;
  }
  const named: [string, BufferArg | undefined][] = [
    ['a', a],
    ['b', b],
    ['bias', ep.bias],
    ['preActivation', ep.preActivation],
  ];
  for (const [name, x] of named)
    if (x && whole(x).buffer === cb.buffer) throw new KernelError(kernel, `output 'c' shares a buffer with '${name}'`);
  const pb = ep.preActivation && whole(ep.preActivation).buffer;
  for (const [name, x] of [...named.slice(0, 3), ['residual', ep.residual] as const])
    if (pb && x && whole(x).buffer === pb) throw new KernelError(kernel, `output 'preActivation' shares a buffer with '${name}'`);

  const compute = ep.compute ?? 'f32';
  if (compute !== 'f32' && compute !== 'f16') throw new KernelError(kernel, `unknown compute '${compute}' (use 'f32' or 'f16')`);
  if (compute === 'f16') {
    if (!gpu.adapter.features?.includes('shader-f16'))
      throw new KernelError(kernel, "compute 'f16' needs the 'shader-f16' feature, which this device lacks");
    if (isQuad(config)) throw new KernelError(kernel, `compute 'f16' runs on the tiled kernel, not config ${config.name}`);
  }
  const chunks = maySplit ? splitCount(s, batch, ep, config, f16, off) : 1;
  if (chunks > 1) {
    launchSplitK(gpu, a, b, c, s, ep, config, off, chunks);
    return;
  }
  if (isQuad(config) && !hasSubgroups(gpu))
    throw new KernelError(kernel, `config ${config.name} needs the 'subgroups' feature, which this device lacks`);
  const program = programFor(variantFor(f16, s, ep, inplace, off), config);
  const tile = tileOf(config);
  const aCount = (s.broadcastA ? 1 : batch) * M * K;
  const bCount = (s.broadcastB ? 1 : batch) * K * N;
  const cBytes = (off.c + batch * M * N) * 4;
  const buffers: Record<string, BufferArg> = { a, b, c };
  const minBytes: Record<string, number> = {
    a: (off.a + aCount) * 4,
    b: f16 ? Math.ceil((off.b + bCount) / 2) * 4 : (off.b + bCount) * 4,
    c: cBytes,
  };
  if (ep.bias) (buffers.bias = ep.bias), (minBytes.bias = N * 4);
  if (ep.residual && !inplace) (buffers.residual = ep.residual), (minBytes.residual = cBytes);
  if (ep.preActivation) (buffers.pre = ep.preActivation), (minBytes.pre = cBytes);
  gpu.run(program, {
    buffers,
    uniforms: {
      M,
      N,
      K,
      a_stride: s.broadcastA ? 0 : M * K,
      b_stride: s.broadcastB ? 0 : K * N,
      a_offset: off.a,
      b_offset: off.b,
      c_offset: off.c,
      alpha,
    },
    constants: { ACT: act },
    workgroups: [Math.ceil(N / tile.cols), Math.ceil(M / tile.rows), batch],
    minBytes,
  });
}
