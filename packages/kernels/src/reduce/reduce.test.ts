import { describe, expect, it } from 'vitest';
import { TOLERANCE } from '../tolerances.js';
import {
  dot,
  expectClose,
  finiteDifferences,
  freshSeed,
  poisoned,
  randn,
  randu,
  rng,
  testGpu,
  expectCloseScaled,
  expectKernelError,
  inRowLayout,
  ROW_LAYOUTS,
} from '../testing.js';
import { reduceLastAxis, reduceLastAxisBackward, sumAll, type ReduceOp } from './reduce.js';
import { reduceLastAxisBackwardRef, reduceLastAxisRef, sumAllRef, sumColumnsRef } from './reduce.ref.js';
import { sumColumns } from './sum_columns.js';

const gpu = await testGpu();
const OPS: ReduceOp[] = ['sum', 'mean', 'l2norm', 'max', 'logsumexp'];
// logsumexp goes through exp/log, whose WGSL builtins are allowed a few ULP more than float64
const tol = (op: ReduceOp) => (op === 'logsumexp' ? TOLERANCE.f32Transcendental : TOLERANCE.f32);

function free(...bufs: GPUBuffer[]): void {
  for (const b of bufs) gpu.destroyBuffer(b);
}

/** Σ|x| per row (mean: /cols): the size of the terms of a row sum. */
function absRowSums(x: ArrayLike<number>, rows: number, cols: number, mean: boolean): Float64Array {
  const out = reduceLastAxisRef('sum', Float64Array.from(x, Math.abs), rows, cols);
  return mean ? out.map((v) => v / cols) : out;
}

describe('reduceLastAxis', () => {
  // odd shapes, one row per workgroup (cols ≥ 512) and many (small cols), a ragged last workgroup
  const SHAPES: [number, number][] = [
    [1, 1],
    [5, 3],
    [1, 7],
    [300, 77],
    [77, 512],
    [50, 768],
    [2, 10007],
  ];
  for (const [rows, cols] of SHAPES)
    for (const layout of ROW_LAYOUTS) {
      for (const op of OPS) {
        const name = `${op} forward and backward, ${rows}×${cols}`;
        const attempt = () => {
          const [x, y] = [gpu.createBuffer(rows * cols * 4), gpu.createBuffer(rows * 4)];
          try {
            reduceLastAxis(gpu, op, x, y, rows, cols);
          } finally {
            [x, y].forEach((b) => gpu.destroyBuffer(b));
          }
        };
        it(name + layout.label, () =>
          inRowLayout(
            gpu,
            layout,
            name,
            async () => {
              const seed = freshSeed();
              const r = rng(seed);
              const x = randn(rows * cols, r, 2);
              if (op === 'l2norm' && rows > 1) x.fill(0, 0, cols); // ‖x‖ = 0 has gradient 0
              if (op === 'max' && cols > 2) x[cols - 1] = x[1] = 10; // a tie: only the first argmax gets the gradient
              const dout = randn(rows, r);
              const X = gpu.upload(x),
                DOUT = gpu.upload(dout);
              const OUT = poisoned(gpu, rows),
                DX = poisoned(gpu, rows * cols);
              reduceLastAxis(gpu, op, X, OUT, rows, cols);
              const out = await gpu.readF32(OUT, rows);
              const refOut = reduceLastAxisRef(op, x, rows, cols);
              if (op === 'sum' || op === 'mean')
                expectCloseScaled(`${op} out`, out, refOut, absRowSums(x, rows, cols, op === 'mean'), tol(op), seed);
              else expectClose(`${op} out`, out, refOut, tol(op), seed);
              reduceLastAxisBackward(gpu, op, X, OUT, DOUT, DX, rows, cols);
              expectClose(
                `${op} dx`,
                await gpu.readF32(DX, rows * cols),
                reduceLastAxisBackwardRef(op, x, refOut, dout, rows, cols),
                tol(op),
                seed,
              );
              free(X, DOUT, OUT, DX);
            },
            attempt,
          ),
        );
      }
    }

  it('backward references agree with finite differences', () => {
    const seed = freshSeed();
    const r = rng(seed);
    const [rows, cols] = [3, 5];
    const x = randn(rows * cols, r);
    const w = randn(rows, r);
    for (const op of OPS) {
      const analytic = reduceLastAxisBackwardRef(op, x, reduceLastAxisRef(op, x, rows, cols), w, rows, cols);
      const numeric = finiteDifferences((p) => dot(reduceLastAxisRef(op, p, rows, cols), w), x);
      expectClose(`${op} finite differences`, analytic, numeric, TOLERANCE.finiteDifference, seed);
    }
  });
});

