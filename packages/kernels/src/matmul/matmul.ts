// Launchers for the tiled matmul (f32 or f16-packed B) with its fused epilogue, and its backward.
//
// Napkin math, per call: FLOPs = 2·batch·M·N·K (the epilogue is O(batch·M·N), noise);
// bytes = 4·(|A| + |B| + |C|) with |B| halved for f16 weights, |A| = M·K (once if broadcast), etc.
// At CLIP's 50×768×3072 that is 0.24 GFLOP over 11 MB: compute-bound on every GPU, so the kernel
// is built around register blocking (TM·TN FMAs per TM/4 + TN/4 vec4 reads of workgroup memory).
import type { BufferArg, Gpu } from '../gpu.js';
import { KernelError } from '../program.js';
import { sumColumns } from '../reduce/sum_columns.js';
import { Activation, unaryBackward } from '../elementwise/elementwise.js';
import { kernelSource, programFor, type MatmulConfig, type Variant } from './matmul_codegen.js';

export type { MatmulConfig } from './matmul_codegen.js';

export interface MatmulShape {
  batch?: number; // default 1
  M: number;
  N: number;
  K: number;
  /** A stored [M,K] (false) or [K,M] (true), per batch */
  transA?: boolean;
  /** B stored [K,N] (false) or [N,K] (true): HF Linear weights are [out,in], so x·Wᵀ is transB */
  transB?: boolean;
  /** A is one 2-D matrix shared by all batches */
  broadcastA?: boolean;
  /** B is one 2-D matrix shared by all batches (weights) */
  broadcastB?: boolean;
}
export type MatmulActivation = 'none' | 'quickGelu' | 'gelu';
export interface MatmulEpilogue {
  /** [N], added first */
  bias?: BufferArg;
  /** applied after the bias (codes of elementwise/activations.wgsl) */
  activation?: MatmulActivation;
  /** [batch,M,N], added last (after the activation); may be `c` itself (c += …) */
  residual?: BufferArg;
  /** optional extra output [batch,M,N]: alpha·A·B + bias before the activation, for backward */
  preActivation?: BufferArg;
  /** scale of A·B before the bias (default 1) */
  alpha?: number;
}
export interface MatmulGrads {
  da?: BufferArg;
  db?: BufferArg;
  dbias?: BufferArg;
}

const cfg = (tm: number, tn: number, wgx: number, wgy: number, tk: number): MatmulConfig => ({
  name: `${tm}x${tn}/${wgx}x${wgy}/k${tk}`,
  tm,
  tn,
  wgx,
  wgy,
  tk,
});
/**
 * Candidate tile configs for an autotuner. On SwiftShader (a CPU driver: every read of workgroup
 * memory is gathered lane by lane, accumulators live in memory) big register blocks in tiny
 * workgroups win, but each unrolled FMA also costs compile time, paid per variant. Measured there
 * at 400×768×768 (best CPU time of 8 runs as 2-core GFLOP/s, the machine being shared; compile =
 * CPU time per pipeline): 32x32/2x2/k16 1.7, 3-4.7 s; 16x32/2x2/k8 1.25-1.65, 1.1-2.2 s;
 * 16x16/2x2/k16 1.25, 1-1.4 s; 4x4/16x16/k16 0.5, 1.1-1.9 s.
 */
export const MATMUL_CONFIGS: readonly MatmulConfig[] = [
  cfg(16, 32, 2, 2, 8), // SwiftShader default: near the fastest at half its compile time
  cfg(32, 32, 2, 2, 16), // SwiftShader fastest, slowest to compile
  cfg(16, 16, 2, 2, 16), // SwiftShader, quickest to compile
  cfg(4, 4, 16, 16, 16), // hardware default: 64×64 tiles, 256 invocations (not measured: no GPU here)
  cfg(8, 8, 8, 8, 16), // hardware: 64×64 tiles, 64 invocations
  cfg(8, 8, 16, 16, 8), // hardware: 128×128 tiles
];

