// Our kernels over CLIP's shapes, forward and backward, each entry with its napkin math:
//   matmul    C = x·Wᵀ + b (f32, and W as packed f16): FLOPs 2MNK; bytes x, W, b, C once.
//             backward dx = dC·W, dW = dCᵀ·x, db = Σ dC: FLOPs 4MNK; bytes 4·(2MN + 2MK + 2NK + N).
//   attention attentionFlops / attentionBytes (and their backward) from the kernels package.
//   layernorm forward layerNormBytes, ≈ 8·rows·cols FLOPs; backward (dx, dgamma, dbeta)
//             4·(5·rows·cols + cols + 4·rows) bytes, ≈ 17·rows·cols FLOPs.
//   softmax   forward 8·rows·cols bytes, ≈ 5·rows·cols FLOPs; backward 12·rows·cols bytes, 4·rows·cols FLOPs.
// prepareOurs() allocates a case's buffers and returns one launcher per row (the suite times them,
// alone or interleaved with the peers); dispose() frees them.
import * as K from '@clipgpu/kernels';
import type { Gpu } from '@clipgpu/kernels';
import { filled, type Launcher, type RowBase } from './core.js';
import type { AttentionCase, MatmulCase, RowsCase } from './shapes.js';

export interface OurEntry {
  base: RowBase;
  launcher: Launcher;
}
export interface Prepared {
  entries: OurEntry[];
  dispose: () => void;
}
/** which rows of a case to make */
export interface Want {
  variants: string[];
  directions: string[];
}

type Base = Omit<RowBase, 'impl' | 'timing' | 'family' | 'name' | 'shape'>;
const wants = (w: Want, variant: string, direction: string) =>
  (!w.variants.length || w.variants.includes(variant)) && (!w.directions.length || w.directions.includes(direction));

function prepared(gpu: Gpu, family: string, name: string, shape: string, buffers: GPUBuffer[]) {
  const entries: OurEntry[] = [];
  return {
    entries,
    add(b: Base, out: GPUBuffer, launch: () => void) {
      const base: RowBase = { family, name, shape, impl: 'clipgpu', timing: 'wall-clock+readback', ...b };
      entries.push({ base, launcher: { launch, done: () => gpu.read(out, 4) } });
    },
    dispose: () => buffers.forEach((x) => gpu.destroyBuffer(x)),
  };
}

export const matmulShapeText = (c: { M: number; K: number; N: number }) => `${c.M}×${c.K}×${c.N}`;

function matmulCase(gpu: Gpu, c: MatmulCase, w: Want): Prepared {
  const shape: K.MatmulShape = { M: c.M, N: c.N, K: c.K, transB: true };
  const weights = filled(c.N * c.K, 2);
  const x = gpu.upload(filled(c.M * c.K, 1), 'x');
  const bias = gpu.upload(filled(c.N, 3), 'bias');
  const out = gpu.createBuffer(c.M * c.N * 4, 'c');
  const bufs = [x, bias, out];
  const p = prepared(gpu, 'matmul', c.name, matmulShapeText(c), bufs);
  const notes = `config ${K.defaultMatmulConfig(gpu, shape).name}`;
  const flops = K.matmulFlops(shape);
  for (const f16 of [false, true]) {
    if (!wants(w, f16 ? 'f16' : 'f32', 'forward')) continue;
    const W = f16 ? gpu.upload(K.packF16(weights), 'w f16') : gpu.upload(weights, 'w');
    bufs.push(W);
    const bytes = K.matmulBytes(shape, f16) + 4 * c.N;
    const base = { variant: f16 ? 'f16' : 'f32', direction: 'forward' as const, flops, bytes, notes };
    p.add(base, out, f16 ? () => K.matmulF16(gpu, x, W, out, shape, { bias }) : () => K.matmul(gpu, x, W, out, shape, { bias }));
  }
  // backward (f32: training and guidance differentiate through f32 weights)
  if (wants(w, 'f32', 'backward')) {
    const W = gpu.upload(weights, 'w');
    const dc = gpu.upload(filled(c.M * c.N, 4), 'dc');
    const da = gpu.createBuffer(c.M * c.K * 4, 'da');
    const db = gpu.createBuffer(c.N * c.K * 4, 'db');
    const dbias = gpu.createBuffer(c.N * 4, 'dbias');
    bufs.push(W, dc, da, db, dbias);
    const bytes = 4 * (2 * c.M * c.N + 2 * c.M * c.K + 2 * c.N * c.K + c.N);
    p.add({ variant: 'f32', direction: 'backward', flops: 2 * flops, bytes, notes }, db, () =>
      K.matmulBackward(gpu, { a: x, b: W, dc, da, db, dbias }, shape),
    );
  }
  return p;
}

