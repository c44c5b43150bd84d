import { describe, expect, it } from 'vitest';
import fixture from './pil_resize.json';
import { TOLERANCE } from '../tolerances.js';
import { dot, expectClose, finiteDifferences, freshSeed, poisoned, randn, rng, testGpu, expectKernelError } from '../testing.js';
import { clearResizeCache, resize, resizeBackward, type ResizeShape } from './image.js';
import { axisMatrixRef, resizeBackwardRef, resizeRef } from './image.ref.js';

const gpu = await testGpu();

function expectAdjoint(
  what: string,
  ax: ArrayLike<number>,
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  aty: ArrayLike<number>,
  seed: number,
): void {
  const lhs = dot(ax, y);
  const rhs = dot(x, aty);
  const scale = Math.sqrt(dot(ax, ax) * dot(y, y)) || 1;
  if (!(Math.abs(lhs - rhs) <= TOLERANCE.f32 * scale)) throw new Error(`${what}: ⟨Ax, y⟩ = ${lhs} but ⟨x, Aᵀy⟩ = ${rhs}; seed ${seed}`);
}
const bitsEqual = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && new Uint32Array(a.buffer).every((v, i) => v === new Uint32Array(b.buffer)[i]);
const inCount = (s: ResizeShape) => (s.inBatch ?? s.batch) * s.channels * s.inH * s.inW;
const outCount = (s: ResizeShape) => s.batch * s.channels * s.outH * s.outW;

/** Forward and backward against the reference, the adjoint identity, and bit-identical reruns. */
async function checkResize(name: string, s: ResizeShape): Promise<void> {
  const seed = freshSeed();
  const r = rng(seed);
  const x = randn(inCount(s), r),
    dy = randn(outCount(s), r);
  const X = gpu.upload(x),
    DY = gpu.upload(dy);
  const Y = poisoned(gpu, outCount(s)),
    DX = poisoned(gpu, inCount(s)),
    DX2 = poisoned(gpu, inCount(s));
  resize(gpu, X, Y, s);
  resizeBackward(gpu, DY, DX, s);
  resizeBackward(gpu, DY, DX2, s);
  const y = await gpu.readF32(Y, outCount(s));
  const dx = await gpu.readF32(DX, inCount(s));
  expectClose(`${name} y`, y, resizeRef(x, s), TOLERANCE.f32, seed);
  expectClose(`${name} dx`, dx, resizeBackwardRef(dy, s), TOLERANCE.f32Backward, seed);
  expectAdjoint(name, y, dy, x, dx, seed);
  expect(bitsEqual(dx, await gpu.readF32(DX2, inCount(s))), `${name}: backward reruns must be bit-identical; seed ${seed}`).toBe(true);
  [X, DY, Y, DX, DX2].forEach((b) => gpu.destroyBuffer(b));
}

