// Image benchmark, llm.c style: CLIP's preprocessing resize (a 3×300×400 image to 224×298,
// bicubic with PIL's antialias) and the patch embedding's im2col (ViT-B/32: 32×32 patches of
// 3×224×224), each first checked against the float64 reference on the same shape, then timed.
// Napkin math (image.ts): resize 2·K FLOPs an output of each 1-D pass (K taps ≈ 7 here), bytes
// input + 2·intermediate + output; im2col no FLOPs, the cols written once.
//
//   node scripts/run-ts.mjs packages/kernels/src/image/image.bench.ts [--runs N]
import { Gpu } from '../gpu.js';
import { type BenchCase, expectClose, filled, option, poisoned, randu, rng, runBenchmark } from '../testing.js';
import { TOLERANCE } from '../tolerances.js';
import { type ConvShape, convOutputSize, im2col, type ResizeShape, resize } from './image.js';
import { im2colRef, resizeRef } from './image.ref.js';

const argv = typeof process !== 'undefined' ? process.argv : [];
const gpu = await Gpu.create();
const batch = Number(option(argv, 'batch') ?? 1);

const rs: ResizeShape = { batch, channels: 3, inH: 300, inW: 400, outH: 224, outW: 298, mode: 'bicubic', antialias: true };
const conv: ConvShape = { batch, channels: 3, H: 224, W: 224, kernel: 32, stride: 32, padding: 0 };
const { outH, outW } = convOutputSize(conv);
const inCount = rs.batch * 3 * 300 * 400;
const outCount = rs.batch * 3 * 224 * 298;
const colCount = conv.batch * outH * outW * 3 * 32 * 32;

async function checkResize(): Promise<void> {
  const x = randu(inCount, rng(23));
  const [X, Y] = [gpu.upload(x), poisoned(gpu, outCount)];
  try {
    resize(gpu, X, Y, rs);
    expectClose('resize', await gpu.readF32(Y, outCount), resizeRef(x, rs), TOLERANCE.f32);
  } finally {
    [X, Y].forEach((b) => gpu.destroyBuffer(b));
  }
}

async function checkIm2col(): Promise<void> {
  const n = conv.batch * 3 * 224 * 224;
  const x = randu(n, rng(29));
  const [X, C] = [gpu.upload(x), poisoned(gpu, colCount)];
  try {
    im2col(gpu, X, C, conv);
    expectClose('im2col', await gpu.readF32(C, colCount), im2colRef(x, conv), 0);
  } finally {
    [X, C].forEach((b) => gpu.destroyBuffer(b));
  }
}

const cases: BenchCase[] = [
  {
    name: `resize bicubic antialias b${batch}`,
    shape: '3×300×400 → 224×298',
    // two passes of ~7 taps, 2 FLOPs each, per output of each pass (the first pass: 300×298)
    flops: 2 * 7 * rs.batch * 3 * (300 * 298 + 224 * 298),
    bytes: 4 * (inCount + 2 * rs.batch * 3 * 300 * 298 + outCount),
    check: checkResize,
    setup: () => {
      const [X, Y] = [gpu.upload(filled(inCount, 1, 1)), gpu.createBuffer(outCount * 4)];
      return { launch: () => resize(gpu, X, Y, rs), out: Y, free: () => [X, Y].forEach((b) => gpu.destroyBuffer(b)) };
    },
  },
  {
    name: `im2col ViT-B/32 patches b${batch}`,
    shape: '3×224×224, 32×32 stride 32',
    flops: 0,
    bytes: 4 * (conv.batch * 3 * 224 * 224 + colCount),
    check: checkIm2col,
    setup: () => {
      const [X, C] = [gpu.upload(filled(conv.batch * 3 * 224 * 224, 2, 1)), gpu.createBuffer(colCount * 4)];
      return { launch: () => im2col(gpu, X, C, conv), out: C, free: () => [X, C].forEach((b) => gpu.destroyBuffer(b)) };
    },
  },
];
try {
  console.log(`\n${await runBenchmark(gpu, 'image ops', 'see image.ts; resize and im2col are memory-bound', cases, argv)}`);
} finally {
  gpu.destroy();
}
