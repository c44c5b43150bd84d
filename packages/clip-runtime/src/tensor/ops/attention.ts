// Multi-head attention on the fused (flash-style) kernels, forward and backward side by side.
import * as K from '@clipgpu/kernels';
import { record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { emptyLike, f32, fail, fmt } from './util.js';

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