// Autotuner hook: configs chosen per device (an autotuner times MATMUL_CONFIGS on it), by shape key
// or 'default'. Weak keys: a Gpu's entries go with it.
const tuned = new WeakMap<Gpu, Map<string, MatmulConfig>>();

/** The registry key of a shape: "BxMxKxN" plus "tA"/"tB" for transposed operands. */
export function matmulShapeKey(s: MatmulShape): string {
  return `${s.batch ?? 1}x${s.M}x${s.K}x${s.N}${s.transA ? 'tA' : ''}${s.transB ? 'tB' : ''}`;
}

/** Makes the launchers use `config` on this gpu for one shape (matmulShapeKey) or by default; undefined removes it. */
export function setMatmulConfigFor(gpu: Gpu, key: string | 'default', config: MatmulConfig | undefined): void {
  let m = tuned.get(gpu);
  if (!m) tuned.set(gpu, (m = new Map()));
  if (config) m.set(key, config);
  else m.delete(key);
}

/**
 * Tiles for a narrow C on SwiftShader, where the default 32×64 tile computes mostly padding:
 * N ≤ 16 (a convolution's few output channels over every pixel; measured 3-4× faster than the
 * default at 16384×8×144, 16384×3×72, 4096×16×288), and its mirror for M ≤ 16.
 */
export const NARROW_CONFIGS = { n: cfg(16, 4, 2, 2, 8), m: cfg(4, 16, 2, 2, 8) } as const;

/** The config the launchers use when given none: a tuned one for the shape or device, else per kind of adapter. */
export function defaultMatmulConfig(gpu: Gpu, shape?: MatmulShape): MatmulConfig {
  const m = tuned.get(gpu);
  const t = m && ((shape && m.get(matmulShapeKey(shape))) || m.get('default'));
  if (t) return t;
  if (!gpu.adapter.software) return MATMUL_CONFIGS[3];
  if (shape && shape.N <= 16 && shape.M >= 64) return NARROW_CONFIGS.n;
  if (shape && shape.M <= 16 && shape.N >= 64) return NARROW_CONFIGS.m;
  if (shape && paddedArea(shape, SMALL_TILE) < 0.75 * paddedArea(shape, MATMUL_CONFIGS[0])) return SMALL_TILE;
  return MATMUL_CONFIGS[0];
}

/**
 * 32×32 tiles for small products (attention's per-head [T, T]·[T, d] with T = 17 or 65, d = 32),
 * where the default 32×64 tile computes mostly padding. Measured on SwiftShader in a training step
 * of the tiny CLIP: per-head products at 0.3-0.4 GFLOP/s on the default vs. ~1.2 for the big ones.
 */
const SMALL_TILE = MATMUL_CONFIGS[2];
const paddedArea = (s: MatmulShape, c: MatmulConfig) =>
  Math.ceil(s.M / (c.wgy * c.tm)) * c.wgy * c.tm * Math.ceil(s.N / (c.wgx * c.tn)) * c.wgx * c.tn;

/** WGSL of one variant, for inspection and tests. */
export function matmulSource(f16: boolean, shape: MatmulShape, epilogue: MatmulEpilogue = {}, config = MATMUL_CONFIGS[0]): string {
  return kernelSource(variantFor(f16, shape, epilogue, false, { a: 0, b: 0, c: 0 }), config);
}

// ---- launchers -------------------------------------------------------------------------------

interface Offsets {
  a: number;
  b: number;
  c: number;
}
const NO_OFFSETS: Offsets = { a: 0, b: 0, c: 0 };
const ACTIVATIONS: Record<MatmulActivation, number> = { none: Activation.none, quickGelu: Activation.quickGelu, gelu: Activation.gelu };

const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const whole = (x: BufferArg) => ('buffer' in x ? { buffer: x.buffer, offset: x.offset ?? 0 } : { buffer: x, offset: 0 });

