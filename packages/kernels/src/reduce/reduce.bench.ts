// Reduction benchmark, llm.c style: row reductions over CLIP's activations (sum, max, logsumexp
// over [T, width]), a loss's full sum, and the bias gradient's column sum, per tower at batch 1
// (--batch 16 too), each kernel first checked against the float64 reference on a small input.
// Napkin math: every element read once (4 bytes), one add or max each: memory-bound.
//
//   node scripts/run-ts.mjs packages/kernels/src/reduce/reduce.bench.ts [--match text] [--batch 1,16] [--runs N]
import { Gpu } from '../gpu.js';
import { type BenchCase, CLIP_TOWERS, expectClose, filled, option, poisoned, randn, rng, runBenchmark } from '../testing.js';
import { TOLERANCE } from '../tolerances.js';
import { type ReduceOp, reduceLastAxis, sumAll } from './reduce.js';
import { reduceLastAxisRef, sumAllRef, sumColumnsRef } from './reduce.ref.js';
import { sumColumns } from './sum_columns.js';

const argv = typeof process !== 'undefined' ? process.argv : [];
const gpu = await Gpu.create();

async function check(cols: number): Promise<void> {
  const rows = 5;
  const x = randn(rows * cols, rng(13));
  const X = gpu.upload(x);
  const [O, S, C] = [poisoned(gpu, rows), poisoned(gpu, 1), poisoned(gpu, cols)];
  try {
    for (const op of ['sum', 'max', 'logsumexp'] as ReduceOp[]) {
      reduceLastAxis(gpu, op, X, O, rows, cols);
      expectClose(`${op} ×${cols}`, await gpu.readF32(O, rows), reduceLastAxisRef(op, x, rows, cols), TOLERANCE.f32Transcendental);
    }
    sumAll(gpu, X, S, rows * cols);
    expectClose('sumAll', await gpu.readF32(S, 1), [sumAllRef(x)], TOLERANCE.f32);
    sumColumns(gpu, X, C, rows, cols);
    expectClose('sumColumns', await gpu.readF32(C, cols), sumColumnsRef(x, rows, cols), TOLERANCE.f32);
  } finally {
    [X, O, S, C].forEach((b) => gpu.destroyBuffer(b));
  }
}

/** One check per width (every kernel here at that width), shared by the cases of that width. */
const checkOf = new Map<number, () => Promise<void>>();
const checks = (cols: number) => {
  let f = checkOf.get(cols);
  if (!f) checkOf.set(cols, (f = () => check(cols)));
  return f;
};

function kernelCase(name: string, rows: number, cols: number, outCount: number, run: (x: GPUBuffer, o: GPUBuffer) => void): BenchCase {
  const n = rows * cols;
  return {
    name,
    shape: `${rows}×${cols}`,
    flops: n,
    bytes: 4 * (n + outCount),
    check: checks(cols),
    setup: () => {
      const X = gpu.upload(filled(n, 3, 1));
      const O = gpu.createBuffer(outCount * 4);
      return { launch: () => run(X, O), out: O, free: () => [X, O].forEach((b) => gpu.destroyBuffer(b)) };
    },
  };
}

const all: BenchCase[] = [];
for (const batch of (option(argv, 'batch') ?? '1').split(',').map(Number))
  for (const t of CLIP_TOWERS) {
    const tag = `${t.name} b${batch}`;
    const rows = batch * t.T;
    for (const op of ['sum', 'max', 'logsumexp'] as ReduceOp[])
      all.push(kernelCase(`${tag} ${op} over rows`, rows, t.width, rows, (x, o) => reduceLastAxis(gpu, op, x, o, rows, t.width)));
    all.push(kernelCase(`${tag} sumAll`, rows, t.width, 1, (x, o) => sumAll(gpu, x, o, rows * t.width)));
    all.push(kernelCase(`${tag} dbias: sumColumns [T, mlp]`, rows, t.mlp, t.mlp, (x, o) => sumColumns(gpu, x, o, rows, t.mlp)));
  }
try {
  console.log(`\n${await runBenchmark(gpu, 'reductions', 'bytes: x read once, the results written; memory-bound', all, argv)}`);
} finally {
  gpu.destroy();
}
