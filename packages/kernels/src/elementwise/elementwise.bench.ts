// Elementwise benchmark on CLIP's activations, llm.c style: the MLP's quickGelu and its backward
// over [T, mlp], and the residual add over [T, width], per tower at batch 1 (--batch 16 too),
// each first checked against the float64 reference on 1000 elements, then timed.
// Napkin math: unary reads x, writes y (8 bytes an element); its backward and binary 12; FLOPs are
// noise (quickGelu ~6 an element with its exp): memory-bound.
//
//   node scripts/run-ts.mjs packages/kernels/src/elementwise/elementwise.bench.ts [--match text] [--batch 1,16] [--runs N]
import { Gpu } from '../gpu.js';
import { type BenchCase, CLIP_TOWERS, expectClose, filled, option, poisoned, randn, rng, runBenchmark } from '../testing.js';
import { TOLERANCE } from '../tolerances.js';
import { binary, unary, unaryBackward } from './elementwise.js';
import { binaryRef, unaryBackwardRef, unaryRef } from './elementwise.ref.js';

const argv = typeof process !== 'undefined' ? process.argv : [];
const gpu = await Gpu.create();

/** The three kernels on 1000 elements against the reference. */
async function check(): Promise<void> {
  const n = 1000;
  const r = rng(11);
  const [x, dy, b] = [randn(n, r, 2), randn(n, r), randn(n, r)];
  const [X, DY, B] = [x, dy, b].map((v) => gpu.upload(v));
  const [Y, DX, S] = [0, 1, 2].map(() => poisoned(gpu, n));
  try {
    unary(gpu, 'quickGelu', X, Y, n);
    unaryBackward(gpu, 'quickGelu', X, DY, DX, n);
    binary(gpu, 'add', X, B, S, n);
    expectClose('quickGelu', await gpu.readF32(Y, n), unaryRef('quickGelu', x), TOLERANCE.f32Transcendental);
    expectClose('quickGelu backward', await gpu.readF32(DX, n), unaryBackwardRef('quickGelu', x, dy), TOLERANCE.f32Transcendental);
    expectClose('add', await gpu.readF32(S, n), binaryRef('add', x, b), TOLERANCE.f32);
  } finally {
    [X, DY, B, Y, DX, S].forEach((v) => gpu.destroyBuffer(v));
  }
}

function kernelCase(
  name: string,
  n: number,
  flops: number,
  bytes: number,
  run: (x: GPUBuffer, y: GPUBuffer, o: GPUBuffer) => void,
): BenchCase {
  return {
    name,
    shape: `${n}`,
    flops,
    bytes,
    check,
    setup: () => {
      const [X, Y] = [gpu.upload(filled(n, 1, 2)), gpu.upload(filled(n, 2))];
      const O = gpu.createBuffer(n * 4);
      return { launch: () => run(X, Y, O), out: O, free: () => [X, Y, O].forEach((v) => gpu.destroyBuffer(v)) };
    },
  };
}

const all: BenchCase[] = [];
for (const batch of (option(argv, 'batch') ?? '1').split(',').map(Number))
  for (const t of CLIP_TOWERS) {
    const tag = `${t.name} b${batch}`;
    const mlp = batch * t.T * t.mlp;
    const width = batch * t.T * t.width;
    all.push(kernelCase(`${tag} quickGelu [T, mlp]`, mlp, 6 * mlp, 8 * mlp, (x, _, o) => unary(gpu, 'quickGelu', x, o, mlp)));
    all.push(kernelCase(`${tag} quickGelu backward`, mlp, 10 * mlp, 12 * mlp, (x, y, o) => unaryBackward(gpu, 'quickGelu', x, y, o, mlp)));
    all.push(kernelCase(`${tag} residual add [T, width]`, width, width, 12 * width, (x, y, o) => binary(gpu, 'add', x, y, o, width)));
  }
try {
  console.log(
    `\n${await runBenchmark(gpu, 'elementwise over n elements', 'bytes: x (and dy or b) read, y written; memory-bound', all, argv)}`,
  );
} finally {
  gpu.destroy();
}
