// Optimizer benchmark, llm.c style: one AdamW step over 4M parameters (a block of ViT-B/32 holds
// ~7M), first checked against the float64 reference on 1000 parameters, then timed.
// Napkin math (optim.ts): ~14 FLOPs and 28 bytes moved per parameter: bandwidth-bound.
//
//   node scripts/run-ts.mjs packages/kernels/src/optim/optim.bench.ts [--runs N]
import { Gpu } from '../gpu.js';
import { type BenchCase, expectClose, filled, randn, rng, runBenchmark } from '../testing.js';
import { TOLERANCE } from '../tolerances.js';
import { type AdamHyper, adam } from './optim.js';
import { adamRef } from './optim.ref.js';

const argv = typeof process !== 'undefined' ? process.argv : [];
const gpu = await Gpu.create();
const hyper: AdamHyper = { lr: 1e-3, weightDecay: 0.1, step: 3 };

async function check(): Promise<void> {
  const n = 1000;
  const r = rng(31);
  const [p, g] = [randn(n, r), randn(n, r)];
  const [m, v] = [Float64Array.from(randn(n, r, 0.1)), Float64Array.from(randn(n, r, 0.1), Math.abs)];
  const [P, G, M, V] = [p, g, Float32Array.from(m), Float32Array.from(v)].map((x) => gpu.upload(x));
  try {
    adam(gpu, P, G, M, V, n, hyper);
    const ref = Float64Array.from(p);
    adamRef(ref, g, m, v, hyper);
    expectClose('adam param', await gpu.readF32(P, n), ref, TOLERANCE.f32);
  } finally {
    [P, G, M, V].forEach((b) => gpu.destroyBuffer(b));
  }
}

const n = 4 * 1024 * 1024;
const cases: BenchCase[] = [
  {
    name: 'AdamW step',
    shape: `${n}`,
    flops: 14 * n,
    bytes: 28 * n,
    check,
    setup: () => {
      const [P, G, M, V] = [1, 2, 3, 4].map((s) => gpu.upload(filled(n, s)));
      return { launch: () => adam(gpu, P, G, M, V, n, hyper), out: P, free: () => [P, G, M, V].forEach((b) => gpu.destroyBuffer(b)) };
    },
  },
];
try {
  console.log(`\n${await runBenchmark(gpu, 'optimizer', 'param, grad, m, v read; param, m, v written', cases, argv)}`);
} finally {
  gpu.destroy();
}
