// Multi-head attention composed from matmul, softmax and permute, each with its own backward:
// numerically the same function as ops.attention (the fused kernels), for
// `attnImplementation: 'composed'`.
import { ops, Tensor, tidy } from '../tensor/index.js';

const masks = new Map<number, Tensor>();

/** 0 on and below the diagonal, −1e9 above: added to the scores for causal attention. */
function causalMask(T: number, like: Tensor): Tensor {
  let m = masks.get(T);
  if (!m || m.isDisposed || m.rt !== like.rt) {
    const data = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) data[i * T + j] = -1e9;
    m = Tensor.from(data, [T, T], { runtime: like.rt });
    masks.set(T, m);
  }
  return m;
}

/** q, k, v [B, T, heads·d] → [B, T, heads·d]: softmax(q·kᵀ/√d [+ mask])·v per head. */
export function composedAttention(q: Tensor, k: Tensor, v: Tensor, heads: number, causal: boolean): Tensor {
  const [B, T, W] = q.shape as [number, number, number];
  const d = W / heads;
  return tidy(() => {
    const split = (x: Tensor) => ops.permute(ops.reshape(x, [B, T, heads, d]), [0, 2, 1, 3]); // [B, H, T, d]
    const qh = split(q);
    const kh = split(k);
    const vh = split(v);
    let scores = ops.scale(ops.matmul(qh, kh, { transB: true }), 1 / Math.sqrt(d)); // [B, H, T, T]
    if (causal) scores = ops.add(scores, causalMask(T, q));
    const out = ops.matmul(ops.softmax(scores), vh); // [B, H, T, d]
    return ops.reshape(ops.permute(out, [0, 2, 1, 3]), [B, T, W]);
  });
}
