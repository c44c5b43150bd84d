// Fused multi-head scaled-dot-product attention, flash style, forward and backward side by side.
//
// Napkin math per (batch, head), N = T²·D (causal: about half, (T+1)/2T of it):
//   forward   q·kᵀ and p·v: 4N FLOPs (+ T² exp); moves q, k, v, o (4·T·D floats) and lse (T).
//   backward  FlashAttention-2 from the saved lse: the dK/dV kernel recomputes q·kᵀ and dO·vᵀ and
//             accumulates dV, dK (8N), the dQ kernel recomputes both again and accumulates dQ (6N):
//             14N FLOPs executed (10N is the minimum with a stored P); moves q, k, v, o, dO, dq,
//             dk, dv (8·T·D floats) and lse, D (2·T).
// K/V (forward, dQ) and Q/dO (dK/dV) are re-read once per 64-row block of the other side; with T ≤
// 577 that is ≤ 10 passes over an L2-resident head, so the kernels are compute bound.
// Workgroup memory: two tiles of 256 vec4s, 8 KiB per kernel.
import type { BufferArg, Gpu } from '../gpu.js';
import { grid, KernelError, Program } from '../program.js';
import forwardSource from './attention.wgsl';
import commonSource from './attention_common.wgsl';
import dotSource from './attention_backward_dot.wgsl';
import dkdvSource from './attention_backward_dkdv.wgsl';
import dqSource from './attention_backward_dq.wgsl';

export interface AttentionShape {
  batch: number;
  heads: number;
  T: number;
  headDim: number;
  /** mask keys after the query (CLIP's text tower) */
  causal?: boolean;
  /** default 1/sqrt(headDim) */
  scale?: number;
  /**
   * 'bhtd' (default): [batch, heads, T, headDim]; 'bthd': [batch, T, heads, headDim], i.e. a
   * Linear's output [B, T, heads·headDim] read in place with no permute copy.
   */
  layout?: 'bhtd' | 'bthd';
}

/** Largest head dim: an invocation keeps up to 32 vec4s per row; tiles are 256 vec4s (4 KiB) of workgroup memory. */
export const ATTENTION_MAX_HEAD_DIM = 128;
const ROWS = 64; // query (or key) rows per workgroup
const TILE_VEC4 = 256;
const FAST_HEAD_DIM = 64;

/**
 * `fn load_<b>(g, d, hd) -> vec4<f32>` reading storage buffer `b`: the same function for every
 * buffer a kernel loads rows of, written once here because WGSL cannot pass a storage buffer to a
 * function.
 */
function rowLoader(b: string): string {
  return `// Elements d .. d+3 of a row of ${b} (g: index of element d), zeros past hd.
fn load_${b}(g: u32, d: u32, hd: u32) -> vec4<f32> {
  if (d + 4u <= hd) { return vec4<f32>(${b}[g], ${b}[g + 1u], ${b}[g + 2u], ${b}[g + 3u]); }
  var x = vec4<f32>(0.0);
  for (var i = 0u; i < 4u; i++) { if (d + i < hd) { x[i] = ${b}[g + i]; } }
  return x;
}
`;
}

/** A kernel's full source: attention_common.wgsl, the row loaders of the buffers it loads, its own WGSL. */
function withCommon(source: string, loaded: string[]): string {
  return [commonSource, ...loaded.map(rowLoader), source].join('\n');
}

const sources = {
  forward: withCommon(forwardSource, ['q', 'k', 'v']),
  dkdv: withCommon(dkdvSource, ['q', 'k', 'v', 'dO']),
  dq: withCommon(dqSource, ['q', 'k', 'v', 'dO']),
};
const labels = { forward: 'attention', dkdv: 'attention_backward_dkdv', dq: 'attention_backward_dq' };
type Kernel = keyof typeof sources;
// One row per invocation; its loops over rows (a single pass) unrolled all the same, so per-row
// state is indexed by constants.
const generic = {
  forward: new Program(labels.forward, specialise(sources.forward, { QPT: 1 })),
  dkdv: new Program(labels.dkdv, specialise(sources.dkdv, { QPT: 1 })),
  dq: new Program(labels.dq, specialise(sources.dq, { QPT: 1 })),
};
const dotProgram = new Program('attention_backward_dot', dotSource);

