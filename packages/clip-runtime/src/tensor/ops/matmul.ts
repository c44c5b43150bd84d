// matmul and linear (x·Wᵀ + b with the fused epilogue), forward and backward side by side.
import * as K from '@clipgpu/kernels';
import { record } from '../autograd.js';
import { sizeOf, type Tensor } from '../tensor.js';
import { emptyLike, f32, fail, fmt, sameRuntime } from './util.js';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * Batched a·b over the last two axes: a [..., M, K], b [..., K, N] (or transposed). Either operand
 * may be 2-D and shared by every batch.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  f32('matmul', 'a', a);
  f32('matmul', 'b', b);
  sameRuntime('matmul', a, b);
  if (a.shape.length < 2 || b.shape.length < 2) fail('matmul', `operands need ≥ 2 axes, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [M, Ka] = opts.transA ? [ac, ar] : [ar, ac];
  const [Kb, N] = opts.transB ? [bc, br] : [br, bc];
  if (Ka !== Kb)
    fail('matmul', `inner dimensions differ: a ${fmt(a.shape)}${opts.transA ? 'ᵀ' : ''} · b ${fmt(b.shape)}${opts.transB ? 'ᵀ' : ''}`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const broadcastA = batchA.length === 0 && batchB.length > 0;
  const broadcastB = batchB.length === 0 && batchA.length > 0;
  if (!broadcastA && !broadcastB && fmt(batchA) !== fmt(batchB)) fail('matmul', `batch shapes differ: ${fmt(a.shape)} and ${fmt(b.shape)}`);
  const batchShape = broadcastA ? batchB : batchA;
  const shape: K.MatmulShape = { batch: sizeOf(batchShape), M, N, K: Ka, transA: opts.transA, transB: opts.transB, broadcastA, broadcastB };
  const out = emptyLike(a, [...batchShape, M, N]);
  K.matmul(a.rt.gpu, a.buffer, b.buffer, out.buffer, shape);
  return record('matmul', out, [a, b], [a, b], (g, [as, bs]) => {
    const da = a.requiresGrad ? emptyLike(as) : undefined;
    const db = b.requiresGrad ? emptyLike(bs) : undefined;
    K.matmulBackward(g.rt.gpu, { a: as.buffer, b: bs.buffer, dc: g.buffer, da: da?.buffer, db: db?.buffer }, shape);
    return [da, db];
  });
}

export interface LinearOptions {
  activation?: K.MatmulActivation;
  /** added after the activation (a residual connection), same shape as the output */
  residual?: Tensor;
}

/**
 * y = act(x·Wᵀ + bias) + residual for x [..., in] and a Hugging Face Linear weight [out, in]
 * (f32, or f16 packed for half the memory; f16 weights are frozen: no gradient).
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor, opts: LinearOptions = {}): Tensor {
  f32('linear', 'x', x);
  if (weight.shape.length !== 2) fail('linear', `weight must be [out, in], got ${fmt(weight.shape)}`);
  const [N, K_] = weight.shape;
  const inFeatures = x.shape[x.shape.length - 1];
  if (inFeatures !== K_) fail('linear', `x ${fmt(x.shape)} has ${inFeatures} features, weight ${fmt(weight.shape)} expects ${K_}`);
  if (bias && (bias.size !== N || bias.dtype !== 'f32')) fail('linear', `bias must be f32 [${N}], got ${bias.dtype} ${fmt(bias.shape)}`);
  const outShape = [...x.shape.slice(0, -1), N];
  if (opts.residual && fmt(opts.residual.shape) !== fmt(outShape))
    fail('linear', `residual ${fmt(opts.residual.shape)} must match the output ${fmt(outShape)}`);
  const M = x.size / K_;
  const shape: K.MatmulShape = { M, N, K: K_, transB: true };
  const activation = opts.activation ?? 'none';
  const out = emptyLike(x, outShape);
  const needsGrad = [x, weight, bias, opts.residual].some((t) => t?.requiresGrad);
  const pre = activation !== 'none' && needsGrad ? emptyLike(x, outShape) : undefined;
  const epilogue: K.MatmulEpilogue = { bias: bias?.buffer, activation, residual: opts.residual?.buffer, preActivation: pre?.buffer };
  if (weight.dtype === 'f16') K.matmulF16(x.rt.gpu, x.buffer, weight.buffer, out.buffer, shape, epilogue);
  else K.matmul(x.rt.gpu, x.buffer, weight.buffer, out.buffer, shape, epilogue);
  const inputs = [x, weight, ...(bias ? [bias] : []), ...(opts.residual ? [opts.residual] : [])];
  const result = record('linear', out, inputs, pre ? [x, weight, pre] : [x, weight], (g, [xs, ws, ps]) => {
    const dx = x.requiresGrad ? emptyLike(xs) : undefined;
    const dw = weight.requiresGrad ? emptyLike(ws) : undefined;
    const db = bias?.requiresGrad ? emptyLike(bias) : undefined;
    const gpu = g.rt.gpu;
    if (ws.dtype === 'f16') {
      if (dw) fail('linear', 'f16 weights are frozen: load the model with dtype f32 to train it');
      // dZ = g·act'(pre), then dx = dZ·W: the packed [N, K] weight read untransposed.
      let dz = g;
      if (ps) {
        dz = emptyLike(g);
        K.unaryBackward(gpu, activation, ps.buffer, g.buffer, dz.buffer, g.size);
      }
      if (dx) K.matmulF16(gpu, dz.buffer, ws.buffer, dx.buffer, { M, N: K_, K: N, transB: false });
      if (db) K.sumColumns(gpu, dz.buffer, db.buffer, M, N);
      if (dz !== g) dz.dispose();
    } else {
      K.matmulBackward(
        gpu,
        {
          a: xs.buffer,
          b: ws.buffer,
          dc: g.buffer,
          preActivation: ps?.buffer,
          activation,
          da: dx?.buffer,
          db: dw?.buffer,
          dbias: db?.buffer,
        },
        shape,
      );
    }
    return [dx, dw, ...(bias ? [db] : []), ...(opts.residual ? [g.view(g.shape)] : [])];
  });
  pre?.dispose(); // the node holds its own view of it
  return result;
}