function checkShape(kernel: string, s: MatmulShape): number {
  for (const k of ['M', 'N', 'K'] as const)
    if (!isInt(s[k], 1)) throw new KernelError(kernel, `invalid shape: ${k} must be a positive integer, got ${s[k]}`);
  const batch = s.batch ?? 1;
  if (!isInt(batch, 1) || batch > 65535)
    throw new KernelError(kernel, `invalid shape: batch must be an integer in [1, 65535], got ${s.batch}`);
  return batch;
}

function variantFor(f16: boolean, s: MatmulShape, ep: MatmulEpilogue, inplace: boolean, off: Offsets): Variant {
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
  if (f16 || batch !== 1 || ep.bias || ep.preActivation || (ep.activation ?? 'none') !== 'none' || off.c !== 0) return 1;
  if (!(s.transA || s.M === 1) || !(!s.transB || s.N === 1)) return 1;
  const tiles = Math.ceil(s.M / (config.wgy * config.tm)) * Math.ceil(s.N / (config.wgx * config.tn));
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

function launch(
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

  const chunks = maySplit ? splitCount(s, batch, ep, config, f16, off) : 1;
  if (chunks > 1) {
    launchSplitK(gpu, a, b, c, s, ep, config, off, chunks);
    return;
  }
  const program = programFor(variantFor(f16, s, ep, inplace, off), config);
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
    workgroups: [Math.ceil(N / (config.wgx * config.tn)), Math.ceil(M / (config.wgy * config.tm)), batch],
    minBytes,
  });
}

/** C[b] = act(alpha·A[b]·B[b] + bias) + residual[b], for b < batch. */
export function matmul(
  gpu: Gpu,
  a: BufferArg,
  b: BufferArg,
  c: BufferArg,
  shape: MatmulShape,
  epilogue: MatmulEpilogue = {},
  config = defaultMatmulConfig(gpu, shape),
): void {
  launch(gpu, false, a, b, c, shape, epilogue, config, NO_OFFSETS);
}

/**
 * matmul with B as f16 pairs packed in u32s (packF16), unpacked with unpack2x16float and
 * accumulated in f32: needs no shader-f16 feature.
 */
export function matmulF16(
  gpu: Gpu,
  a: BufferArg,
  bPacked: BufferArg,
  c: BufferArg,
  shape: MatmulShape,
  epilogue: MatmulEpilogue = {},
  config = defaultMatmulConfig(gpu, shape),
): void {
  launch(gpu, true, a, bPacked, c, shape, epilogue, config, NO_OFFSETS);
}

// ---- backward --------------------------------------------------------------------------------

/**
 * Backward of matmul(+epilogue): dZ = dC·act'(preActivation) (dC itself when there is no
 * activation), then dA = alpha·dZ·Bᵀ, dB = alpha·Aᵀ·dZ and dbias = Σ rows of dZ, each stored like
 * its operand (transposes and broadcasts included; a broadcast operand's gradient sums over the
 * batch). The gradient of the residual is dC itself. Only the grads given are computed. Every
 * product is the forward kernel with transposed operand views: no copies.
 */
