// Backward of the matmul launchers: every gradient product is the forward kernel on transposed
// operand views (no copies), so it runs at the forward's speed for its shape.
// Napkin math: dA and dB are one product each, 2·batch·M·N·K FLOPs apiece; dbias a column sum.
import { unaryBackward } from '../elementwise/elementwise.js';
import type { BufferArg, Gpu } from '../gpu.js';
import { KernelError } from '../program.js';
import { sumColumns } from '../reduce/sum_columns.js';
import type { MatmulActivation, MatmulGrads, MatmulShape } from './matmul.js';
import { defaultMatmulConfig, type MatmulConfig } from './matmul_configs.js';
import { ACTIVATIONS, checkShape, launch, NO_OFFSETS, type Offsets } from './matmul_launch.js';

/**
 * Backward of matmul(+epilogue): dZ = dC·act'(preActivation) (dC itself when there is no
 * activation), then dA = alpha·dZ·Bᵀ, dB = alpha·Aᵀ·dZ and dbias = Σ rows of dZ, each stored like
 * its operand (transposes and broadcasts included; a broadcast operand's gradient sums over the
 * batch). The gradient of the residual is dC itself. Only the grads given are computed. Every
 * product is the forward kernel with transposed operand views: no copies.
 */
export function matmulBackward(
  gpu: Gpu,
  args: {
    a: BufferArg;
    b: BufferArg;
    dc: BufferArg;
    preActivation?: BufferArg;
    activation?: MatmulActivation;
    alpha?: number;
  } & MatmulGrads,
  shape: MatmulShape,
  config?: MatmulConfig,
): void {
  const kernel = 'matmul_backward';
  const batch = checkShape(kernel, shape);
  const { M, N, K } = shape;
  const tA = !!shape.transA;
  const tB = !!shape.transB;
  const act = args.activation ?? 'none';
  if (ACTIVATIONS[act] === undefined) throw new KernelError(kernel, `unknown activation '${act}'`);
  if (act !== 'none' && !args.preActivation) throw new KernelError(kernel, `activation '${act}' needs 'preActivation'`);
  const ep = { alpha: args.alpha ?? 1 };
  const n = batch * M * N;
  let dz: BufferArg = args.dc;
  let scratch: GPUBuffer | undefined;
  if (act !== 'none' && (args.da || args.db || args.dbias)) {
    dz = scratch = gpu.createBuffer(n * 4, 'matmul_backward dz');
    unaryBackward(gpu, act, args.preActivation!, args.dc, dz, n);
  }
  const mm = (x: BufferArg, y: BufferArg, out: BufferArg, s: MatmulShape, off: Offsets, accumulate: boolean) =>
    launch(gpu, false, x, y, out, s, accumulate ? { ...ep, residual: out } : ep, config ?? defaultMatmulConfig(gpu, s), off);

  if (args.da) {
    // dA[M,K] = dZ[M,N]·B[K,N]ᵀ, or stored [K,M]: dAᵀ = B·dZᵀ
    const s = (bat: number, bcastB: boolean): [BufferArg, BufferArg, MatmulShape] =>
      tA
        ? [args.b, dz, { batch: bat, M: K, N: M, K: N, transA: tB, transB: true, broadcastA: bcastB }]
        : [dz, args.b, { batch: bat, M, N: K, K: N, transB: !tB, broadcastB: bcastB }];
    if (shape.broadcastA && batch > 1) {
      // summed over the batch: one accumulating product per batch
      for (let i = 0; i < batch; i++) {
        const [x, y, si] = s(1, false);
        const bOff = shape.broadcastB ? 0 : i * K * N;
        const off = tA ? { a: bOff, b: i * M * N, c: 0 } : { a: i * M * N, b: bOff, c: 0 };
        mm(x, y, args.da, si, off, i > 0);
      }
    } else {
      const [x, y, si] = s(batch, !!shape.broadcastB);
      mm(x, y, args.da, si, NO_OFFSETS, false);
    }
  }
  if (args.db) {
    // dB[K,N] = A[M,K]ᵀ·dZ[M,N], or stored [N,K]: dBᵀ = dZᵀ·A
    const s = (bat: number, m: number, bcastA: boolean): [BufferArg, BufferArg, MatmulShape] =>
      tB
        ? [dz, args.a, { batch: bat, M: N, N: K, K: m, transA: true, transB: tA, broadcastB: bcastA }]
        : [args.a, dz, { batch: bat, M: K, N, K: m, transA: !tA, broadcastA: bcastA }];
    if (shape.broadcastB && batch > 1 && !tA && !shape.broadcastA) {
      // A[b] stacked as [batch·M, K] and dZ as [batch·M, N]: the batch sum is a longer K
      const [x, y, si] = s(1, batch * M, false);
      mm(x, y, args.db, si, NO_OFFSETS, false);
    } else if (shape.broadcastB && batch > 1) {
      for (let i = 0; i < batch; i++) {
        const [x, y, si] = s(1, M, false);
        const aOff = shape.broadcastA ? 0 : i * M * K;
        const off = tB ? { a: i * M * N, b: aOff, c: 0 } : { a: aOff, b: i * M * N, c: 0 };
        mm(x, y, args.db, si, off, i > 0);
      }
    } else {
      const [x, y, si] = s(batch, M, !!shape.broadcastA);
      mm(x, y, args.db, si, NO_OFFSETS, false);
    }
  }
  if (args.dbias) sumColumns(gpu, dz, args.dbias, batch * M, N);
  if (scratch) gpu.destroyBuffer(scratch);
}

/** FLOPs of the backward's dA and dB products: 2·2·batch·M·N·K. */
export function matmulBackwardFlops(s: MatmulShape): number {
  return 4 * (s.batch ?? 1) * s.M * s.N * s.K;
}
