// LayerNorm over the last axis, forward and backward side by side.
// Napkin math, x [rows, cols]: forward ≈ 8·rows·cols FLOPs; bytes = layerNormBytes() =
// 4·(2·rows·cols + 2·cols + 2·rows) (x read once from DRAM, its second and third pass hit cache;
// gamma, beta; y, mean, rstd written). Backward dx: ≈ 12·rows·cols FLOPs, 4·(3·rows·cols + cols +
// 2·rows) bytes; dgamma/dbeta: ≈ 5·rows·cols FLOPs, 4·(2·rows·cols + 2·rows) bytes plus the block
// partials (8·blocks·cols, blocks ≤ 256). All memory-bound.
import type { BufferArg, Gpu } from '../gpu.js';
import { grid, KernelError, Program } from '../program.js';
import columnSlot from '../reduce/column_slot.wgsl';
import { checkBytes, checkDims, columnBlock, RowProgram, rowLayout } from '../reduce/rows.js';
import { sumColumns } from '../reduce/sum_columns.js';
import forwardSource from './layernorm.wgsl';
import backwardSource from './layernorm_backward.wgsl';
import paramsSource from './layernorm_backward_params.wgsl';

const programs = {
  forward: new RowProgram('layernorm', forwardSource),
  backward: new RowProgram('layernorm_backward', backwardSource),
  params: new Program('layernorm_backward_params', columnSlot + paramsSource),
};

/** Bytes the forward moves at least (its roofline denominator). */
export function layerNormBytes(rows: number, cols: number): number {
  return 4 * (2 * rows * cols + 2 * cols + 2 * rows);
}

/** FLOPs of the forward, ≈ 8 an element. */
export const layerNormFlops = (rows: number, cols: number): number => 8 * rows * cols;
/** FLOPs of the backward with all three gradients, ≈ 17 an element (dx 12, dgamma and dbeta 5). */
export const layerNormBackwardFlops = (rows: number, cols: number): number => 17 * rows * cols;
/** Bytes the backward moves at least with all three gradients: x, dy, dx, the dgamma/dbeta rows, mean, rstd. */
export const layerNormBackwardBytes = (rows: number, cols: number): number => 4 * (5 * rows * cols + cols + 4 * rows);

/**
 * y = (x − mean)/sqrt(var + eps)·gamma + beta over the last axis of x [rows, cols] (biased
 * variance, as PyTorch); saves mean [rows] and rstd = 1/sqrt(var + eps) [rows] for the backward.
 */
export function layerNorm(
  gpu: Gpu,
  x: BufferArg,
  gamma: BufferArg,
  beta: BufferArg,
  y: BufferArg,
  mean: BufferArg,
  rstd: BufferArg,
  rows: number,
  cols: number,
  eps: number,
): void {
  const kernel = programs.forward.name;
  checkDims(kernel, { rows, cols });
  if (!Number.isFinite(eps) || eps < 0) throw new KernelError(kernel, `'eps' must be a finite number ≥ 0, got ${eps}`);
  const { program, constants, workgroups } = rowLayout(gpu, programs.forward, rows, cols);
  gpu.run(program, {
    buffers: { x, gamma, beta, y, mean, rstd },
    uniforms: { rows, cols, eps },
    constants,
    workgroups,
    minBytes: { x: rows * cols * 4, gamma: cols * 4, beta: cols * 4, y: rows * cols * 4, mean: rows * 4, rstd: rows * 4 },
  });
}

export interface LayerNormBackwardArgs {
  /** what the forward was given and saved */
  x: BufferArg;
  gamma: BufferArg;
  mean: BufferArg;
  rstd: BufferArg;
  dy: BufferArg;
  /** the gradients wanted (none: nothing is recorded) */
  dx?: BufferArg;
  dgamma?: BufferArg;
  dbeta?: BufferArg;
}

/**
 * dx [rows, cols] and/or dgamma, dbeta [cols] of layerNorm from dy, using only what the forward
 * saved. dgamma/dbeta are summed per block of rows, then the blocks in a fixed order (sum_columns):
 * deterministic, no atomics; the scratch is freed here.
 */
export function layerNormBackward(gpu: Gpu, args: LayerNormBackwardArgs, rows: number, cols: number): void {
  const kernel = programs.backward.name;
  const { x, gamma, mean, rstd, dy, dx, dgamma, dbeta } = args;
  checkDims(kernel, { rows, cols });
  const full = rows * cols * 4;
  checkBytes(kernel, {
    x: [x, full],
    gamma: [gamma, cols * 4],
    mean: [mean, rows * 4],
    rstd: [rstd, rows * 4],
    dy: [dy, full],
    dx: [dx, full],
    dgamma: [dgamma, cols * 4],
    dbeta: [dbeta, cols * 4],
  });
  if (dx) {
    const { program, constants, workgroups } = rowLayout(gpu, programs.backward, rows, cols);
    gpu.run(program, {
      buffers: { x, gamma, mean, rstd, dy, dx },
      uniforms: { rows, cols },
      constants,
      workgroups,
      minBytes: { x: full, gamma: cols * 4, mean: rows * 4, rstd: rows * 4, dy: full, dx: full },
    });
  }
  if (!dgamma && !dbeta) return;
  const block = columnBlock(rows, cols);
  const blocks = Math.ceil(rows / block);
  const scratch: GPUBuffer[] = [];
  const partial = (out: BufferArg | undefined, name: string): BufferArg => {
    if (out && blocks === 1) return out;
    const b = gpu.createBuffer(blocks * cols * 4, `layernorm_backward ${name} partial`);
    scratch.push(b);
    return b;
  };
  const dgammaPart = partial(dgamma, 'dgamma');
  const dbetaPart = partial(dbeta, 'dbeta');
  gpu.run(programs.params, {
    buffers: { x, mean, rstd, dy, dgamma_part: dgammaPart, dbeta_part: dbetaPart },
    uniforms: { rows, cols, block },
    workgroups: grid(blocks * Math.ceil(cols / 64), 1),
    minBytes: { x: full, mean: rows * 4, rstd: rows * 4, dy: full, dgamma_part: blocks * cols * 4, dbeta_part: blocks * cols * 4 },
  });
  if (blocks > 1) {
    if (dgamma) sumColumns(gpu, dgammaPart, dgamma, blocks, cols);
    if (dbeta) sumColumns(gpu, dbetaPart, dbeta, blocks, cols);
  }
  for (const b of scratch) gpu.destroyBuffer(b);
}
