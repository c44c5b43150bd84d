// LayerNorm benchmark on CLIP's widths, llm.c style: forward and backward (dx, dgamma, dbeta) over
// [batch·T, width] per tower at batch 1 (and 16 with --batch 16), each first checked against the
// float64 reference on 5 rows of the same width (the same program and layout), then timed.
//
//   node scripts/run-ts.mjs packages/kernels/src/layernorm/layernorm.bench.ts [--match text] [--batch 1,16] [--runs N]
import { Gpu } from '../gpu.js';
import { type BenchCase, CLIP_TOWERS, expectClose, filled, option, poisoned, randn, rng, runBenchmark } from '../testing.js';
import { TOLERANCE } from '../tolerances.js';
import {
  layerNorm,
  layerNormBackward,
  layerNormBackwardBytes,
  layerNormBackwardFlops,
  layerNormBytes,
  layerNormFlops,
} from './layernorm.js';
import { layerNormBackwardRef, layerNormRef } from './layernorm.ref.js';

const argv = typeof process !== 'undefined' ? process.argv : [];
const gpu = await Gpu.create();
const EPS = 1e-5;

async function check(cols: number, what: string): Promise<void> {
  const rows = 5;
  const r = rng(5);
  const [x, dy] = [randn(rows * cols, r), randn(rows * cols, r)];
  const [gamma, beta] = [randn(cols, r), randn(cols, r)];
  const [X, DY, G, B] = [x, dy, gamma, beta].map((v) => gpu.upload(v));
  const [Y, DX] = [poisoned(gpu, rows * cols), poisoned(gpu, rows * cols)];
  const [M, RS, DG, DB] = [rows, rows, cols, cols].map((n) => poisoned(gpu, n));
  try {
    layerNorm(gpu, X, G, B, Y, M, RS, rows, cols, EPS);
    layerNormBackward(gpu, { x: X, gamma: G, mean: M, rstd: RS, dy: DY, dx: DX, dgamma: DG, dbeta: DB }, rows, cols);
    const ref = layerNormRef(x, gamma, beta, rows, cols, EPS);
    const grad = layerNormBackwardRef(x, gamma, ref.mean, ref.rstd, dy, rows, cols);
    expectClose(`${what} y`, await gpu.readF32(Y, rows * cols), ref.y, TOLERANCE.f32);
    expectClose(`${what} dgamma`, await gpu.readF32(DG, cols), grad.dgamma, TOLERANCE.f32Backward);
  } finally {
    [X, DY, G, B, Y, DX, M, RS, DG, DB].forEach((b) => gpu.destroyBuffer(b));
  }
}

function cases(rows: number, cols: number, name: string): BenchCase[] {
  const setup = (backward: boolean) => () => {
    const n = rows * cols;
    const [X, DY] = [gpu.upload(filled(n, 4, 1)), gpu.upload(filled(n, 7))];
    const [G, B] = [gpu.upload(filled(cols, 5)), gpu.upload(filled(cols, 6))];
    const [Y, DX] = [gpu.createBuffer(n * 4), gpu.createBuffer(n * 4)];
    const [M, RS, DG, DB] = [rows, rows, cols, cols].map((k) => gpu.createBuffer(k * 4));
    layerNorm(gpu, X, G, B, Y, M, RS, rows, cols, EPS); // what the backward reads
    return {
      launch: backward
        ? () => layerNormBackward(gpu, { x: X, gamma: G, mean: M, rstd: RS, dy: DY, dx: DX, dgamma: DG, dbeta: DB }, rows, cols)
        : () => layerNorm(gpu, X, G, B, Y, M, RS, rows, cols, EPS),
      out: backward ? DX : Y,
      free: () => [X, DY, G, B, Y, DX, M, RS, DG, DB].forEach((b) => gpu.destroyBuffer(b)),
    };
  };
  const shape = `${rows}×${cols}`;
  const shared = () => check(cols, name);
  return [
    {
      name: `${name} forward`,
      shape,
      flops: layerNormFlops(rows, cols),
      bytes: layerNormBytes(rows, cols),
      check: shared,
      setup: setup(false),
    },
    {
      name: `${name} backward`,
      shape,
      flops: layerNormBackwardFlops(rows, cols),
      bytes: layerNormBackwardBytes(rows, cols),
      check: shared,
      setup: setup(true),
    },
  ];
}

const all: BenchCase[] = [];
for (const batch of (option(argv, 'batch') ?? '1').split(',').map(Number))
  for (const t of CLIP_TOWERS) all.push(...cases(batch * t.T, t.width, `${t.name} b${batch}`));
try {
  const napkin = 'layerNormBytes/Flops and their backward (layernorm.ts); memory-bound';
  console.log(`\n${await runBenchmark(gpu, 'layernorm over rows×cols', napkin, all, argv)}`);
} finally {
  gpu.destroy();
}
