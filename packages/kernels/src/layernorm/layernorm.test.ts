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
import { layerNorm, layerNormBackward } from './layernorm.js';
import { layerNormBackwardRef, layerNormRef } from './layernorm.ref.js';

const gpu = await testGpu();
const EPS = 1e-5;

function free(...bufs: GPUBuffer[]): void {
  for (const b of bufs) gpu.destroyBuffer(b);
}

/** Sizes of the terms of mean (mean |x|) and of dx = rstd·(g − mean(g) − x̂·mean(g·x̂)). */
function termSizes(
  x: ArrayLike<number>,
  gamma: ArrayLike<number>,
  dy: ArrayLike<number>,
  mean: Float64Array,
  rstd: Float64Array,
  rows: number,
  cols: number,
) {
  const absMean = new Float64Array(rows);
  const dx = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let sg = 0,
      sgx = 0;
    for (let c = 0; c < cols; c++) {
      absMean[r] += Math.abs(x[off + c]) / cols;
      sg += (dy[off + c] * gamma[c]) / cols;
      sgx += (dy[off + c] * gamma[c] * (x[off + c] - mean[r]) * rstd[r]) / cols;
    }
    for (let c = 0; c < cols; c++) {
      const xhat = (x[off + c] - mean[r]) * rstd[r];
      dx[off + c] = rstd[r] * (Math.abs(dy[off + c] * gamma[c]) + Math.abs(sg) + Math.abs(xhat * sgx));
    }
  }
  return { mean: absMean, dx };
}

/** x with a different offset per row (two-pass variance must not care), gamma, beta, dy. */
function inputs(rows: number, cols: number, seed: number) {
  const r = rng(seed);
  const x = randn(rows * cols, r, 2);
  for (let i = 0; i < rows; i++) {
    const shift = 8 * (r() - 0.5);
    for (let c = 0; c < cols; c++) x[i * cols + c] += shift;
  }
  return { x, gamma: randn(cols, r), beta: randn(cols, r), dy: randn(rows * cols, r) };
}