/**
 * The fast path's source: each `let NAME = …;` line whose NAME is in `values` becomes
 * `const NAME = value;`, and each loop `for (var i = 0u; i < NAME; i++) { … }` preceded by the
 * marker comment `unroll` (in block-comment slashes and stars) with NAME in `values` is unrolled
 * into blocks `{ const i = 0u; … }`, so private arrays are indexed by constants. Same semantics as the generic source, which reads those sizes from uniforms.
 */
export function specialise(source: string, values: Record<string, number>): string {
  let out = source;
  for (const [name, value] of Object.entries(values)) {
    const decl = new RegExp(`let ${name} = [^;]*;`);
    if (decl.test(out)) out = out.replace(decl, `const ${name} = ${value}u;`);
  }
  const loop = /\/\* unroll \*\/ for \(var (\w+) = 0u; \1 < (\w+); \1\+\+\) \{/g;
  for (;;) {
    const m = [...out.matchAll(loop)].find((x) => x[2] in values);
    if (!m) return out;
    const from = m.index! + m[0].length;
    let depth = 1;
    let i = from;
    for (; depth > 0; i++) depth += out[i] === '{' ? 1 : out[i] === '}' ? -1 : 0;
    const body = out.slice(from, i - 1);
    const copies = Array.from({ length: values[m[2]] }, (_, n) => `{ const ${m[1]} = ${n}u;${body}}`);
    out = out.slice(0, m.index) + copies.join(' ') + out.slice(i);
  }
}

/**
 * How the kernels are run. Specialised programs (head dim baked in, loops unrolled) are built per
 * (head dim, rows per invocation) on first use; the generic ones serve any head dim from uniforms.
 * SwiftShader: specialised only at headDim 64 (compiling one costs seconds there), with 4 rows per
 * invocation (each k/v element loaded once feeds 4 rows). GPUs: specialised at every head dim,
 * one row per invocation (registers). `attentionTuning.override` pins a plan (tests, benchmarks).
 */
export interface AttentionPlan {
  specialised: boolean;
  /** query (forward, dQ) or key (dK/dV) rows per invocation: 1, 2 or 4, with rows·ceil(headDim/4) ≤ 64 */
  rowsPerInvocation: number;
}
export const attentionTuning: { override?: AttentionPlan } = {};

function planFor(gpu: Gpu, kernel: string, D: number): AttentionPlan {
  const D4 = Math.ceil(D / 4);
  const plan =
    attentionTuning.override ??
    (gpu.adapter.software
      ? { specialised: D === FAST_HEAD_DIM, rowsPerInvocation: D === FAST_HEAD_DIM ? 4 : 1 }
      : { specialised: true, rowsPerInvocation: 1 });
  const q = plan.rowsPerInvocation;
  if (![1, 2, 4].includes(q) || q * D4 > 64 || (!plan.specialised && q !== 1))
    throw new KernelError(kernel, `plan ${JSON.stringify(plan)} does not fit headDim ${D}`);
  return plan;
}

const specialisedPrograms = new Map<string, Program>();
function programFor(kernel: Kernel, plan: AttentionPlan, D: number, tile: number): Program {
  if (!plan.specialised) return generic[kernel];
  const key = `${kernel}/${D}/${plan.rowsPerInvocation}`;
  let p = specialisedPrograms.get(key);
  if (!p) {
    const values = { HEAD_DIM: D, HEAD_DIM4: Math.ceil(D / 4), KV_TILE: tile, Q_TILE: tile, QPT: plan.rowsPerInvocation };
    specialisedPrograms.set(key, (p = new Program(labels[kernel], specialise(sources[kernel], values))));
  }
  return p;
}

/** Key (or query) rows per workgroup-memory tile: TILE_VEC4 vec4s of rows of ceil(D/4) vec4s. */
const tileRows = (D: number) => Math.floor(TILE_VEC4 / Math.ceil(D / 4));

/** WGSL of one attention kernel under a plan and head dim, for inspection (and the golden files of the tests). */
export function attentionSource(kernel: 'forward' | 'dkdv' | 'dq', plan: AttentionPlan, headDim: number): string {
  return programFor(kernel, plan, headDim, tileRows(headDim)).wgsl;
}

interface Resolved {
  B: number;
  H: number;
  T: number;
  D: number;
  rows: number;
  bytes: number;
  /** uniforms of the three main kernels (attention_common.wgsl) */
  uniforms: {
    T: number;
    heads: number;
    stride_b: number;
    stride_h: number;
    stride_t: number;
    scale: number;
    head_dim: number;
    tile: number;
    causal: number;
  };
  tile: number;
  workgroups: [number, number];
}

function resolve(kernel: string, s: AttentionShape): Resolved {
  for (const key of ['batch', 'heads', 'T', 'headDim'] as const) {
    const x = s[key];
    if (!Number.isInteger(x) || x < 1) throw new KernelError(kernel, `${key} must be a positive integer, got ${x}`);
  }
  const { batch: B, heads: H, T, headDim: D } = s;
  if (D > ATTENTION_MAX_HEAD_DIM) throw new KernelError(kernel, `headDim ${D} exceeds ${ATTENTION_MAX_HEAD_DIM}`);
  const layout = s.layout ?? 'bhtd';
  if (layout !== 'bhtd' && layout !== 'bthd') throw new KernelError(kernel, `unknown layout '${layout}' (use 'bhtd' or 'bthd')`);
  const scale = s.scale ?? 1 / Math.sqrt(D);
  if (!Number.isFinite(scale)) throw new KernelError(kernel, `scale must be finite, got ${scale}`);
  const tile = tileRows(D);
  if (B * H > 65535) throw new KernelError(kernel, `batch·heads ${B * H} exceeds 65535`);
  const strides =
    layout === 'bhtd' ? { stride_b: H * T * D, stride_h: T * D, stride_t: D } : { stride_b: T * H * D, stride_h: D, stride_t: H * D };
  return {
    B,
    H,
    T,
    D,
    rows: B * H * T,
    bytes: B * H * T * D * 4,
    uniforms: { T, heads: H, ...strides, scale, head_dim: D, tile, causal: s.causal ? 1 : 0 },
    tile,
    workgroups: [Math.ceil(T / ROWS), B * H],
  };
}

function sizeOf(a: BufferArg): number {
  return 'buffer' in a ? (a.size ?? a.buffer.size - (a.offset ?? 0)) : a.size;
}

/** Every buffer checked before anything is recorded, so a bad call leaves no partial work. */
function checkSizes(kernel: string, buffers: Record<string, BufferArg | undefined>, need: Record<string, number>): void {
  for (const [name, n] of Object.entries(need)) {
    const a = buffers[name];
    if (!a) throw new KernelError(kernel, `missing buffer '${name}'`);
    if (sizeOf(a) < n) throw new KernelError(kernel, `buffer '${name}' holds ${sizeOf(a)} bytes, needs ${n}`);
  }
}

/**
 * o = softmax(scale·q·kᵀ (+causal mask))·v per (batch, head), o in q's layout; lse [batch, heads, T]
 * = each row's log-sum-exp of the scaled scores, saved for attentionBackward.
 */
export function attention(gpu: Gpu, q: BufferArg, k: BufferArg, v: BufferArg, o: BufferArg, lse: BufferArg, shape: AttentionShape): void {
  const r = resolve('attention', shape);
  const plan = planFor(gpu, 'attention', r.D);
  const { bytes } = r;
  const minBytes = { q: bytes, k: bytes, v: bytes, o: bytes, lse: r.rows * 4 };
  checkSizes('attention', { q, k, v, o, lse }, minBytes);
  gpu.run(programFor('forward', plan, r.D, r.tile), {
    buffers: { q, k, v, o, lse },
    uniforms: r.uniforms,
    constants: { QPT: plan.rowsPerInvocation, WG: ROWS / plan.rowsPerInvocation },
    workgroups: r.workgroups,
    minBytes,
  });
}

export interface AttentionBackwardArgs {
  q: BufferArg;
  k: BufferArg;
  v: BufferArg;
  /** the forward's output and lse */
  o: BufferArg;
  lse: BufferArg;
  dO: BufferArg;
  dq: BufferArg;
  dk: BufferArg;
  dv: BufferArg;
}

/**
 * dq, dk, dv (overwritten, same layout as q) from dO, FlashAttention-2 style: D = rowsum(dO∘o) into
 * a scratch buffer, then one kernel for dK and dV looping over query tiles and one for dQ looping
 * over key tiles, both recomputing the probabilities from lse. No atomics: bit-for-bit deterministic.
 */
export function attentionBackward(gpu: Gpu, args: AttentionBackwardArgs, shape: AttentionShape): void {
  const r = resolve('attention_backward', shape);
  const plan = planFor(gpu, 'attention_backward', r.D);
  const { q, k, v, o, lse, dO, dq, dk, dv } = args;
  const { bytes } = r;
  const rowBytes = r.rows * 4;
  checkSizes(
    'attention_backward',
    { ...args },
    { q: bytes, k: bytes, v: bytes, o: bytes, lse: rowBytes, dO: bytes, dq: bytes, dk: bytes, dv: bytes },
  );
  const constants = { QPT: plan.rowsPerInvocation, WG: ROWS / plan.rowsPerInvocation };
  const dsum = gpu.createBuffer(rowBytes, 'attention_backward dsum');
  const u = r.uniforms;
  gpu.run(dotProgram, {
    buffers: { o, dO, dsum },
    uniforms: {
      T: u.T,
      heads: u.heads,
      rows: r.rows,
      stride_b: u.stride_b,
      stride_h: u.stride_h,
      stride_t: u.stride_t,
      head_dim: u.head_dim,
    },
    workgroups: grid(r.rows, 64),
  });
  gpu.run(programFor('dkdv', plan, r.D, r.tile), {
    buffers: { q, k, v, dO, lse, dsum, dk, dv },
    uniforms: u,
    constants,
    workgroups: r.workgroups,
  });
  gpu.run(programFor('dq', plan, r.D, r.tile), {
    buffers: { q, k, v, dO, lse, dsum, dq },
    uniforms: u,
    constants,
    workgroups: r.workgroups,
  });
  gpu.destroyBuffer(dsum);
}

/** Forward FLOPs (q·kᵀ and p·v; causal counts only the unmasked half). */
export function attentionFlops(shape: AttentionShape): number {
  const { batch, heads, T, headDim } = shape;
  const pairs = shape.causal ? (T * (T + 1)) / 2 : T * T;
  return 4 * batch * heads * pairs * headDim;
}

/** Forward bytes that must move: q, k, v read, o written, lse written. */
export function attentionBytes(shape: AttentionShape): number {
  const { batch, heads, T, headDim } = shape;
  return 4 * (4 * batch * heads * T * headDim + batch * heads * T);
}

/** Backward FLOPs as executed (dK/dV kernel 8 per pair and dim, dQ kernel 6). */
export function attentionBackwardFlops(shape: AttentionShape): number {
  return (14 / 4) * attentionFlops(shape);
}

/** Backward bytes that must move: q, k, v, o, dO read, dq, dk, dv written, lse read, D written and read twice. */
export function attentionBackwardBytes(shape: AttentionShape): number {
  const { batch, heads, T, headDim } = shape;
  return 4 * (8 * batch * heads * T * headDim + 4 * batch * heads * T);
}
