import { describe, expect, it } from 'vitest';
import { TOLERANCE } from '../tolerances.js';
import { dot, expectClose, finiteDifferences, freshSeed, poisoned, randn, rng, testGpu, expectKernelError } from '../testing.js';
import { binary, binaryBackward, unary, unaryBackward, type BinaryOp, type UnaryOp } from './elementwise.js';
import { binaryBackwardRef, binaryRef, erf, unaryBackwardRef, unaryRef } from './elementwise.ref.js';

const gpu = await testGpu();
const UNARY: UnaryOp[] = [
  'none',
  'quickGelu',
  'gelu',
  'sigmoid',
  'tanh',
  'sin',
  'relu',
  'exp',
  'leakyRelu',
  'asin',
  'scale',
  'clamp',
  'round',
];
const PARAMS = { scale: { alpha: -1.5, beta: 0.25 }, clamp: { alpha: -0.5, beta: 0.75 } } as Record<
  string,
  { alpha: number; beta: number }
>;
const tol = (op: string) => (['gelu', 'tanh', 'sin', 'exp', 'asin'].includes(op) ? TOLERANCE.f32Transcendental : TOLERANCE.f32);

describe('erf reference', () => {
  it('matches known values', () => {
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf(-1)).toBeCloseTo(-0.8427007929497149, 14);
    expect(erf(3.5)).toBeCloseTo(0.9999992569016276, 14);
  });
});

describe('unary', () => {
  for (const n of [1, 7, 1000, 77 * 512]) {
    for (const op of UNARY) {
      it(`${op} forward and backward, n=${n}`, async () => {
        const seed = freshSeed();
        const r = rng(seed);
        const x = op === 'asin' ? randn(n, r, 0.4).map((v) => Math.max(-0.95, Math.min(0.95, v))) : randn(n, r, 2);
        const dy = randn(n, r);
        const X = gpu.upload(x),
          DY = gpu.upload(dy);
        const Y = poisoned(gpu, n),
          DX = poisoned(gpu, n);
        unary(gpu, op, X, Y, n, PARAMS[op]);
        unaryBackward(gpu, op, X, DY, DX, n, PARAMS[op]);
        expectClose(`${op} y`, await gpu.readF32(Y, n), unaryRef(op, x, PARAMS[op]), tol(op), seed);
        expectClose(`${op} dx`, await gpu.readF32(DX, n), unaryBackwardRef(op, x, dy, PARAMS[op]), tol(op), seed);
        [X, DY, Y, DX].forEach((b) => gpu.destroyBuffer(b));
      });
    }
  }

  it('backward references agree with finite differences', () => {
    const r = rng(freshSeed());
    // keep away from the kinks of relu/clamp where the derivative is one-sided
    const x = Array.from(randn(16, r, 2), (v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
    const w = randn(16, r);
    for (const op of UNARY.filter((o) => o !== 'clamp' && o !== 'round')) {
      if (op === 'asin') continue; // checked below on its domain
      const analytic = unaryBackwardRef(op, x, w, PARAMS[op]);
      const numeric = finiteDifferences((p) => dot(unaryRef(op, p, PARAMS[op]), w), x);
      expectClose(`${op} finite differences`, analytic, numeric, TOLERANCE.finiteDifference);
    }
    const inDomain = Array.from(randn(16, r, 0.4), (v) => Math.max(-0.9, Math.min(0.9, v)));
    const numeric = finiteDifferences((p) => dot(unaryRef('asin', p), w), inDomain);
    expectClose('asin finite differences', unaryBackwardRef('asin', inDomain, w), numeric, TOLERANCE.finiteDifference);
  });
});

describe('binary', () => {
  const OPS: BinaryOp[] = ['add', 'sub', 'mul', 'div'];
  for (const [n, nb, inner] of [
    [1, 1, 1],
    [7, 7, 1],
    [50 * 768, 768, 1],
    [12, 1, 1],
    [77 * 3, 3, 1],
    [6 * 512, 6, 512],
    [2 * 3 * 5, 3, 5],
  ]) {
    for (const op of OPS) {
      it(`${op} forward and backward, n=${n}, b of ${nb} broadcast with inner ${inner}`, async () => {
        const seed = freshSeed();
        const r = rng(seed);
        const a = randn(n, r);
        // keep divisors away from zero
        const b = Float32Array.from(randn(nb, r), (v) => (op === 'div' ? Math.sign(v || 1) * (0.5 + Math.abs(v)) : v));
        const dout = randn(n, r);
        const A = gpu.upload(a),
          B = gpu.upload(b),
          DOUT = gpu.upload(dout);
        const OUT = poisoned(gpu, n),
          DA = poisoned(gpu, n),
          DB = poisoned(gpu, nb);
        binary(gpu, op, A, B, OUT, n, { nb, inner });
        binaryBackward(gpu, op, A, B, DOUT, DA, DB, n, { nb, inner });
        const ref = binaryBackwardRef(op, a, b, dout, inner);
        expectClose(`${op} out`, await gpu.readF32(OUT, n), binaryRef(op, a, b, inner), TOLERANCE.f32, seed);
        expectClose(`${op} da`, await gpu.readF32(DA, n), ref.da, TOLERANCE.f32, seed);
        expectClose(`${op} db`, await gpu.readF32(DB, nb), ref.db, TOLERANCE.f32, seed);
        [A, B, DOUT, OUT, DA, DB].forEach((x) => gpu.destroyBuffer(x));
      });
    }
  }

  it('backward references agree with finite differences', () => {
    const r = rng(freshSeed());
    const a = randn(12, r);
    const b = Float32Array.from(randn(3, r), (v) => Math.sign(v || 1) * (0.5 + Math.abs(v)));
    const w = randn(12, r);
    for (const op of OPS) {
      const { da, db } = binaryBackwardRef(op, a, b, w);
      expectClose(
        `${op} da`,
        da,
        finiteDifferences((p) => dot(binaryRef(op, p, b), w), a),
        TOLERANCE.finiteDifference,
      );
      expectClose(
        `${op} db`,
        db,
        finiteDifferences((p) => dot(binaryRef(op, a, p), w), b),
        TOLERANCE.finiteDifference,
      );
    }
  });
});

describe('wrong calls', () => {
  it('names the kernel and the argument', async () => {
    const small = gpu.createBuffer(16);
    const big = gpu.createBuffer(4096);
    expectKernelError(() => unary(gpu, 'gelu', small, big, 100), /unary: buffer 'x' holds 16 bytes, needs 400/);
    expectKernelError(
      () => binary(gpu, 'add', big, big, big, 10, 3),
      /binary: operand 'b' of 3 elements \(repeated 1×\) does not broadcast/,
    );
    expectKernelError(() => unary(gpu, 'nope' as UnaryOp, big, big, 4), /unary: unknown op 'nope'/);
    gpu.destroyBuffer(small);
    gpu.destroyBuffer(big);
  });
});
