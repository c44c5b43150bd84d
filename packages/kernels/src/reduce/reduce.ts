// Reductions over the last axis, their backward passes, and a deterministic full sum for losses.
// Napkin math, x [rows, cols]: forward ≈ rows·cols FLOPs (logsumexp adds rows·cols exp), bytes
// 4·rows·cols read + 4·rows written; backward reads x (4·rows·cols), out and dout (8·rows) and
// writes dx (4·rows·cols). sumAll reads 4·n bytes and writes 4·⌈n/4096⌉ partials. Memory-bound.
import type { BufferArg, Gpu } from '../gpu.js';
import { grid, KernelError, Program } from '../program.js';
import backwardSource from './reduce_last_axis_backward.wgsl';
import forwardSource from './reduce_last_axis.wgsl';
import rowReduce from './row_reduce.wgsl';
import { checkBytes, checkDims, RowProgram, rowLayout } from './rows.js';
import sumAllSource from './sum_all.wgsl';

export type ReduceOp = 'sum' | 'mean' | 'l2norm' | 'max' | 'logsumexp';
const OP_CODE: Record<ReduceOp, number> = { sum: 0, mean: 1, l2norm: 2, max: 3, logsumexp: 4 };

const programs = {
  forward: new RowProgram('reduce_last_axis', forwardSource),
  backward: new RowProgram('reduce_last_axis_backward', backwardSource),
  // one segment of 256 per workgroup: always the workgroup-memory build
  sumAll: new Program('sum_all', rowReduce + sumAllSource),
};

/** Elements each workgroup of sum_all.wgsl sums. */
const SUM_ALL_CHUNK = 4096;

function opCode(kernel: string, op: ReduceOp): number {
  const code = Object.hasOwn(OP_CODE, op) ? OP_CODE[op] : undefined;
  if (code === undefined) throw new KernelError(kernel, `unknown op '${op}'`);
  return code;
}

/** out[r] = op over x[r, :], x [rows, cols]. */
export function reduceLastAxis(gpu: Gpu, op: ReduceOp, x: BufferArg, out: BufferArg, rows: number, cols: number): void {
  const kernel = programs.forward.name;
  const OP = opCode(kernel, op);
  checkDims(kernel, { rows, cols });
  const { program, constants, workgroups } = rowLayout(gpu, programs.forward, rows, cols);
  gpu.run(program, {
    buffers: { x, out },
    uniforms: { rows, cols },
    constants: { ...constants, OP },
    workgroups,
    minBytes: { x: rows * cols * 4, out: rows * 4 },
  });
}

/**
 * dx[r, c] from dout[r], given x and the forward's out: sum dout; mean dout/cols; l2norm
 * dout·x/‖x‖ (0 where ‖x‖ = 0); max dout to the first argmax only; logsumexp dout·softmax(x).
 */
export function reduceLastAxisBackward(
  gpu: Gpu,
  op: ReduceOp,
  x: BufferArg,
  out: BufferArg,
  dout: BufferArg,
  dx: BufferArg,
  rows: number,
  cols: number,
): void {
  const kernel = programs.backward.name;
  const OP = opCode(kernel, op);
  checkDims(kernel, { rows, cols });
  // max reduces each row (first argmax); the others are elementwise (see the WGSL)
  const { program, constants, workgroups } =
    op === 'max'
      ? rowLayout(gpu, programs.backward, rows, cols)
      : { program: programs.backward.workgroup, constants: {}, workgroups: grid(rows * cols, 256) };
  gpu.run(program, {
    buffers: { x, out, dout, dx },
    uniforms: { rows, cols },
    constants: { ...constants, OP },
    workgroups,
    minBytes: { x: rows * cols * 4, out: rows * 4, dout: rows * 4, dx: rows * cols * 4 },
  });
}

/**
 * out[0] = Σ x[0..n): chunks of 4096 summed by one workgroup each, then the chunk sums by
 * reduce_last_axis. The order of the additions depends on n only: deterministic (for losses).
 */
export function sumAll(gpu: Gpu, x: BufferArg, out: BufferArg, n: number): void {
  const kernel = programs.sumAll.name;
  checkDims(kernel, { n });
  checkBytes(kernel, { x: [x, n * 4], out: [out, 4] });
  const chunks = Math.ceil(n / SUM_ALL_CHUNK);
  const partial = chunks === 1 ? out : gpu.createBuffer(chunks * 4, 'sum_all partial');
  gpu.run(programs.sumAll, {
    buffers: { x, partial },
    uniforms: { n },
    workgroups: grid(chunks, 1),
    minBytes: { x: n * 4, partial: chunks * 4 },
  });
  if (chunks > 1) {
    reduceLastAxis(gpu, 'sum', partial, out, 1, chunks);
    gpu.destroyBuffer(partial as GPUBuffer);
  }
}