export function matmulBackward(
  gpu: Gpu,
  args: {
    a: BufferArg;
    b: BufferArg;
    dc: BufferArg;
    preActivation?: BufferArg;
    activation?: MatmulActivation;
    alpha?: number;
  } & MatmulGrads,
  shape: MatmulShape,
  config?: MatmulConfig,
): void {
  const kernel = 'matmul_backward';
  const batch = checkShape(kernel, shape);
  const { M, N, K } = shape;
  const tA = !!shape.transA;
  const tB = !!shape.transB;
  const act = args.activation ?? 'none';
  if (ACTIVATIONS[act] === undefined) throw new KernelError(kernel, `unknown activation '${act}'`);
  if (act !== 'none' && !args.preActivation) throw new KernelError(kernel, `activation '${act}' needs 'preActivation'`);
  const ep = { alpha: args.alpha ?? 1 };
  const n = batch * M * N;
  let dz: BufferArg = args.dc;
  let scratch: GPUBuffer | undefined;
  if (act !== 'none' && (args.da || args.db || args.dbias)) {
    dz = scratch = gpu.createBuffer(n * 4, 'matmul_backward dz');
    unaryBackward(gpu, act, args.preActivation!, args.dc, dz, n);
  }
  const mm = (x: BufferArg, y: BufferArg, out: BufferArg, s: MatmulShape, off: Offsets, accumulate: boolean) =>
    launch(gpu, false, x, y, out, s, accumulate ? { ...ep, residual: out } : ep, config ?? defaultMatmulConfig(gpu, s), off);

  if (args.da) {
    // dA[M,K] = dZ[M,N]·B[K,N]ᵀ, or stored [K,M]: dAᵀ = B·dZᵀ
    const s = (bat: number, bcastB: boolean): [BufferArg, BufferArg, MatmulShape] =>
      tA
        ? [args.b, dz, { batch: bat, M: K, N: M, K: N, transA: tB, transB: true, broadcastA: bcastB }]
        : [dz, args.b, { batch: bat, M, N: K, K: N, transB: !tB, broadcastB: bcastB }];
    if (shape.broadcastA && batch > 1) {
      // summed over the batch: one accumulating product per batch
      for (let i = 0; i < batch; i++) {
        const [x, y, si] = s(1, false);
        const bOff = shape.broadcastB ? 0 : i * K * N;
        const off = tA ? { a: bOff, b: i * M * N, c: 0 } : { a: i * M * N, b: bOff, c: 0 };
        mm(x, y, args.da, si, off, i > 0);
      }
    } else {
      const [x, y, si] = s(batch, !!shape.broadcastB);
      mm(x, y, args.da, si, NO_OFFSETS, false);
    }
  }
  if (args.db) {
    // dB[K,N] = A[M,K]ᵀ·dZ[M,N], or stored [N,K]: dBᵀ = dZᵀ·A
    const s = (bat: number, m: number, bcastA: boolean): [BufferArg, BufferArg, MatmulShape] =>
      tB
        ? [dz, args.a, { batch: bat, M: N, N: K, K: m, transA: true, transB: tA, broadcastB: bcastA }]
        : [args.a, dz, { batch: bat, M: K, N, K: m, transA: !tA, broadcastA: bcastA }];
    if (shape.broadcastB && batch > 1 && !tA && !shape.broadcastA) {
      // A[b] stacked as [batch·M, K] and dZ as [batch·M, N]: the batch sum is a longer K
      const [x, y, si] = s(1, batch * M, false);
      mm(x, y, args.db, si, NO_OFFSETS, false);
    } else if (shape.broadcastB && batch > 1) {
      for (let i = 0; i < batch; i++) {
        const [x, y, si] = s(1, M, false);
        const aOff = shape.broadcastA ? 0 : i * M * K;
        const off = tB ? { a: i * M * N, b: aOff, c: 0 } : { a: aOff, b: i * M * N, c: 0 };
        mm(x, y, args.db, si, off, i > 0);
      }
    } else {
      const [x, y, si] = s(batch, M, !!shape.broadcastA);
      mm(x, y, args.db, si, NO_OFFSETS, false);
    }
  }
  if (args.dbias) sumColumns(gpu, dz, args.dbias, batch * M, N);
  if (scratch) gpu.destroyBuffer(scratch);
}

// ---- napkin math ------------------------------------------------------------------------------

/** 2·batch·M·N·K */
export function matmulFlops(s: MatmulShape): number {
  return 2 * (s.batch ?? 1) * s.M * s.N * s.K;
}

/** Bytes read and written once each: A, B (2 bytes an element when f16), C. */
export function matmulBytes(s: MatmulShape, f16 = false): number {
  const batch = s.batch ?? 1;
  const a = (s.broadcastA ? 1 : batch) * s.M * s.K * 4;
  const b = (s.broadcastB ? 1 : batch) * s.K * s.N * (f16 ? 2 : 4);
  return a + b + batch * s.M * s.N * 4;
}
