// Plain float64 references for the layout kernels, same names and shapes as layout.ts.
import type { AxisRange } from './layout.js';

export function fillRef(n: number, value: number): Float64Array {
  return new Float64Array(n).fill(value);
}

/** dst (copied, not modified) with src[:, srcStart:+len, :] copied or added into dst[:, dstStart:+len, :]. */
export function copyAxisRangeRef(src: ArrayLike<number>, dst: ArrayLike<number>, p: AxisRange): Float64Array {
  const out = Float64Array.from(dst);
  for (let o = 0; o < p.outer; o++)
    for (let l = 0; l < p.len; l++)
      for (let k = 0; k < p.inner; k++) {
        const s = src[(o * p.srcDim + p.srcStart + l) * p.inner + k];
        const d = (o * p.dstDim + p.dstStart + l) * p.inner + k;
        out[d] = p.accumulate ? out[d] + s : s;
      }
  return out;
}

/** y[i_0..i_r] = x[j] with j[perm[k]] = i[k]. */
export function permuteRef(x: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): Float64Array {
  const rank = shape.length;
  const n = shape.reduce((a, b) => a * b, 1);
  const inStride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((p) => shape[p]);
  const y = new Float64Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let k = 0; k < rank; k++) src += idx[k] * inStride[perm[k]];
    y[i] = x[src];
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < outShape[k]) break;
      idx[k] = 0;
    }
  }
  return y;
}

export function embeddingRef(table: ArrayLike<number>, ids: ArrayLike<number>, dim: number): Float64Array {
  const out = new Float64Array(ids.length * dim);
  for (let i = 0; i < ids.length; i++) for (let d = 0; d < dim; d++) out[i * dim + d] = table[ids[i] * dim + d];
  return out;
}

/** dtable (zeros unless `init` is given) + scatter-add of dout rows by ids. */
export function embeddingBackwardRef(
  ids: ArrayLike<number>,
  dout: ArrayLike<number>,
  dim: number,
  vocab: number,
  init?: ArrayLike<number>,
): Float64Array {
  const dtable = init ? Float64Array.from(init) : new Float64Array(vocab * dim);
  for (let i = 0; i < ids.length; i++) for (let d = 0; d < dim; d++) dtable[ids[i] * dim + d] += dout[i * dim + d];
  return dtable;
}
