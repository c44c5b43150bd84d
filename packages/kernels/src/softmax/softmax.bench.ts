// Softmax benchmark on the attention scores an unfused attention would normalise, llm.c style:
// [batch·heads·T, T] per CLIP tower at batch 1 (and 16 with --batch 16), forward and backward, each
// first checked against the float64 reference on 3 rows of the same width, then timed.
//
//   node scripts/run-ts.mjs packages/kernels/src/softmax/softmax.bench.ts [--match text] [--batch 1,16] [--runs N]
import { Gpu } from '../gpu.js';
import { type BenchCase, CLIP_TOWERS, expectClose, filled, option, poisoned, randn, rng, runBenchmark } from '../testing.js';
import { TOLERANCE } from '../tolerances.js';
import { softmax, softmaxBackward, softmaxBackwardBytes, softmaxBackwardFlops, softmaxBytes, softmaxFlops } from './softmax.js';
import { softmaxBackwardRef, softmaxRef } from './softmax.ref.js';

const argv = typeof process !== 'undefined' ? process.argv : [];
const gpu = await Gpu.create();

async function check(cols: number, what: string): Promise<void> {
  const rows = 3;
  const r = rng(9);
  const [x, dy] = [randn(rows * cols, r, 3), randn(rows * cols, r)];
  const [X, DY] = [gpu.upload(x), gpu.upload(dy)];
  const [Y, DX] = [poisoned(gpu, rows * cols), poisoned(gpu, rows * cols)];
  try {
    softmax(gpu, X, Y, rows, cols);
    softmaxBackward(gpu, Y, DY, DX, rows, cols);
    const y = await gpu.readF32(Y, rows * cols);
    expectClose(`${what} y`, y, softmaxRef(x, rows, cols), TOLERANCE.f32Transcendental);
    expectClose(`${what} dx`, await gpu.readF32(DX, rows * cols), softmaxBackwardRef(y, dy, rows, cols), TOLERANCE.f32Transcendental);
  } finally {
    [X, DY, Y, DX].forEach((b) => gpu.destroyBuffer(b));
  }
}

function cases(rows: number, cols: number, name: string): BenchCase[] {
  const setup = (backward: boolean) => () => {
    const n = rows * cols;
    const [X, DY] = [gpu.upload(filled(n, 8, 4)), gpu.upload(filled(n, 9))];
    const [Y, DX] = [gpu.createBuffer(n * 4), gpu.createBuffer(n * 4)];
    softmax(gpu, X, Y, rows, cols);
    return {
      launch: backward ? () => softmaxBackward(gpu, Y, DY, DX, rows, cols) : () => softmax(gpu, X, Y, rows, cols),
      out: backward ? DX : Y,
      free: () => [X, DY, Y, DX].forEach((b) => gpu.destroyBuffer(b)),
    };
  };
  const shape = `${rows}×${cols}`;
  const shared = () => check(cols, name);
  return [
    {
      name: `${name} forward`,
      shape,
      flops: softmaxFlops(rows, cols),
      bytes: softmaxBytes(rows, cols),
      check: shared,
      setup: setup(false),
    },
    {
      name: `${name} backward`,
      shape,
      flops: softmaxBackwardFlops(rows, cols),
      bytes: softmaxBackwardBytes(rows, cols),
      check: shared,
      setup: setup(true),
    },
  ];
}

const all: BenchCase[] = [];
for (const batch of (option(argv, 'batch') ?? '1').split(',').map(Number))
  for (const t of CLIP_TOWERS) all.push(...cases(batch * t.heads * t.T, t.T, `${t.name} b${batch} scores`));
try {
  console.log(
    `\n${await runBenchmark(gpu, 'softmax over rows×cols', 'softmaxBytes/Flops and their backward (softmax.ts); memory-bound', all, argv)}`,
  );
} finally {
  gpu.destroy();
}