describe('sumAll', () => {
  for (const n of [1, 7, 4096, 4097, 115_200, 300_001]) {
    it(`n=${n}, deterministic`, async () => {
      const seed = freshSeed();
      const x = randn(n, rng(seed));
      const X = gpu.upload(x),
        OUT = poisoned(gpu, 1);
      sumAll(gpu, X, OUT, n);
      const first = await gpu.read(OUT, 4);
      // the sum of zero-mean data may be near 0: the error is relative to Σ|x|
      expectCloseScaled('sumAll', new Float32Array(first), [sumAllRef(x)], absRowSums(x, 1, n, false), TOLERANCE.f32, seed);
      gpu.poison(OUT);
      sumAll(gpu, X, OUT, n);
      expect(new Uint32Array(await gpu.read(OUT, 4))[0], `not bit-identical on a second run; seed ${seed}`).toBe(new Uint32Array(first)[0]);
      free(X, OUT);
    });
  }
});

describe('sumColumns', () => {
  // single stage, two stages (rows > 8 with many blocks) and three (a long single column)
  for (const [rows, cols] of [
    [1, 1],
    [7, 3],
    [1, 1024],
    [1001, 77],
    [1028, 1024],
    [100_003, 1],
  ] as [number, number][]) {
    it(`${rows}×${cols}`, async () => {
      const seed = freshSeed();
      const x = randu(rows * cols, rng(seed), 0, 1);
      const X = gpu.upload(x),
        OUT = poisoned(gpu, cols);
      const before = gpu.allocatedBytes;
      sumColumns(gpu, X, OUT, rows, cols);
      expectClose('sumColumns', await gpu.readF32(OUT, cols), sumColumnsRef(x, rows, cols), TOLERANCE.f32, seed);
      expect(gpu.allocatedBytes, 'scratch freed').toBe(before);
      free(X, OUT);
    });
  }
});

describe('wrong calls', () => {
  it('throw KernelError naming the kernel and the argument', () => {
    const small = gpu.createBuffer(16);
    const big = gpu.createBuffer(4096);
    expectKernelError(() => reduceLastAxis(gpu, 'sum', small, big, 10, 10), /reduce_last_axis: buffer 'x' holds 16 bytes, needs 400/);
    expectKernelError(() => reduceLastAxis(gpu, 'sum', big, big, 3, 0), /reduce_last_axis: 'cols' must be a positive integer, got 0/);
    expectKernelError(() => reduceLastAxis(gpu, 'median' as ReduceOp, big, big, 1, 1), /reduce_last_axis: unknown op 'median'/);
    expectKernelError(
      () => reduceLastAxisBackward(gpu, 'max', big, big, big, small, 2, 8),
      /reduce_last_axis_backward: buffer 'dx' holds 16 bytes, needs 64/,
    );
    expectKernelError(() => sumAll(gpu, small, big, 5), /sum_all: buffer 'x' holds 16 bytes, needs 20/);
    expectKernelError(() => sumAll(gpu, big, big, 0), /sum_all: 'n' must be a positive integer, got 0/);
    expectKernelError(() => sumColumns(gpu, big, small, 2, 5), /sum_columns: buffer 'out' holds 16 bytes, needs 20/);
    expectKernelError(() => sumColumns(gpu, big, big, 1.5, 5), /sum_columns: 'rows' must be a positive integer, got 1.5/);
    free(small, big);
  });
});