function attentionCase(gpu: Gpu, c: AttentionCase, w: Want): Prepared {
  const shape: K.AttentionShape = { batch: c.batch, heads: c.heads, T: c.T, headDim: c.headDim, causal: c.causal };
  const n = c.batch * c.heads * c.T * c.headDim;
  const [q, k, v, dO] = [1, 2, 3, 4].map((s) => gpu.upload(filled(n, s, 1), 'qkv'));
  const [o, dq, dk, dv] = [0, 1, 2, 3].map(() => gpu.createBuffer(n * 4, 'out'));
  const lse = gpu.createBuffer(c.batch * c.heads * c.T * 4, 'lse');
  const s = `${c.batch}×${c.heads}×${c.T}×${c.headDim}${c.causal ? ' causal' : ''}`;
  const p = prepared(gpu, 'attention', c.name, s, [q, k, v, dO, o, dq, dk, dv, lse]);
  // the backward reads the forward's o and lse: run it once whatever is timed
  K.attention(gpu, q, k, v, o, lse, shape);
  if (wants(w, 'f32', 'forward'))
    p.add({ variant: 'f32', direction: 'forward', flops: K.attentionFlops(shape), bytes: K.attentionBytes(shape) }, o, () =>
      K.attention(gpu, q, k, v, o, lse, shape),
    );
  if (wants(w, 'f32', 'backward'))
    p.add(
      { variant: 'f32', direction: 'backward', flops: K.attentionBackwardFlops(shape), bytes: K.attentionBackwardBytes(shape) },
      dq,
      () => K.attentionBackward(gpu, { q, k, v, o, lse, dO, dq, dk, dv }, shape),
    );
  return p;
}

function layerNormCase(gpu: Gpu, c: RowsCase, w: Want): Prepared {
  const n = c.rows * c.cols;
  const x = gpu.upload(filled(n, 4, 1), 'x');
  const gamma = gpu.upload(filled(c.cols, 5), 'gamma');
  const beta = gpu.upload(filled(c.cols, 6), 'beta');
  const dy = gpu.upload(filled(n, 7), 'dy');
  const [y, dx] = [gpu.createBuffer(n * 4, 'y'), gpu.createBuffer(n * 4, 'dx')];
  const [mean, rstd] = [gpu.createBuffer(c.rows * 4, 'mean'), gpu.createBuffer(c.rows * 4, 'rstd')];
  const [dgamma, dbeta] = [gpu.createBuffer(c.cols * 4, 'dgamma'), gpu.createBuffer(c.cols * 4, 'dbeta')];
  const p = prepared(gpu, 'layernorm', c.name, `${c.rows}×${c.cols}`, [x, gamma, beta, dy, y, dx, mean, rstd, dgamma, dbeta]);
  const forward = () => K.layerNorm(gpu, x, gamma, beta, y, mean, rstd, c.rows, c.cols, 1e-5);
  forward(); // the backward reads mean and rstd
  if (wants(w, 'f32', 'forward'))
    p.add({ variant: 'f32', direction: 'forward', flops: 8 * n, bytes: K.layerNormBytes(c.rows, c.cols) }, y, forward);
  if (wants(w, 'f32', 'backward'))
    p.add({ variant: 'f32', direction: 'backward', flops: 17 * n, bytes: 4 * (5 * n + c.cols + 4 * c.rows) }, dx, () =>
      K.layerNormBackward(gpu, { x, gamma, mean, rstd, dy, dx, dgamma, dbeta }, c.rows, c.cols),
    );
  return p;
}

function softmaxCase(gpu: Gpu, c: RowsCase, w: Want): Prepared {
  const n = c.rows * c.cols;
  const x = gpu.upload(filled(n, 8, 4), 'x');
  const dy = gpu.upload(filled(n, 9), 'dy');
  const [y, dx] = [gpu.createBuffer(n * 4, 'y'), gpu.createBuffer(n * 4, 'dx')];
  const p = prepared(gpu, 'softmax', c.name, `${c.rows}×${c.cols}`, [x, dy, y, dx]);
  K.softmax(gpu, x, y, c.rows, c.cols);
  if (wants(w, 'f32', 'forward'))
    p.add({ variant: 'f32', direction: 'forward', flops: 5 * n, bytes: 8 * n }, y, () => K.softmax(gpu, x, y, c.rows, c.cols));
  if (wants(w, 'f32', 'backward'))
    p.add({ variant: 'f32', direction: 'backward', flops: 4 * n, bytes: 12 * n }, dx, () =>
      K.softmaxBackward(gpu, y, dy, dx, c.rows, c.cols),
    );
  return p;
}

/** Our launchers for one case of `family`. */
export function prepareOurs(gpu: Gpu, family: string, c: unknown, w: Want): Prepared {
  if (family === 'matmul') return matmulCase(gpu, c as MatmulCase, w);
  if (family === 'attention') return attentionCase(gpu, c as AttentionCase, w);
  if (family === 'layernorm') return layerNormCase(gpu, c as RowsCase, w);
  if (family === 'softmax') return softmaxCase(gpu, c as RowsCase, w);
  throw new Error(`no family '${family}'`);
}
