import { describe, expect, it } from 'vitest';
import { TOLERANCE } from '../tolerances.js';
import {
  dot,
  expectClose,
  finiteDifferences,
  freshSeed,
  poisoned,
  randn,
  rng,
  testGpu,
  expectCloseScaled,
  expectKernelError,
  inRowLayout,
  ROW_LAYOUTS,
} from '../testing.js';
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from './softmax.js';
import { logSoftmaxBackwardRef, logSoftmaxRef, softmaxBackwardRef, softmaxRef } from './softmax.ref.js';

const gpu = await testGpu();
// exp/log are WGSL builtins allowed a few ULP (exp: 3 + 2|x|), less exact than float64: the
// kernels that evaluate them use the transcendental tolerance, softmax's backward (y given) f32.
const TOL = { forward: TOLERANCE.f32Transcendental, backward: TOLERANCE.f32Backward, logBackward: TOLERANCE.f32Transcendental };

function free(...bufs: GPUBuffer[]): void {
  for (const b of bufs) gpu.destroyBuffer(b);
}

/** Sizes of the terms of dx = y∘(dy − s), s = Σ dy∘y: y∘(|dy| + |s|). */
function termSizes(y: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += dy[r * cols + c] * y[r * cols + c];
    for (let c = 0; c < cols; c++) out[r * cols + c] = y[r * cols + c] * (Math.abs(dy[r * cols + c]) + Math.abs(s));
  }
  return out;
}

async function check(rows: number, cols: number, x: Float32Array, dy: Float32Array, seed: number): Promise<void> {
  const n = rows * cols;
  const X = gpu.upload(x),
    DY = gpu.upload(dy);
  const Y = poisoned(gpu, n),
    DX = poisoned(gpu, n),
    LY = poisoned(gpu, n),
    LDX = poisoned(gpu, n);
  softmax(gpu, X, Y, rows, cols);
  softmaxBackward(gpu, Y, DY, DX, rows, cols);
  logSoftmax(gpu, X, LY, rows, cols);
  logSoftmaxBackward(gpu, LY, DY, LDX, rows, cols);
  const ly = logSoftmaxRef(x, rows, cols);
  // The backward is checked on the y it was given, relative to the size of its terms: with one
  // dominant probability dy − Σ dy∘y cancels (and f32 y does not sum to exactly 1).
  const gotY = await gpu.readF32(Y, n);
  const gotLy = await gpu.readF32(LY, n);
  expectClose('softmax y', gotY, softmaxRef(x, rows, cols), TOL.forward, seed);
  expectCloseScaled(
    'softmax dx',
    await gpu.readF32(DX, n),
    softmaxBackwardRef(gotY, dy, rows, cols),
    termSizes(gotY, dy, rows, cols),
    TOL.backward,
    seed,
  );
  // masked (−∞) inputs give −∞ log-probabilities: compare those exactly, the rest by relative L2
  const finite = [...ly.keys()].filter((i) => Number.isFinite(ly[i]));
  for (let i = 0; i < n; i++) if (!Number.isFinite(ly[i])) expect(gotLy[i], `log-softmax at masked ${i}; seed ${seed}`).toBe(-Infinity);
  expectClose(
    'log-softmax y',
    finite.map((i) => gotLy[i]),
    finite.map((i) => ly[i]),
    TOL.forward,
    seed,
  );
  expectClose('log-softmax dx', await gpu.readF32(LDX, n), logSoftmaxBackwardRef(gotLy, dy, rows, cols), TOL.logBackward, seed);
  free(X, DY, Y, DX, LY, LDX);
}

describe('softmax and logSoftmax', () => {
  // tiny odd shapes; attention over 50, 77 and 257 tokens (rows = heads·tokens); a long row
  const SHAPES: [number, number][] = [
    [1, 1],
    [5, 3],
    [1, 7],
    [400, 50],
    [924, 77],
    [257, 257],
    [3, 5003],
  ];
  for (const [rows, cols] of SHAPES)
    for (const layout of ROW_LAYOUTS) {
      const name = `forward and backward, ${rows}×${cols}`;
      const attempt = () => {
        const b = gpu.createBuffer(rows * cols * 4);
        try {
          softmax(gpu, b, b, rows, cols);
        } finally {
          gpu.destroyBuffer(b);
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
            await check(rows, cols, randn(rows * cols, r, 3), randn(rows * cols, r), seed);
          },
          attempt,
        ),
      );
    }

  it('InfoNCE logits: 32×32 at logit scale 100', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const x = Float32Array.from(randn(32 * 32, r, 0.3), (v) => 100 * Math.tanh(v)); // 100·cosine
    await check(32, 32, x, randn(32 * 32, r), seed);
  });

  it('causal mask: −∞ above the diagonal, 77×77', async () => {
    const seed = freshSeed();
    const r = rng(seed);
    const x = randn(77 * 77, r, 3);
    for (let i = 0; i < 77; i++) for (let j = i + 1; j < 77; j++) x[i * 77 + j] = -Infinity;
    await check(77, 77, x, randn(77 * 77, r), seed);
  });

  it('backward references agree with finite differences', () => {
    const seed = freshSeed();
    const r = rng(seed);
    const [rows, cols] = [3, 5];
    const x = randn(rows * cols, r, 2);
    const w = randn(rows * cols, r);
    const ds = softmaxBackwardRef(softmaxRef(x, rows, cols), w, rows, cols);
    expectClose(
      'softmax',
      ds,
      finiteDifferences((p) => dot(softmaxRef(p, rows, cols), w), x),
      TOLERANCE.finiteDifference,
      seed,
    );
    const dl = logSoftmaxBackwardRef(logSoftmaxRef(x, rows, cols), w, rows, cols);
    expectClose(
      'log-softmax',
      dl,
      finiteDifferences((p) => dot(logSoftmaxRef(p, rows, cols), w), x),
      TOLERANCE.finiteDifference,
      seed,
    );
  });
});

describe('wrong calls', () => {
  it('throw KernelError naming the kernel and the argument', () => {
    const small = gpu.createBuffer(16);
    const big = gpu.createBuffer(4096);
    expectKernelError(() => softmax(gpu, big, big, 4, 0), /softmax: 'cols' must be a positive integer, got 0/);
    expectKernelError(() => softmax(gpu, big, small, 4, 8), /softmax: buffer 'y' holds 16 bytes, needs 128/);
    expectKernelError(() => logSoftmax(gpu, small, big, 2, 3), /log_softmax: buffer 'x' holds 16 bytes, needs 24/);
    expectKernelError(() => softmaxBackward(gpu, big, small, big, 4, 8), /softmax_backward: buffer 'dy' holds 16 bytes, needs 128/);
    expectKernelError(
      () => logSoftmaxBackward(gpu, big, big, big, -1, 8),
      /log_softmax_backward: 'rows' must be a positive integer, got -1/,
    );
    free(small, big);
  });
});
