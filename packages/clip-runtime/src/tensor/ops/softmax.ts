// softmax and logSoftmax over the last axis, forward and backward side by side.
import * as K from '@clipgpu/kernels';
import { record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { emptyLike, f32, rowsCols } from './util.js';

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
