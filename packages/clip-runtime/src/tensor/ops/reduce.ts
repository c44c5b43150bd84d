// Reductions (to a scalar or over the last axis) and the losses built from them, with backward rules.
import * as K from '@clipgpu/kernels';
import { record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { div, mul } from './elementwise.js';
import { emptyLike, f32, fail, fmt, rowsCols, sameRuntime } from './util.js';

/** Σ of all elements → a scalar tensor [] (deterministic two-stage reduction). */
export function sum(x: Tensor): Tensor {
  f32('sum', 'x', x);
  const out = emptyLike(x, []);
  K.sumAll(x.rt.gpu, x.buffer, out.buffer, x.size);
  return record('sum', out, [x], [x, out], (g, [xs, os]) => {
    const dx = emptyLike(xs);
    K.reduceLastAxisBackward(g.rt.gpu, 'sum', xs.buffer, os.buffer, g.buffer, dx.buffer, 1, xs.size);
    return [dx];
  });
}

/** op over the last axis: [..., n] → [...] (or [..., 1] with keepDim). */
export function reduceLastAxis(op: K.ReduceOp, x: Tensor, keepDim = false): Tensor {
  f32(op, 'x', x);
  const { rows, cols } = rowsCols(x);
  if (cols === 0) fail(op, `cannot reduce an empty last axis of ${fmt(x.shape)}`);
  const lead = x.shape.slice(0, -1);
  const out = emptyLike(x, keepDim ? [...lead, 1] : lead);
  K.reduceLastAxis(x.rt.gpu, op, x.buffer, out.buffer, rows, cols);
  return record(op, out, [x], [x, out], (g, [xs, os]) => {
    const dx = emptyLike(xs);
    K.reduceLastAxisBackward(g.rt.gpu, op, xs.buffer, os.buffer, g.buffer, dx.buffer, rows, cols);
    return [dx];
  });
}

export const sumLastAxis = (x: Tensor, keepDim = false) => reduceLastAxis('sum', x, keepDim);
export const meanLastAxis = (x: Tensor, keepDim = false) => reduceLastAxis('mean', x, keepDim);
export const l2Norm = (x: Tensor, keepDim = false) => reduceLastAxis('l2norm', x, keepDim);
export const logSumExp = (x: Tensor, keepDim = false) => reduceLastAxis('logsumexp', x, keepDim);
export const maxLastAxis = (x: Tensor, keepDim = false) => reduceLastAxis('max', x, keepDim);

/** mean of all elements → []. */
export function mean(x: Tensor): Tensor {
  const s = sum(x);
  const m = scaleScalar(s, 1 / x.size);
  s.dispose();
  return m;
}

function scaleScalar(x: Tensor, alpha: number): Tensor {
  const y = emptyLike(x);
  K.unary(x.rt.gpu, 'scale', x.buffer, y.buffer, x.size, { alpha, beta: 0 });
  return record('scale', y, [x], [], (g) => {
    const dx = emptyLike(g);
    K.unary(g.rt.gpu, 'scale', g.buffer, dx.buffer, g.size, { alpha, beta: 0 });
    return [dx];
  });
}

/** x / ‖x‖ over the last axis. */
export function normalize(x: Tensor): Tensor {
  const n = l2Norm(x, true);
  const y = div(x, n);
  n.dispose();
  return y;
}

/** Row-by-row cosine similarity of a and b [..., D] → [...]. */
export function cosineSimilarity(a: Tensor, b: Tensor): Tensor {
  sameRuntime('cosineSimilarity', a, b);
  if (fmt(a.shape) !== fmt(b.shape)) fail('cosineSimilarity', `shapes differ: ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const na = normalize(a);
  const nb = normalize(b);
  const p = mul(na, nb);
  const c = sumLastAxis(p);
  [na, nb, p].forEach((t) => t.dispose());
  return c;
}
