// Matmul benchmark on CLIP's shapes, llm.c style: every product of a transformer block — forward
// x·Wᵀ + b with f32 and f16-packed W, and the backward's dX = dZ·W and dW = dZᵀ·X — at batch 1
// (and 16 with --batch 16). Each case first runs against the float64 reference on a small shape
// of the same variant (the same program), then is timed.
//
//   node scripts/run-ts.mjs packages/kernels/src/matmul/matmul.bench.ts
//     [--config <a MATMUL_CONFIGS name>] [--match 'ViT-B/32 b1 fc1'] [--batch 1|16|1,16] [--runs N] [--warmup N]
import { packF16, roundToF16 } from '../f16.js';
import { Gpu } from '../gpu.js';
import { type BenchCase, CLIP_TOWERS, clipLinears, expectClose, filled, option, poisoned, randn, rng, runBenchmark } from '../testing.js';
import { TOLERANCE } from '../tolerances.js';
import {
  defaultMatmulConfig,
  MATMUL_CONFIGS,
  type MatmulConfig,
  matmul,
  matmulBytes,
  matmulF16,
  matmulFlops,
  type MatmulShape,
} from './matmul.js';
import { matmulRef } from './matmul.ref.js';

const argv = typeof process !== 'undefined' ? process.argv : [];
const gpu = await Gpu.create();
const configName = option(argv, 'config');
const pinned = configName ? MATMUL_CONFIGS.find((c) => c.name === configName) : undefined;
if (configName && !pinned) throw new Error(`unknown config '${configName}'; one of ${MATMUL_CONFIGS.map((c) => c.name).join(', ')}`);

const elements = (s: MatmulShape) => ({ a: s.M * s.K, b: s.K * s.N, c: s.M * s.N });

/**
 * The variant on a small shape (same transposes, the same K and N residues mod 4, so the same
 * vec4 views and program) against matmulRef.
 */
async function check(shape: MatmulShape, f16: boolean, bias: boolean, config: MatmulConfig, what: string): Promise<void> {
  const s: MatmulShape = { ...shape, M: 37, N: 72 + (shape.N % 4), K: 96 + (shape.K % 4) };
  const n = elements(s);
  const r = rng(7);
  const a = randn(n.a, r);
  const b = randn(n.b, r, 1 / Math.sqrt(s.K));
  const bv = bias ? randn(s.N, r) : undefined;
  const A = gpu.upload(a),
    B = gpu.upload(f16 ? packF16(b) : b),
    C = poisoned(gpu, n.c);
  const BIAS = bv && gpu.upload(bv);
  try {
    (f16 ? matmulF16 : matmul)(gpu, A, B, C, s, { bias: BIAS }, config);
    const ref = matmulRef(a, f16 ? roundToF16(b) : b, s, { bias: bv });
    expectClose(what, await gpu.readF32(C, n.c), ref, f16 ? TOLERANCE.f16Weights : TOLERANCE.f32);
  } finally {
    [A, B, C, BIAS].forEach((x) => x && gpu.destroyBuffer(x));
  }
}

function product(name: string, shape: MatmulShape, f16: boolean, bias: boolean): BenchCase {
  const config = pinned ?? defaultMatmulConfig(gpu, shape);
  const what = `${name} [${config.name}]`;
  return {
    name: what,
    shape: `${shape.M}×${shape.K}×${shape.N}`,
    flops: matmulFlops(shape),
    bytes: matmulBytes(shape, f16),
    check: () => check(shape, f16, bias, config, what),
    setup: () => {
      const n = elements(shape);
      const A = gpu.upload(filled(n.a, 1));
      const Bf = filled(n.b, 2);
      const B = gpu.upload(f16 ? packF16(Bf) : Bf);
      const C = gpu.createBuffer(n.c * 4);
      const BIAS = bias ? gpu.upload(filled(shape.N, 3)) : undefined;
      return {
        launch: () => (f16 ? matmulF16 : matmul)(gpu, A, B, C, shape, { bias: BIAS }, config),
        out: C,
        free: () => [A, B, C, BIAS].forEach((x) => x && gpu.destroyBuffer(x)),
      };
    },
  };
}

const cases: BenchCase[] = [];
for (const batch of (option(argv, 'batch') ?? '1').split(',').map(Number))
  for (const t of CLIP_TOWERS)
    for (const { name, M, K, N } of clipLinears(t, batch)) {
      cases.push(product(`${name} x·Wᵀ+b f32`, { M, N, K, transB: true }, false, true));
      cases.push(product(`${name} x·Wᵀ+b f16`, { M, N, K, transB: true }, true, true));
      // the backward's products: dX[M,K] = dZ[M,N]·W[N,K], dW[N,K] = dZᵀ·X with dZ stored [M,N]
      cases.push(product(`${name} dX=dZ·W`, { M, N: K, K: N }, false, false));
      cases.push(product(`${name} dW=dZᵀ·X`, { M: N, N: K, K: M, transA: true }, false, false));
    }
try {
  const title = 'matmul on CLIP shapes (M×K×N); config: the default for the shape unless --config';
  console.log(`\n${await runBenchmark(gpu, title, 'FLOPs = 2·M·N·K; bytes = A, B (2 B an element when f16), C once each', cases, argv)}`);
} finally {
  gpu.destroy();
}
