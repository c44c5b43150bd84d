import { describe, expect, it } from 'vitest';
import { TOLERANCE } from '../tolerances.js';
import { dot, expectClose, finiteDifferences, freshSeed, poisoned, randn, rng, testGpu, expectKernelError } from '../testing.js';
import { col2im, convOutputSize, im2col, type ConvShape } from './image.js';
import { col2imRef, im2colRef } from './image.ref.js';

const gpu = await testGpu();
const bitsEqual = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && new Uint32Array(a.buffer).every((v, i) => v === new Uint32Array(b.buffer)[i]);

describe('convOutputSize', () => {
  it('follows ⌊(H + 2p − k) / s⌋ + 1', () => {
    expect(convOutputSize({ batch: 1, channels: 3, H: 224, W: 224, kernel: 32, stride: 32, padding: 0 })).toEqual({ outH: 7, outW: 7 });
    expect(convOutputSize({ batch: 1, channels: 3, H: 224, W: 224, kernel: 14, stride: 14, padding: 0 })).toEqual({ outH: 16, outW: 16 });
    expect(convOutputSize({ batch: 1, channels: 8, H: 16, W: 15, kernel: 3, stride: 1, padding: 1 })).toEqual({ outH: 16, outW: 15 });
    expect(convOutputSize({ batch: 1, channels: 1, H: 11, W: 8, kernel: 4, stride: 3, padding: 2 })).toEqual({ outH: 4, outW: 3 });
  });
});

describe('im2col / col2im', () => {
  const cases: [string, ConvShape][] = [
    ['ViT-B/32 patches: 3×224×224, 32×32 stride 32', { batch: 1, channels: 3, H: 224, W: 224, kernel: 32, stride: 32, padding: 0 }],
    ['3×3 pad 1 on 8×16×16', { batch: 2, channels: 8, H: 16, W: 16, kernel: 3, stride: 1, padding: 1 }],
    ['odd: k 4, stride 3, pad 2 on 5×11×9', { batch: 3, channels: 5, H: 11, W: 9, kernel: 4, stride: 3, padding: 2 }],
    ['stride 2 overlap: k 5, pad 2 on 2×13×10', { batch: 1, channels: 2, H: 13, W: 10, kernel: 5, stride: 2, padding: 2 }],
    ['1×1 kernel', { batch: 2, channels: 3, H: 5, W: 7, kernel: 1, stride: 1, padding: 0 }],
  ];
  for (const [name, s] of cases) {
    it(name, async () => {
      const seed = freshSeed();
      const r = rng(seed);
      const { outH, outW } = convOutputSize(s);
      const nx = s.batch * s.channels * s.H * s.W;
      const nc = s.batch * outH * outW * s.channels * s.kernel * s.kernel;
      const x = randn(nx, r),
        dcols = randn(nc, r);
      const X = gpu.upload(x),
        DC = gpu.upload(dcols);
      const COLS = poisoned(gpu, nc),
        DX = poisoned(gpu, nx),
        DX2 = poisoned(gpu, nx);
      im2col(gpu, X, COLS, s);
      col2im(gpu, DC, DX, s);
      col2im(gpu, DC, DX2, s);
      const cols = await gpu.readF32(COLS, nc);
      const dx = await gpu.readF32(DX, nx);
      expectClose(`${name} cols`, cols, im2colRef(x, s), 0, seed);
      expectClose(`${name} dx`, dx, col2imRef(dcols, s), TOLERANCE.f32Backward, seed);
      // ⟨im2col(x), dcols⟩ = ⟨x, col2im(dcols)⟩
      const lhs = dot(cols, dcols),
        rhs = dot(x, dx);
      expect(Math.abs(lhs - rhs), `adjoint: ${lhs} vs ${rhs}; seed ${seed}`).toBeLessThanOrEqual(
        TOLERANCE.f32 * Math.sqrt(dot(cols, cols) * dot(dcols, dcols)),
      );
      expect(bitsEqual(dx, await gpu.readF32(DX2, nx)), `col2im reruns must be bit-identical; seed ${seed}`).toBe(true);
      [X, DC, COLS, DX, DX2].forEach((b) => gpu.destroyBuffer(b));
    });
  }

  it('the reference col2im matches finite differences of im2col', () => {
    const r = rng(freshSeed());
    const s: ConvShape = { batch: 1, channels: 2, H: 4, W: 3, kernel: 3, stride: 2, padding: 1 };
    const { outH, outW } = convOutputSize(s);
    const w = randn(outH * outW * 2 * 9, r);
    const numeric = finiteDifferences((p) => dot(im2colRef(p, s), w), randn(24, r));
    expectClose('col2im fd', col2imRef(w, s), numeric, TOLERANCE.finiteDifference);
  });
});

describe('wrong calls', () => {
  it('name the kernel and the argument', () => {
    const small = gpu.createBuffer(16),
      big = gpu.createBuffer(65536);
    const s: ConvShape = { batch: 1, channels: 3, H: 8, W: 8, kernel: 3, stride: 1, padding: 1 };
    expectKernelError(() => im2col(gpu, small, big, s), /im2col: buffer 'x' holds 16 bytes, needs 768/);
    expectKernelError(() => im2col(gpu, big, small, s), /im2col: buffer 'cols' holds 16 bytes, needs 6912/);
    expectKernelError(() => col2im(gpu, small, big, s), /col2im: buffer 'dcols' holds 16 bytes, needs 6912/);
    expectKernelError(() => im2col(gpu, big, big, { ...s, kernel: 11 }), /im2col: 'kernel' 11 exceeds the padded 8×8 image/);
    expectKernelError(() => col2im(gpu, big, big, { ...s, stride: 0 }), /col2im: 'stride' must be an integer ≥ 1/);
    expectKernelError(() => im2col(gpu, big, big, { ...s, padding: -1 }), /im2col: 'padding' must be an integer ≥ 0/);
    expectKernelError(() => col2im(gpu, big, big, s), /col2im: 'dx' overlaps 'dcols'/);
    expect(() => im2col(gpu, { buffer: big, size: 1024 }, { buffer: big, offset: 1024 }, s)).not.toThrow();
    gpu.destroyBuffer(small);
    gpu.destroyBuffer(big);
  });
});