describe('resize references', () => {
  const pil = fixture as {
    inH: number;
    inW: number;
    input: number[];
    cases: { mode: 'bicubic' | 'bilinear'; outW: number; outH: number; box: number[] | null; data: number[] }[];
  };
  const shapeOf = (c: (typeof pil.cases)[number]): ResizeShape => ({
    batch: 1,
    channels: 1,
    inH: pil.inH,
    inW: pil.inW,
    outH: c.outH,
    outW: c.outW,
    mode: c.mode,
    antialias: true,
    box: c.box ? { x: c.box[0], y: c.box[1], w: c.box[2] - c.box[0], h: c.box[3] - c.box[1] } : undefined,
  });

  it('antialiased reference and kernel match Pillow (pil_resize.json, from test/fixtures/make_resize_fixture.py)', async () => {
    for (const c of pil.cases) {
      const s = shapeOf(c);
      const what = `PIL ${c.mode} ${pil.inW}×${pil.inH} → ${c.outW}×${c.outH}${c.box ? ` box [${c.box}]` : ''}`;
      // PIL keeps its intermediate image in float32: agreement to f32 rounding
      expectClose(`${what} (reference)`, resizeRef(pil.input, s), c.data, TOLERANCE.f32);
      const X = gpu.upload(Float32Array.from(pil.input)),
        Y = poisoned(gpu, c.outW * c.outH);
      resize(gpu, X, Y, s);
      expectClose(`${what} (kernel)`, await gpu.readF32(Y, c.outW * c.outH), c.data, TOLERANCE.f32);
      [X, Y].forEach((b) => gpu.destroyBuffer(b));
    }
  });

  it("non-antialiased rows follow PyTorch's interpolate (hand-computed)", () => {
    const row = (mode: 'bilinear' | 'bicubic', x: number[], out: number) => {
      const M = axisMatrixRef(x.length, 0, x.length, out, mode, false);
      return Array.from({ length: out }, (_, o) => x.reduce((a, v, i) => a + M[o * x.length + i] * v, 0));
    };
    // F.interpolate([1, 2], size=4, mode='linear' / 'bicubic', align_corners=False)
    row('bilinear', [1, 2], 4).forEach((v, i) => expect(v).toBeCloseTo([1, 1.25, 1.75, 2][i], 12));
    row('bicubic', [1, 2], 4).forEach((v, i) => expect(v).toBeCloseTo([0.89453125, 1.2265625, 1.7734375, 2.10546875][i], 12));
    // shrinking without antialias samples between pixels: [0, 1, 2, 3] → 2 gives [0.5, 2.5]
    row('bilinear', [0, 1, 2, 3], 2).forEach((v, i) => expect(v).toBeCloseTo([0.5, 2.5][i], 12));
  });

  it('backward references agree with finite differences', () => {
    const r = rng(freshSeed());
    const shapes: ResizeShape[] = [
      { batch: 1, channels: 1, inH: 5, inW: 6, outH: 3, outW: 4, mode: 'bicubic', antialias: true },
      { batch: 1, channels: 2, inH: 3, inW: 4, outH: 5, outW: 3, mode: 'bilinear' },
      { batch: 1, channels: 1, inH: 4, inW: 3, outH: 6, outW: 2, mode: 'bicubic' },
      {
        batch: 2,
        inBatch: 1,
        channels: 1,
        inH: 6,
        inW: 5,
        outH: 3,
        outW: 3,
        mode: 'bilinear',
        antialias: true,
        boxes: [0.5, 1, 3.5, 4, -1, 0.25, 5, 6.5],
      },
    ];
    for (const s of shapes) {
      const w = randn(outCount(s), r);
      const numeric = finiteDifferences((p) => dot(resizeRef(p, s), w), randn(inCount(s), r));
      expectClose(`resize fd ${s.mode} ${s.antialias ? 'antialias' : ''}`, resizeBackwardRef(w, s), numeric, TOLERANCE.finiteDifference);
    }
  });
});

