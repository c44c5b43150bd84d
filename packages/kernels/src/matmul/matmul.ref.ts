// Plain float64 references for the matmul kernels, forward and backward.
//   C[b] = act(alpha·A[b]·B[b] + bias) + residual[b]      A[b]: [M,K] (stored [K,M] when transA),
//   B[b]: [K,N] (stored [N,K] when transB), C[b]: [M,N]; a broadcast operand is one matrix for all b.
import { unaryBackwardRef, unaryRef } from '../elementwise/elementwise.ref.js';
import { mulberry32, randn } from '../random.js';
import type { MatmulActivation, MatmulShape } from './matmul.js';

export interface MatmulEpilogueValues {
  /** [N] */
  bias?: ArrayLike<number>;
  activation?: MatmulActivation;
  /** [batch,M,N] */
  residual?: ArrayLike<number>;
  alpha?: number;
}

/** Index of A[b][m,k] and B[b][k,n] in their storage. */
function indexers(s: MatmulShape) {
  const { M, N, K } = s;
  return {
    ia: (b: number, m: number, k: number) => (s.broadcastA ? 0 : b * M * K) + (s.transA ? k * M + m : m * K + k),
    ib: (b: number, k: number, n: number) => (s.broadcastB ? 0 : b * K * N) + (s.transB ? n * K + k : k * N + n),
  };
}

/** alpha·A·B + bias: the activation's input, [batch,M,N]. */
export function matmulPreActivationRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  s: MatmulShape,
  ep: MatmulEpilogueValues = {},
): Float64Array {
  const { M, N, K } = s;
  const batch = s.batch ?? 1;
  const alpha = ep.alpha ?? 1;
  const { ia, ib } = indexers(s);
  const out = new Float64Array(batch * M * N);
  const row = new Float64Array(N);
  for (let bi = 0; bi < batch; bi++)
    for (let m = 0; m < M; m++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const x = a[ia(bi, m, k)];
        const at = ib(bi, k, 0);
        const step = s.transB ? K : 1;
        if (x !== 0) for (let n = 0; n < N; n++) row[n] += x * b[at + n * step];
      }
      for (let n = 0; n < N; n++) out[(bi * M + m) * N + n] = alpha * row[n] + (ep.bias ? ep.bias[n] : 0);
    }
  return out;
}

/** C = act(alpha·A·B + bias) + residual, [batch,M,N]. */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, s: MatmulShape, ep: MatmulEpilogueValues = {}): Float64Array {
  const pre = matmulPreActivationRef(a, b, s, ep);
  const c = unaryRef(ep.activation ?? 'none', pre);
  if (ep.residual) for (let i = 0; i < c.length; i++) c[i] += ep.residual[i];
  return c;
}

/**
 * Gradients of Σ dc·C with respect to A, B and bias, stored like A, B ([N]); a broadcast operand's
 * gradient sums over the batch. The residual's gradient is dc itself.
 */
export function matmulBackwardRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  dc: ArrayLike<number>,
  s: MatmulShape,
  ep: MatmulEpilogueValues = {},
): { da: Float64Array; db: Float64Array; dbias: Float64Array } {
  const { M, N, K } = s;
  const batch = s.batch ?? 1;
  const alpha = ep.alpha ?? 1;
  const { ia, ib } = indexers(s);
  const dz = unaryBackwardRef(ep.activation ?? 'none', matmulPreActivationRef(a, b, s, ep), dc);
  const da = new Float64Array((s.broadcastA ? 1 : batch) * M * K);
  const db = new Float64Array((s.broadcastB ? 1 : batch) * K * N);
  const dbias = new Float64Array(N);
  for (let bi = 0; bi < batch; bi++)
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        const g = dz[(bi * M + m) * N + n];
        dbias[n] += g;
        if (g === 0) continue;
        for (let k = 0; k < K; k++) {
          da[ia(bi, m, k)] += alpha * g * b[ib(bi, k, n)];
          db[ib(bi, k, n)] += alpha * g * a[ia(bi, m, k)];
        }
      }
  return { da, db, dbias };
}

/** Element counts of A, B and C for a shape (a broadcast operand once). */
export function matmulSizes(s: MatmulShape): { a: number; b: number; c: number } {
  const batch = s.batch ?? 1;
  return { a: (s.broadcastA ? 1 : batch) * s.M * s.K, b: (s.broadcastB ? 1 : batch) * s.K * s.N, c: batch * s.M * s.N };
}

/** Seeded random operands for a test, B scaled by 1/√K so every output is O(1). */
export function matmulOperands(s: MatmulShape, seed: number, want: { bias?: boolean; residual?: boolean } = {}) {
  const r = mulberry32(seed);
  const n = matmulSizes(s);
  return {
    a: randn(n.a, r),
    b: randn(n.b, r, 1 / Math.sqrt(s.K)),
    bias: want.bias ? randn(s.N, r) : undefined,
    residual: want.residual ? randn(n.c, r) : undefined,
  };
}
