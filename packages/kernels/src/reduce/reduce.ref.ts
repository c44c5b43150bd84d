// Plain float64 references for the reductions over the last axis, x [rows, cols].
import type { ReduceOp } from './reduce.js';

function rowMax(x: ArrayLike<number>, off: number, cols: number): number {
  let m = -Infinity;
  for (let c = 0; c < cols; c++) m = Math.max(m, x[off + c]);
  return m;
}

/** out[r] = op over x[r, :]. */
export function reduceLastAxisRef(op: ReduceOp, x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const m = rowMax(x, off, cols);
    if (op === 'max') {
      out[r] = m;
      continue;
    }
    let acc = 0;
    for (let c = 0; c < cols; c++) {
      const v = x[off + c];
      acc += op === 'l2norm' ? v * v : op === 'logsumexp' ? Math.exp(v - m) : v;
    }
    out[r] = op === 'mean' ? acc / cols : op === 'l2norm' ? Math.sqrt(acc) : op === 'logsumexp' ? m + Math.log(acc) : acc;
  }
  return out;
}

/** dx[r, c] from dout[r] (max: to the first argmax only; l2norm: 0 where ‖x‖ = 0). */
export function reduceLastAxisBackwardRef(
  op: ReduceOp,
  x: ArrayLike<number>,
  out: ArrayLike<number>,
  dout: ArrayLike<number>,
  rows: number,
  cols: number,
): Float64Array {
  const dx = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    const g = dout[r];
    const o = out[r];
    if (op === 'max') {
      let first = 0;
      for (let c = 1; c < cols; c++) if (x[off + c] > x[off + first]) first = c;
      dx[off + first] = g;
      continue;
    }
    for (let c = 0; c < cols; c++) {
      const v = x[off + c];
      dx[off + c] = op === 'sum' ? g : op === 'mean' ? g / cols : op === 'l2norm' ? (o > 0 ? (g * v) / o : 0) : g * Math.exp(v - o);
    }
  }
  return dx;
}

/** Σ x. */
export function sumAllRef(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

/** out[c] = Σ_r x[r, c]. */
export function sumColumnsRef(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += x[r * cols + c];
  return out;
}