describe('resize kernels', () => {
  const cases: [string, ResizeShape][] = [
    [
      'CLIP preprocessing: 3×300×400 → 224×298, bicubic antialias',
      { batch: 1, channels: 3, inH: 300, inW: 400, outH: 224, outW: 298, mode: 'bicubic', antialias: true },
    ],
    [
      'bilinear antialias shrink, odd sizes',
      { batch: 2, channels: 2, inH: 37, inW: 23, outH: 11, outW: 17, mode: 'bilinear', antialias: true },
    ],
    [
      'bicubic antialias, shrink one axis and stretch the other',
      { batch: 2, channels: 1, inH: 10, inW: 30, outH: 25, outW: 8, mode: 'bicubic', antialias: true },
    ],
    ['bicubic without antialias, upscale', { batch: 1, channels: 3, inH: 9, inW: 7, outH: 20, outW: 15, mode: 'bicubic' }],
    ['bilinear without antialias, mixed', { batch: 3, channels: 1, inH: 13, inW: 7, outH: 5, outW: 16, mode: 'bilinear' }],
    [
      'width only (height unchanged: one pass)',
      { batch: 1, channels: 2, inH: 6, inW: 19, outH: 6, outW: 8, mode: 'bicubic', antialias: true },
    ],
    ['identity', { batch: 2, channels: 3, inH: 5, inW: 4, outH: 5, outW: 4, mode: 'bicubic' }],
    [
      'one box for a batch',
      {
        batch: 2,
        channels: 3,
        inH: 20,
        inW: 24,
        outH: 8,
        outW: 9,
        mode: 'bicubic',
        antialias: true,
        box: { x: 2.5, y: 1, w: 17, h: 15.5 },
      },
    ],
  ];
  for (const [name, s] of cases) it(name, () => checkResize(name, s));

  for (const antialias of [true, false]) {
    it(`cutouts: one image broadcast to 6 random crops, bicubic${antialias ? ' antialias' : ''}`, async () => {
      const r = rng(freshSeed());
      const [inH, inW] = [40, 50];
      const boxes: number[] = [];
      for (let i = 0; i < 6; i++) {
        const size = 8 + r() * 36;
        // some crops run past the image edges
        boxes.push(r() * (inW - size / 2) - size / 4, r() * (inH - size / 2) - size / 4, size, size * (0.8 + 0.4 * r()));
      }
      await checkResize('cutouts', { batch: 6, inBatch: 1, channels: 3, inH, inW, outH: 16, outW: 16, mode: 'bicubic', antialias, boxes });
    });
  }

  it('per-item crops of a batch (no broadcast), bilinear', () =>
    checkResize('per-item crops', {
      batch: 2,
      channels: 2,
      inH: 12,
      inW: 15,
      outH: 7,
      outW: 6,
      mode: 'bilinear',
      antialias: true,
      boxes: [0, 0, 15, 12, 3.25, 2, 9, 8.5],
    }));

  it('coefficient tables stay cached per shape, bounded', async () => {
    const s: ResizeShape = { batch: 1, channels: 1, inH: 8, inW: 8, outH: 4, outW: 4, mode: 'bicubic', antialias: true };
    const X = gpu.upload(randn(64, rng(1))),
      Y = gpu.createBuffer(64);
    resize(gpu, X, Y, s);
    await gpu.sync();
    const before = gpu.allocatedBytes;
    for (let i = 0; i < 3; i++) resize(gpu, X, Y, s);
    for (let i = 0; i < 20; i++) resize(gpu, X, Y, { ...s, box: { x: i / 10, y: 0, w: 6, h: 8 } });
    await gpu.sync();
    expect(gpu.allocatedBytes - before).toBeLessThan(64 * 1024);
    clearResizeCache(gpu);
    [X, Y].forEach((b) => gpu.destroyBuffer(b));
  });
});

describe('wrong calls', () => {
  it('name the kernel and the argument', () => {
    const small = gpu.createBuffer(16),
      big = gpu.createBuffer(4096);
    const s: ResizeShape = { batch: 1, channels: 3, inH: 8, inW: 8, outH: 4, outW: 4, mode: 'bicubic' };
    expectKernelError(() => resize(gpu, small, big, s), /resize: buffer 'x' holds 16 bytes, needs 768/);
    expectKernelError(() => resizeBackward(gpu, big, small, s), /resize_backward: buffer 'dx' holds 16 bytes, needs 768/);
    expectKernelError(() => resize(gpu, big, small, { ...s, mode: 'nearest' as 'bicubic' }), /resize: unknown 'mode' 'nearest'/);
    expectKernelError(() => resize(gpu, big, small, { ...s, outW: 0 }), /resize: 'outW' must be an integer ≥ 1/);
    expectKernelError(() => resize(gpu, big, small, { ...s, batch: 2, inBatch: 3 }), /resize: 'inBatch' must be 1 or 'batch'/);
    expectKernelError(() => resize(gpu, big, small, { ...s, boxes: [0, 0, 4] }), /resize: 'boxes' must hold 4 numbers per output item/);
    expectKernelError(
      () => resize(gpu, big, small, { ...s, box: { x: 0, y: 0, w: -1, h: 2 } }),
      /resize: 'box' must be finite with w, h > 0/,
    );
    expectKernelError(
      () => resize(gpu, big, small, { ...s, box: { x: 0, y: 0, w: 1, h: 1 }, boxes: [0, 0, 1, 1] }),
      /resize: give 'box' or 'boxes'/,
    );
    expectKernelError(() => resize(gpu, big, small, { ...s, channels: 1, outH: 2, outW: 2 }, small), /resize: 'scratch' overlaps 'y'/);
    expectKernelError(() => resize(gpu, big, big, s), /resize: 'y' overlaps 'x'; resize cannot run in place/);
    const y = gpu.createBuffer(4096);
    expectKernelError(() => resize(gpu, big, y, s, small), /resize: buffer 'scratch' holds 16 bytes/);
    gpu.destroyBuffer(y);
    gpu.destroyBuffer(small);
    gpu.destroyBuffer(big);
  });
});
