// Launchers for elementwise ops, forward and backward side by side.
import type { BufferArg, Gpu } from '../gpu.js';
import { grid, KernelError, Program } from '../program.js';
import activations from './activations.wgsl';
import binarySource from './binary.wgsl';
import binaryBackwardSource from './binary_backward.wgsl';
import binaryCommon from './binary_common.wgsl';
import broadcastSumSource from './broadcast_sum.wgsl';
import unarySource from './unary.wgsl';
import unaryBackwardSource from './unary_backward.wgsl';
import unaryCommon from './unary_common.wgsl';

/** Activation codes shared with activations.wgsl and the matmul epilogue. */
export const Activation = {
  none: 0,
  quickGelu: 1,
  gelu: 2,
  sigmoid: 3,
  tanh: 4,
  sin: 5,
  relu: 6,
  exp: 7,
  leakyRelu: 8,
  asin: 9,
} as const;
export type ActivationName = keyof typeof Activation;

export type UnaryOp = ActivationName | 'scale' | 'clamp' | 'round';
const UNARY_CODE: Record<UnaryOp, number> = { ...Activation, scale: 100, clamp: 101, round: 102 };

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';
const BINARY_CODE: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };

const programs = {
  unary: new Program('unary', activations + unaryCommon + unarySource),
  unaryBackward: new Program('unary_backward', activations + unaryCommon + unaryBackwardSource),
  binary: new Program('binary', binaryCommon + binarySource),
  binaryBackward: new Program('binary_backward', binaryCommon + binaryBackwardSource),
  broadcastSum: new Program('broadcast_sum', broadcastSumSource),
};

export interface UnaryParams {
  /** scale: y = alpha·x + beta; clamp: [alpha, beta] */
  alpha?: number;
  beta?: number;
}

function unaryCode(op: UnaryOp): number {
  const code = UNARY_CODE[op];
  if (code === undefined) throw new KernelError('unary', `unknown op '${op}'`);
  return code;
}

/** y = op(x) over n elements. */
export function unary(gpu: Gpu, op: UnaryOp, x: BufferArg, y: BufferArg, n: number, p: UnaryParams = {}): void {
  gpu.run(programs.unary, {
    buffers: { x, y },
    uniforms: { n, alpha: p.alpha ?? 1, beta: p.beta ?? 0 },
    constants: { OP: unaryCode(op) },
    workgroups: grid(n, 256),
    minBytes: { x: n * 4, y: n * 4 },
  });
}

/** dx = dy · op'(x). */
export function unaryBackward(gpu: Gpu, op: UnaryOp, x: BufferArg, dy: BufferArg, dx: BufferArg, n: number, p: UnaryParams = {}): void {
  gpu.run(programs.unaryBackward, {
    buffers: { x, dy, dx },
    uniforms: { n, alpha: p.alpha ?? 1, beta: p.beta ?? 0 },
    constants: { OP: unaryCode(op) },
    workgroups: grid(n, 256),
    minBytes: { x: n * 4, dy: n * 4, dx: n * 4 },
  });
}

/**
 * How b broadcasts over a: a viewed as [n / (nb·inner), nb, inner] reads b[(i / inner) % nb].
 * Default: b is a suffix of a (inner 1); a per-row column vector has inner = row length.
 */
export interface Broadcast {
  nb: number;
  inner?: number;
}

function checkBroadcast(kernel: string, n: number, nb: number, inner: number): void {
  if (nb < 1 || inner < 1 || n % (nb * inner) !== 0)
    throw new KernelError(kernel, `operand 'b' of ${nb} elements (repeated ${inner}×) does not broadcast over 'a' of ${n}`);
}

/** out = a ∘ b over n elements, b broadcast as `bc` (default: same size). */
export function binary(gpu: Gpu, op: BinaryOp, a: BufferArg, b: BufferArg, out: BufferArg, n: number, bc: Broadcast | number = n): void {
  const { nb, inner = 1 } = typeof bc === 'number' ? { nb: bc } : bc;
  checkBroadcast('binary', n, nb, inner);
  gpu.run(programs.binary, {
    buffers: { a, b, out },
    uniforms: { n, nb, inner },
    constants: { OP: BINARY_CODE[op] },
    workgroups: grid(n, 256),
    minBytes: { a: n * 4, b: nb * 4, out: n * 4 },
  });
}

/**
 * da (n elements) and db (nb elements) from dout. When b was broadcast, db sums its repeats;
 * `scratch` (n floats) then holds the unreduced gradient (allocated and freed here if not given).
 */
export function binaryBackward(
  gpu: Gpu,
  op: BinaryOp,
  a: BufferArg,
  b: BufferArg,
  dout: BufferArg,
  da: BufferArg,
  db: BufferArg,
  n: number,
  bc: Broadcast | number = n,
  scratch?: GPUBuffer,
): void {
  const { nb, inner = 1 } = typeof bc === 'number' ? { nb: bc } : bc;
  checkBroadcast('binary_backward', n, nb, inner);
  const full = nb === n ? db : (scratch ?? gpu.createBuffer(n * 4, 'binary_backward db_full'));
  gpu.run(programs.binaryBackward, {
    buffers: { a, b, dout, da, db_full: full },
    uniforms: { n, nb, inner },
    constants: { OP: BINARY_CODE[op] },
    workgroups: grid(n, 256),
    minBytes: { a: n * 4, b: nb * 4, dout: n * 4, da: n * 4, db_full: n * 4 },
  });
  if (nb !== n) {
    broadcastSum(gpu, full, db, { outer: n / (nb * inner), nb, inner });
    if (!scratch) gpu.destroyBuffer(full as GPUBuffer);
  }
}

/** db[j] = Σ over the repeats of a broadcast operand: full viewed as [outer, nb, inner]. */
export function broadcastSum(gpu: Gpu, full: BufferArg, db: BufferArg, s: { outer: number; nb: number; inner: number }): void {
  gpu.run(programs.broadcastSum, {
    buffers: { full, db },
    uniforms: s,
    workgroups: grid(s.nb, 64),
    minBytes: { full: s.outer * s.nb * s.inner * 4, db: s.nb * 4 },
  });
}
