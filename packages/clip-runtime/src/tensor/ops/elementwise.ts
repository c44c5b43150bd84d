// Elementwise ops with their backward rules side by side.
import * as K from '@clipgpu/kernels';
import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { broadcastOf, emptyLike, f32, fail, fmt, sameRuntime } from './util.js';

/** y = op(x); the backward rule needs x. */
export function unary(op: K.UnaryOp, x: Tensor, p: K.UnaryParams = {}): Tensor {
  f32(op, 'x', x);
  const y = emptyLike(x);
  K.unary(x.rt.gpu, op, x.buffer, y.buffer, x.size, p);
  return record(op, y, [x], [x], (g, [xs]) => {
    const dx = emptyLike(xs);
    K.unaryBackward(g.rt.gpu, op, xs.buffer, g.buffer, dx.buffer, xs.size, p);
    return [dx];
  });
}

export const gelu = (x: Tensor) => unary('gelu', x);
export const quickGelu = (x: Tensor) => unary('quickGelu', x);
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
export const tanh = (x: Tensor) => unary('tanh', x);
export const sin = (x: Tensor) => unary('sin', x);
export const relu = (x: Tensor) => unary('relu', x);
export const leakyRelu = (x: Tensor) => unary('leakyRelu', x);
export const exp = (x: Tensor) => unary('exp', x);
export const asin = (x: Tensor) => unary('asin', x);
/** alpha·x + beta */
export const scale = (x: Tensor, alpha: number, beta = 0) => unary('scale', x, { alpha, beta });
export const neg = (x: Tensor) => scale(x, -1);
export const clamp = (x: Tensor, lo: number, hi: number) => unary('clamp', x, { alpha: lo, beta: hi });

/**
 * a ∘ b with NumPy-style broadcasting of one operand over the other, as long as the smaller one's
 * non-1 axes form one contiguous block (a bias [D] over [B, T, D], a per-row [B, 1] over [B, D]).
 */
export function binary(op: K.BinaryOp, a: Tensor, b: Tensor): Tensor {
  f32(op, 'a', a);
  f32(op, 'b', b);
  sameRuntime(op, a, b);
  const swap = a.size < b.size;
  const bc = swap ? broadcastOf(b.shape, a.shape) : broadcastOf(a.shape, b.shape);
  if (!bc) fail(op, `shapes ${fmt(a.shape)} and ${fmt(b.shape)} do not broadcast`);
  // the broadcast operand goes second: commute add and mul
  if (swap) {
    if (op === 'add' || op === 'mul') return binary(op, b, a);
    fail(op, `cannot broadcast the first operand ${fmt(a.shape)} over the second ${fmt(b.shape)}`);
  }
  const out = emptyLike(a);
  K.binary(a.rt.gpu, op, a.buffer, b.buffer, out.buffer, a.size, bc);
  // add/sub gradients need neither operand: the kernel's a/b bindings are then fed dout itself
  const saved = op === 'add' || op === 'sub' ? [] : [a, b];
  return record(op, out, [a, b], saved, (g, s) => {
    const [as, bs] = s.length ? s : [g, g];
    const da = emptyLike(a);
    const db = emptyLike(b);
    K.binaryBackward(g.rt.gpu, op, as.buffer, bs.buffer, g.buffer, da.buffer, db.buffer, a.size, bc);
    return [da, db];
  });
}

export const add = (a: Tensor, b: Tensor) => binary('add', a, b);
export const sub = (a: Tensor, b: Tensor) => binary('sub', a, b);
export const mul = (a: Tensor, b: Tensor) => binary('mul', a, b);
export const div = (a: Tensor, b: Tensor) => binary('div', a, b);

/** A constant tensor of x's shape filled with `value` (no gradient). */
export function full(
  like: Tensor | { shape: readonly number[]; rt: Tensor['rt'] },
  value: number,
  shape: readonly number[] = like.shape,
): Tensor {
  const t = Tensor.empty(shape, 'f32', like.rt);
  K.fill(like.rt.gpu, t.buffer, t.size, value);
  return t;
}
