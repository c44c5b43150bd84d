// layerNorm, attention, softmax and logSoftmax, forward and backward side by side.
import * as K from '@clipgpu/kernels';
import { record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { emptyLike, f32, fail, fmt, rowsCols, sameRuntime } from './util.js';

/** Layer normalisation over the last axis, as torch.nn.LayerNorm. */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  f32('layerNorm', 'x', x);
  sameRuntime('layerNorm', x, gamma, beta);
  const { rows, cols } = rowsCols(x);
  if (gamma.size !== cols || beta.size !== cols)
    fail('layerNorm', `gamma ${fmt(gamma.shape)} and beta ${fmt(beta.shape)} must have ${cols} elements for x ${fmt(x.shape)}`);
  const y = emptyLike(x);
  const mean = emptyLike(x, [rows]);
  const rstd = emptyLike(x, [rows]);
  K.layerNorm(x.rt.gpu, x.buffer, gamma.buffer, beta.buffer, y.buffer, mean.buffer, rstd.buffer, rows, cols, eps);
  const out = record('layerNorm', y, [x, gamma, beta], [x, gamma, mean, rstd], (g, [xs, gs, ms, rs]) => {
    const dx = x.requiresGrad ? emptyLike(xs) : undefined;
    const dgamma = gamma.requiresGrad ? emptyLike(gs) : undefined;
    const dbeta = beta.requiresGrad ? emptyLike(gs) : undefined;
    K.layerNormBackward(
      g.rt.gpu,
      {
        x: xs.buffer,
        gamma: gs.buffer,
        mean: ms.buffer,
        rstd: rs.buffer,
        dy: g.buffer,
        dx: dx?.buffer,
        dgamma: dgamma?.buffer,
        dbeta: dbeta?.buffer,
      },
      rows,
      cols,
    );
    return [dx, dgamma, dbeta];
  });
  mean.dispose();
  rstd.dispose();
  return out;
}

export interface AttentionOptions {
  heads: number;
  causal?: boolean;
  scale?: number;
}

/**
 * Multi-head scaled-dot-product attention on projections laid out as a Linear makes them:
 * q, k, v [B, T, heads·headDim] → [B, T, heads·headDim]. Fused (flash-style) on the GPU.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  for (const [n, t] of [
    ['q', q],
    ['k', k],
    ['v', v],
  ] as const) {
    f32('attention', n, t);
    if (t.shape.length !== 3 || fmt(t.shape) !== fmt(q.shape))
      fail('attention', `'${n}' must be [B, T, heads·headDim] like q ${fmt(q.shape)}, got ${fmt(t.shape)}`);
  }
  const [batch, T, width] = q.shape;
  if (width % opts.heads !== 0) fail('attention', `width ${width} is not divisible by ${opts.heads} heads`);
  const shape: K.AttentionShape = {
    batch,
    heads: opts.heads,
    T,
    headDim: width / opts.heads,
    causal: opts.causal,
    scale: opts.scale,
    layout: 'bthd',
  };
  const o = emptyLike(q);
  const lse = emptyLike(q, [batch, opts.heads, T]);
  K.attention(q.rt.gpu, q.buffer, k.buffer, v.buffer, o.buffer, lse.buffer, shape);
  const out = record('attention', o, [q, k, v], [q, k, v, o, lse], (g, [qs, ks, vs, os, ls]) => {
    const dq = emptyLike(qs);
    const dk = emptyLike(ks);
    const dv = emptyLike(vs);
    K.attentionBackward(
      g.rt.gpu,
      { q: qs.buffer, k: ks.buffer, v: vs.buffer, o: os.buffer, lse: ls.buffer, dO: g.buffer, dq: dq.buffer, dk: dk.buffer, dv: dv.buffer },
      shape,
    );
    return [dq, dk, dv];
  });
  lse.dispose();
  return out;
}

/** softmax over the last axis. */
export function softmax(x: Tensor): Tensor {
  f32('softmax', 'x', x);
  const { rows, cols } = rowsCols(x);
  const y = emptyLike(x);
  K.softmax(x.rt.gpu, x.buffer, y.buffer, rows, cols);
  return record('softmax', y, [x], [y], (g, [ys]) => {
    const dx = emptyLike(ys);
    K.softmaxBackward(g.rt.gpu, ys.buffer, g.buffer, dx.buffer, rows, cols);
    return [dx];
  });
}

/** log-softmax over the last axis (for cross-entropy). */
export function logSoftmax(x: Tensor): Tensor {
  f32('logSoftmax', 'x', x);
  const { rows, cols } = rowsCols(x);
  const y = emptyLike(x);
  K.logSoftmax(x.rt.gpu, x.buffer, y.buffer, rows, cols);
  return record('logSoftmax', y, [x], [y], (g, [ys]) => {
    const dx = emptyLike(ys);
    K.logSoftmaxBackward(g.rt.gpu, ys.buffer, g.buffer, dx.buffer, rows, cols);
    return [dx];
  });
}