describe('layerNorm', () => {
  // CLIP widths and token counts, a ragged multi-row workgroup (300×77), and tiny odd shapes
  const SHAPES: [number, number][] = [
    [257, 1024],
    [77, 512],
    [50, 768],
    [3, 1280],
    [300, 77],
    [1, 7],
    [5, 3],
    [7, 1],
  ];
  // the adapter's own row layout, and the hardware one (256 invocations per row) whatever the adapter
  for (const [rows, cols] of SHAPES)
    for (const layout of ROW_LAYOUTS) {
      const name = `forward and backward, ${rows}×${cols}`;
      const attempt = () => {
        const [x, y] = [gpu.createBuffer(rows * cols * 4), gpu.createBuffer(rows * cols * 4)];
        try {
          layerNorm(gpu, x, x, x, y, y, y, rows, cols, EPS);
        } finally {
          free(x, y);
        }
      };
      it(name + layout.label, () =>
        inRowLayout(
          gpu,
          layout,
          name,
          async () => {
            const seed = freshSeed();
            const { x, gamma, beta, dy } = inputs(rows, cols, seed);
            const n = rows * cols;
            const X = gpu.upload(x),
              G = gpu.upload(gamma),
              B = gpu.upload(beta),
              DY = gpu.upload(dy);
            const Y = poisoned(gpu, n),
              M = poisoned(gpu, rows),
              RS = poisoned(gpu, rows);
            const DX = poisoned(gpu, n),
              DG = poisoned(gpu, cols),
              DB = poisoned(gpu, cols);
            const before = gpu.allocatedBytes;
            layerNorm(gpu, X, G, B, Y, M, RS, rows, cols, EPS);
            layerNormBackward(gpu, { x: X, gamma: G, mean: M, rstd: RS, dy: DY, dx: DX, dgamma: DG, dbeta: DB }, rows, cols);
            const ref = layerNormRef(x, gamma, beta, rows, cols, EPS);
            expectClose('y', await gpu.readF32(Y, n), ref.y, TOLERANCE.f32, seed);
            const sizes = termSizes(x, gamma, dy, ref.mean, ref.rstd, rows, cols);
            expectCloseScaled('mean', await gpu.readF32(M, rows), ref.mean, sizes.mean, TOLERANCE.f32, seed);
            expectClose('rstd', await gpu.readF32(RS, rows), ref.rstd, TOLERANCE.f32, seed);
            const back = layerNormBackwardRef(x, gamma, ref.mean, ref.rstd, dy, rows, cols);
            expectCloseScaled('dx', await gpu.readF32(DX, n), back.dx, sizes.dx, TOLERANCE.f32Backward, seed);
            expectClose('dgamma', await gpu.readF32(DG, cols), back.dgamma, TOLERANCE.f32Backward, seed);
            expectClose('dbeta', await gpu.readF32(DB, cols), back.dbeta, TOLERANCE.f32Backward, seed);
            expect(gpu.allocatedBytes, 'scratch freed').toBe(before);
            free(X, G, B, DY, Y, M, RS, DX, DG, DB);
          },
          attempt,
        ),
      );
    }

  it('dgamma/dbeta are bit-identical across runs; each gradient can be asked for alone', async () => {
    const seed = freshSeed();
    const [rows, cols] = [257, 768];
    const { x, gamma, beta, dy } = inputs(rows, cols, seed);
    const X = gpu.upload(x),
      G = gpu.upload(gamma),
      B = gpu.upload(beta),
      DY = gpu.upload(dy);
    const Y = gpu.createBuffer(rows * cols * 4),
      M = gpu.createBuffer(rows * 4),
      RS = gpu.createBuffer(rows * 4);
    layerNorm(gpu, X, G, B, Y, M, RS, rows, cols, EPS);
    const saved = { x: X, gamma: G, mean: M, rstd: RS, dy: DY };
    const runs: Uint32Array[][] = [];
    for (let i = 0; i < 2; i++) {
      const DG = poisoned(gpu, cols),
        DB = poisoned(gpu, cols);
      layerNormBackward(gpu, { ...saved, dgamma: DG, dbeta: DB }, rows, cols);
      runs.push([new Uint32Array(await gpu.read(DG, cols * 4)), new Uint32Array(await gpu.read(DB, cols * 4))]);
      free(DG, DB);
    }
    expect(runs[1][0], `dgamma differs between runs; seed ${seed}`).toEqual(runs[0][0]);
    expect(runs[1][1], `dbeta differs between runs; seed ${seed}`).toEqual(runs[0][1]);
    // one gradient at a time gives the same bits as all together
    const DB = poisoned(gpu, cols),
      DX = poisoned(gpu, rows * cols);
    layerNormBackward(gpu, { ...saved, dbeta: DB }, rows, cols);
    layerNormBackward(gpu, { ...saved, dx: DX }, rows, cols);
    expect(new Uint32Array(await gpu.read(DB, cols * 4))).toEqual(runs[0][1]);
    const ref = layerNormRef(x, gamma, beta, rows, cols, EPS);
    const sizes = termSizes(x, gamma, dy, ref.mean, ref.rstd, rows, cols);
    const dxRef = layerNormBackwardRef(x, gamma, ref.mean, ref.rstd, dy, rows, cols).dx;
    expectCloseScaled('dx alone', await gpu.readF32(DX, rows * cols), dxRef, sizes.dx, TOLERANCE.f32Backward, seed);
    free(X, G, B, DY, Y, M, RS, DB, DX);
  });

  it('backward reference agrees with finite differences', () => {
    const seed = freshSeed();
    const [rows, cols, eps] = [3, 5, 1e-3];
    const { x, gamma, beta } = inputs(rows, cols, seed);
    const w = randn(rows * cols, rng(seed + 1));
    const f = (xx: ArrayLike<number>, gg: ArrayLike<number>, bb: ArrayLike<number>) => dot(layerNormRef(xx, gg, bb, rows, cols, eps).y, w);
    const { mean, rstd } = layerNormRef(x, gamma, beta, rows, cols, eps);
    const back = layerNormBackwardRef(x, gamma, mean, rstd, w, rows, cols);
    expectClose(
      'dx',
      back.dx,
      finiteDifferences((p) => f(p, gamma, beta), x),
      TOLERANCE.finiteDifference,
      seed,
    );
    expectClose(
      'dgamma',
      back.dgamma,
      finiteDifferences((p) => f(x, p, beta), gamma),
      TOLERANCE.finiteDifference,
      seed,
    );
    expectClose(
      'dbeta',
      back.dbeta,
      finiteDifferences((p) => f(x, gamma, p), beta),
      TOLERANCE.finiteDifference,
      seed,
    );
  });
});

describe('wrong calls', () => {
  it('throw KernelError naming the kernel and the argument', () => {
    const small = gpu.createBuffer(16);
    const big = gpu.createBuffer(4096);
    expectKernelError(() => layerNorm(gpu, big, big, big, big, big, big, 4, 0, EPS), /layernorm: 'cols' must be a positive integer, got 0/);
    expectKernelError(() => layerNorm(gpu, big, big, big, small, big, big, 4, 8, EPS), /layernorm: buffer 'y' holds 16 bytes, needs 128/);
    expectKernelError(
      () => layerNorm(gpu, big, small, big, big, big, big, 2, 8, EPS),
      /layernorm: buffer 'gamma' holds 16 bytes, needs 32/,
    );
    expectKernelError(() => layerNorm(gpu, big, big, big, big, big, big, 4, 8, -1), /layernorm: 'eps' must be a finite number/);
    const saved = { x: big, gamma: big, mean: big, rstd: big, dy: big };
    const dispatches = gpu.dispatches;
    layerNormBackward(gpu, saved, 4, 8); // no gradient wanted: nothing to do
    expect(gpu.dispatches).toBe(dispatches);
    expectKernelError(
      () => layerNormBackward(gpu, { ...saved, dgamma: small }, 4, 8),
      /layernorm_backward: buffer 'dgamma' holds 16 bytes, needs 32/,
    );
    expectKernelError(
      () => layerNormBackward(gpu, { ...saved, dx: big, mean: small }, 8, 8),
      /layernorm_backward: buffer 'mean' holds 16 bytes, needs 32/,
    );
    expectKernelError(
      () => layerNormBackward(gpu, { ...saved, dx: big }, 0, 8),
      /layernorm_backward: 'rows' must be a positive integer, got 0/,
    );
    free(small, big);
  });
});
