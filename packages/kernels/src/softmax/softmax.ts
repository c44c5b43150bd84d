// Softmax and log-softmax over the last axis, forward and backward side by side.
// Napkin math, x [rows, cols]: forward ≈ 5·rows·cols FLOPs + 2·rows·cols exp (1 for log-softmax),
// bytes 8·rows·cols (x read once from DRAM, its second and third pass hit cache; y written);
// backward ≈ 7·rows·cols FLOPs (log-softmax 3, + rows·cols exp), bytes 12·rows·cols (y, dy, dx).
// Memory-bound.
import type { BufferArg, Gpu } from '../gpu.js';
import { checkDims, RowProgram, rowLayout } from '../reduce/rows.js';
import forwardSource from './softmax.wgsl';
import backwardSource from './softmax_backward.wgsl';

// One source each, two programs: errors name the function that was called.
const programs = {
  softmax: new RowProgram('softmax', forwardSource),
  logSoftmax: new RowProgram('log_softmax', forwardSource),
  softmaxBackward: new RowProgram('softmax_backward', backwardSource),
  logSoftmaxBackward: new RowProgram('log_softmax_backward', backwardSource),
};

function forward(gpu: Gpu, program: RowProgram, log: boolean, x: BufferArg, y: BufferArg, rows: number, cols: number): void {
  checkDims(program.name, { rows, cols });
  const { program: build, constants, workgroups } = rowLayout(gpu, program, rows, cols);
  gpu.run(build, {
    buffers: { x, y },
    uniforms: { rows, cols },
    constants: { ...constants, LOG: Number(log) },
    workgroups,
    minBytes: { x: rows * cols * 4, y: rows * cols * 4 },
  });
}

function backward(
  gpu: Gpu,
  program: RowProgram,
  log: boolean,
  y: BufferArg,
  dy: BufferArg,
  dx: BufferArg,
  rows: number,
  cols: number,
): void {
  checkDims(program.name, { rows, cols });
  const { program: build, constants, workgroups } = rowLayout(gpu, program, rows, cols);
  gpu.run(build, {
    buffers: { y, dy, dx },
    uniforms: { rows, cols },
    constants: { ...constants, LOG: Number(log) },
    workgroups,
    minBytes: { y: rows * cols * 4, dy: rows * cols * 4, dx: rows * cols * 4 },
  });
}

/** y = softmax(x) over the last axis of x [rows, cols] (max-subtracted). y may not alias x. */
export function softmax(gpu: Gpu, x: BufferArg, y: BufferArg, rows: number, cols: number): void {
  forward(gpu, programs.softmax, false, x, y, rows, cols);
}

/** dx = y∘(dy − Σ dy∘y) per row, from the forward's output y. */
export function softmaxBackward(gpu: Gpu, y: BufferArg, dy: BufferArg, dx: BufferArg, rows: number, cols: number): void {
  backward(gpu, programs.softmaxBackward, false, y, dy, dx, rows, cols);
}

/** y = log softmax(x) = x − logsumexp(x) over the last axis (for cross-entropy). */
export function logSoftmax(gpu: Gpu, x: BufferArg, y: BufferArg, rows: number, cols: number): void {
  forward(gpu, programs.logSoftmax, true, x, y, rows, cols);
}

/** dx = dy − softmax·Σ dy per row, from the forward's output y (softmax = exp(y)). */
export function logSoftmaxBackward(gpu: Gpu, y: BufferArg, dy: BufferArg, dx: BufferArg, rows: number, cols: number): void {
  backward(gpu, programs.logSoftmaxBackward, true, y, dy, dx, rows, cols);
}

// ---- napkin math (forward ≈ 5 FLOPs an element + exp, backward ≈ 4; memory-bound) ---------------

export const softmaxFlops = (rows: number, cols: number): number => 5 * rows * cols;
/** x read once, y written once. */
export const softmaxBytes = (rows: number, cols: number): number => 8 * rows * cols;
export const softmaxBackwardFlops = (rows: number, cols: number): number => 4 * rows * cols;
/** y and dy read, dx written. */
export const softmaxBackwardBytes = (rows: number, cols: number): number => 12 * rows * cols;
