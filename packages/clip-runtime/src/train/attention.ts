// Multi-head attention composed from matmul, softmax and permute (each with its own backward),
// numerically the same function as ops.attention. Training uses it because the fused attention
// backward kernel is far slower than these on SwiftShader for the tiny model's shapes (measured:
// ~4 s per [64, 17, 64] call vs. well under a second composed). The weights do not change: a
// model trained with it loads and runs with the fused kernel.
import { ClipAttention } from '../model/layers.js';
import { ops, Tensor, tidy } from '../tensor/index.js';

const masks = new Map<string, Tensor>();

/** 0 on and below the diagonal, −1e9 above: added to the scores for causal attention. */
function causalMask(T: number, like: Tensor): Tensor {
  const key = `${T}`;
  let m = masks.get(key);
  if (!m || m.isDisposed || m.rt !== like.rt) {
    const data = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) data[i * T + j] = -1e9;
    m = Tensor.from(data, [T, T], { runtime: like.rt });
    masks.set(key, m);
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

/** Makes every ClipAttention use composedAttention (training only; returns the undo). */
export function useComposedAttention(): () => void {
  const original = ClipAttention.prototype.forward;
  ClipAttention.prototype.forward = function (this: ClipAttention, x: Tensor, residual: Tensor, causal: boolean): Tensor {
    const q = this.q_proj.forward(x);
    const k = this.k_proj.forward(x);
    const v = this.v_proj.forward(x);
    const a = composedAttention(q, k, v, this.numHeads, causal);
    const out = this.out_proj.forward(a, { residual });
    [q, k, v, a].forEach((t) => t.dispose());
    return out;
  };
  return () => {
    ClipAttention.prototype.forward = original;
  };
}
