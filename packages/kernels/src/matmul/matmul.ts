// Launchers of the matmul kernels (f32 or f16-packed B) with their fused epilogue; the backward is
// in matmul_backward.ts. Two kernels: tiled (matmul.wgsl, portable, workgroup-memory tiles) and
// quad (matmul_quad.wgsl, needs `subgroups`, built for SwiftShader); matmul_configs.ts picks.
//
// Napkin math, per call: FLOPs = 2·batch·M·N·K (the epilogue is O(batch·M·N), noise);
// bytes = 4·(|A| + |B| + |C|) with |B| halved for f16 weights, |A| = M·K (once if broadcast), etc.
// At CLIP's 50×768×3072 that is 0.24 GFLOP over 11 MB: compute-bound on every GPU, so both
// kernels are built around register blocking, and on SwiftShader around few gathers per FMA.
import type { BufferArg, Gpu } from '../gpu.js';
import { defaultMatmulConfig, type MatmulConfig } from './matmul_configs.js';
import { kernelSource, launch, NO_OFFSETS, variantFor } from './matmul_launch.js';

export * from './matmul_configs.js';

export interface MatmulShape {
  batch?: number; // default 1
  M: number;
  N: number;
  K: number;
  /** A stored [M,K] (false) or [K,M] (true), per batch */
  transA?: boolean;
  /** B stored [K,N] (false) or [N,K] (true): HF Linear weights are [out,in], so x·Wᵀ is transB */
  transB?: boolean;
  /** A is one 2-D matrix shared by all batches */
  broadcastA?: boolean;
  /** B is one 2-D matrix shared by all batches (weights) */
  broadcastB?: boolean;
}
export type MatmulActivation = 'none' | 'quickGelu' | 'gelu';
export interface MatmulEpilogue {
  /** [N], added first */
  bias?: BufferArg;
  /** applied after the bias (codes of elementwise/activations.wgsl) */
  activation?: MatmulActivation;
  /** [batch,M,N], added last (after the activation); may be `c` itself (c += …) */
  residual?: BufferArg;
  /** optional extra output [batch,M,N]: alpha·A·B + bias before the activation, for backward */
  preActivation?: BufferArg;
  /** scale of A·B before the bias (default 1) */
  alpha?: number;
  /**
   * 'f16': the operands are rounded to f16 and multiplied in f16, the products summed in f32
   * (needs the `shader-f16` feature; the tiled kernel only). Default 'f32'.
   */
  compute?: 'f32' | 'f16';
}
export interface MatmulGrads {
  da?: BufferArg;
  db?: BufferArg;
  dbias?: BufferArg;
}

/** WGSL of one variant, for inspection (and the golden files of the tests). */
export function matmulSource(f16: boolean, shape: MatmulShape, epilogue: MatmulEpilogue = {}, config: MatmulConfig): string {
  return kernelSource(variantFor(f16, shape, epilogue, false, NO_OFFSETS), config);
}

/** C[b] = act(alpha·A[b]·B[b] + bias) + residual[b], for b < batch. */
export function matmul(
  gpu: Gpu,
  a: BufferArg,
  b: BufferArg,
  c: BufferArg,
  shape: MatmulShape,
  epilogue: MatmulEpilogue = {},
  config = defaultMatmulConfig(gpu, shape),
): void {
  launch(gpu, false, a, b, c, shape, epilogue, config, NO_OFFSETS);
}

/**
 * matmul with B as f16 pairs packed in u32s (packF16), unpacked with unpack2x16float and
 * accumulated in f32: needs no shader-f16 feature.
 */
export function matmulF16(
  gpu: Gpu,
  a: BufferArg,
  bPacked: BufferArg,
  c: BufferArg,
  shape: MatmulShape,
  epilogue: MatmulEpilogue = {},
  config = defaultMatmulConfig(gpu, shape),
): void {
  launch(gpu, true, a, bPacked, c, shape, epilogue, config, NO_OFFSETS);
}

// ---- napkin math ------------------------------------------------------------------------------

/** 2·batch·M·N·K */
export function matmulFlops(s: MatmulShape): number {
  return 2 * (s.batch ?? 1) * s.M * s.N * s.K;
}

/** Bytes read and written once each: A, B (2 bytes an element when f16), C. */
export function matmulBytes(s: MatmulShape, f16 = false): number {
  const batch = s.batch ?? 1;
  const a = (s.broadcastA ? 1 : batch) * s.M * s.K * 4;
  const b = (s.broadcastB ? 1 : batch) * s.K * s.N * (f16 ? 2 : 4);
  return a + b + batch * s.M * s.N * 4;
}
