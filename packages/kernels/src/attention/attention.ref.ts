// Plain float64 reference for scaled-dot-product attention: the full T×T scores per (batch, head),
// a softmax, and the textbook backward through it. Same shapes and layouts as attention.ts.
import type { AttentionShape } from './attention.js';

/** Offset of element (b, h, t, 0) of q, k, v, o in the shape's layout. */
function rowOffset(s: AttentionShape, b: number, h: number, t: number): number {
  const { heads, T, headDim: D } = s;
  return s.layout === 'bthd' ? ((b * T + t) * heads + h) * D : ((b * heads + h) * T + t) * D;
}

const scaleOf = (s: AttentionShape) => s.scale ?? 1 / Math.sqrt(s.headDim);

/** P[i, j] = softmax_j(scale·q_i·k_j) for one (batch, head), masked j > i when causal; and each row's lse. */
function probabilities(s: AttentionShape, q: ArrayLike<number>, k: ArrayLike<number>, b: number, h: number) {
  const { T, headDim: D } = s;
  const scale = scaleOf(s);
  const P = new Float64Array(T * T);
  const lse = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    const qi = rowOffset(s, b, h, i);
    const end = s.causal ? i + 1 : T;
    let max = -Infinity;
    for (let j = 0; j < end; j++) {
      const kj = rowOffset(s, b, h, j);
      let dot = 0;
      for (let d = 0; d < D; d++) dot += q[qi + d] * k[kj + d];
      P[i * T + j] = scale * dot;
      max = Math.max(max, scale * dot);
    }
    let sum = 0;
    for (let j = 0; j < end; j++) sum += Math.exp(P[i * T + j] - max);
    for (let j = 0; j < end; j++) P[i * T + j] = Math.exp(P[i * T + j] - max) / sum;
    lse[i] = max + Math.log(sum);
  }
  return { P, lse };
}

/** o = softmax(scale·q·kᵀ (+causal mask))·v in q's layout; lse [batch, heads, T]. */
export function attentionRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  s: AttentionShape,
): { o: Float64Array; lse: Float64Array } {
  const { batch, heads, T, headDim: D } = s;
  const o = new Float64Array(batch * heads * T * D);
  const lse = new Float64Array(batch * heads * T);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const { P, lse: rowLse } = probabilities(s, q, k, b, h);
      lse.set(rowLse, (b * heads + h) * T);
      for (let i = 0; i < T; i++) {
        const oi = rowOffset(s, b, h, i);
        for (let j = 0; j < T; j++) {
          const p = P[i * T + j];
          if (p === 0) continue;
          const vj = rowOffset(s, b, h, j);
          for (let d = 0; d < D; d++) o[oi + d] += p * v[vj + d];
        }
      }
    }
  }
  return { o, lse };
}

/**
 * Gradients of Σ dO∘o with respect to q, k, v: dV = Pᵀ·dO, dP = dO·vᵀ, dS = P∘(dP − rowsum(dP∘P)),
 * dQ = scale·dS·k, dK = scale·dSᵀ·q (all in the shape's layout).
 */
export function attentionBackwardRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  dO: ArrayLike<number>,
  s: AttentionShape,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { batch, heads, T, headDim: D } = s;
  const scale = scaleOf(s);
  const n = batch * heads * T * D;
  const dq = new Float64Array(n);
  const dk = new Float64Array(n);
  const dv = new Float64Array(n);
  const dS = new Float64Array(T);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const { P } = probabilities(s, q, k, b, h);
      for (let i = 0; i < T; i++) {
        const oi = rowOffset(s, b, h, i);
        // dP[i, j] = dO_i·v_j, then dS = P∘(dP − Σ_j P∘dP)
        let rowDot = 0;
        for (let j = 0; j < T; j++) {
          const vj = rowOffset(s, b, h, j);
          let dp = 0;
          for (let d = 0; d < D; d++) dp += dO[oi + d] * v[vj + d];
          dS[j] = dp;
          rowDot += P[i * T + j] * dp;
        }
        for (let j = 0; j < T; j++) {
          const p = P[i * T + j];
          if (p === 0) continue;
          const ds = p * (dS[j] - rowDot);
          const kj = rowOffset(s, b, h, j);
          for (let d = 0; d < D; d++) {
            dv[kj + d] += p * dO[oi + d];
            dq[oi + d] += scale * ds * k[kj + d];
            dk[kj + d] += scale * ds * q[oi + d];
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}
