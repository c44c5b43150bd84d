// layerNorm, forward and backward side by side (the layernorm kernel family).
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
