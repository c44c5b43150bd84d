import { describe, expect, it } from 'vitest';
import { dot, expectClose, finiteDifferences, freshSeed, poisoned, randn, rng, testGpu, withFeature } from '../testing.js';
import { TOLERANCE } from '../tolerances.js';
import { isQuad, quad, type MatmulActivation, type MatmulConfig, type MatmulShape } from './matmul.js';
import { matmulBackward } from './matmul_backward.js';
import {
  matmulBackwardRef,
  matmulOperands,
  matmulPreActivationRef,
  matmulRef,
  matmulSizes,
  type MatmulEpilogueValues,
} from './matmul.ref.js';

const gpu = await testGpu();
// every case on a small tiled and a small quad config (quick to compile, many tile edges)
const CONFIGS: MatmulConfig[] = [{ name: 'test 4x4/2x2/k4', tm: 4, tn: 4, wgx: 2, wgy: 2, tk: 4 }, quad(4, 4, 1, 4)];
const sizes = matmulSizes;

interface BackwardCase {
  name: string;
  shape: MatmulShape;
  bias?: boolean;
  activation?: MatmulActivation;
  alpha?: number;
  tol?: number;
  grads: ('da' | 'db' | 'dbias')[];
}

describe('matmulBackward', () => {
  const cases: BackwardCase[] = [
    {
      name: 'batch 3, broadcastB, transB, bias, quickGelu (dB as one product over batch·M)',
      shape: { batch: 3, M: 77, N: 64, K: 96, transB: true, broadcastB: true },
      bias: true,
      activation: 'quickGelu',
      grads: ['da', 'db', 'dbias'],
    },
    {
      name: 'batch 2, transA, broadcastB, gelu, alpha (dB summed per batch)',
      shape: { batch: 2, M: 10, N: 12, K: 7, transA: true, broadcastB: true },
      activation: 'gelu',
      alpha: 0.5,
      grads: ['da', 'db', 'dbias'],
      tol: TOLERANCE.f32Transcendental,
    },
    {
      name: 'batch 2, broadcastA, transB (dA summed per batch)',
      shape: { batch: 2, M: 9, N: 8, K: 12, broadcastA: true, transB: true },
      grads: ['da', 'db'],
    },
    {
      name: 'batch 2, transA, transB, alpha, dA only',
      shape: { batch: 2, M: 16, N: 20, K: 24, transA: true, transB: true },
      alpha: 0.25,
      grads: ['da'],
    },
    // a Linear over 700 tokens into 6 features: dW sums over the 700 tokens (split-K)
    {
      name: 'transB, 700 rows into 6 features, bias (dB by split-K)',
      shape: { M: 700, N: 6, K: 10, transB: true },
      bias: true,
      grads: ['da', 'db', 'dbias'],
    },
  ];
  for (const c of cases)
    for (const config of CONFIGS) {
      const name = `${c.name} [${config.name}]`;
      // a quad config where the adapter has no subgroups must be refused instead
      const attempt = () => {
        const n = sizes(c.shape);
        const [A, B, DC, DA] = [n.a, n.b, n.c, n.a].map((k) => gpu.createBuffer(k * 4));
        try {
          matmulBackward(gpu, { a: A, b: B, dc: DC, da: DA }, c.shape, config);
        } finally {
          [A, B, DC, DA].forEach((x) => gpu.destroyBuffer(x));
        }
      };
      it(name, () => (isQuad(config) ? withFeature(gpu, 'subgroups', name, () => backward(c, config), attempt) : backward(c, config)));
    }

  async function backward(c: BackwardCase, config: MatmulConfig) {
    const seed = freshSeed();
    const x = matmulOperands(c.shape, seed, { bias: c.bias });
    const n = sizes(c.shape);
    const dc = randn(n.c, rng(seed + 1));
    const ep: MatmulEpilogueValues = { bias: x.bias, activation: c.activation, alpha: c.alpha };
    const A = gpu.upload(x.a),
      B = gpu.upload(x.b),
      DC = gpu.upload(dc);
    const PRE = c.activation ? gpu.upload(Float32Array.from(matmulPreActivationRef(x.a, x.b, c.shape, ep))) : undefined;
    const out = { da: poisoned(gpu, n.a), db: poisoned(gpu, n.b), dbias: poisoned(gpu, c.shape.N) };
    const grads = Object.fromEntries(c.grads.map((g) => [g, out[g]]));
    matmulBackward(gpu, { a: A, b: B, dc: DC, preActivation: PRE, activation: c.activation, alpha: c.alpha, ...grads }, c.shape, config);
    const ref = matmulBackwardRef(x.a, x.b, dc, c.shape, ep);
    for (const g of c.grads)
      expectClose(
        `${c.name} [${config.name}] ${g}`,
        await gpu.readF32(out[g], ref[g].length),
        ref[g],
        c.tol ?? TOLERANCE.f32Backward,
        seed,
      );
    if (!c.grads.includes('db')) expect(Number.isNaN((await gpu.readF32(out.db, 1))[0])).toBe(true);
    [A, B, DC, PRE, out.da, out.db, out.dbias].forEach((b) => b && gpu.destroyBuffer(b));
  }

  it('reference backward agrees with finite differences', () => {
    const seed = freshSeed();
    const shapes: [MatmulShape, MatmulEpilogueValues][] = [
      [{ M: 3, N: 4, K: 5 }, {}],
      [
        { batch: 2, M: 3, N: 2, K: 4, transA: true, transB: true, broadcastB: true },
        { activation: 'quickGelu', alpha: 0.7 },
      ],
      [{ batch: 3, M: 2, N: 3, K: 2, broadcastA: true }, { activation: 'gelu' }],
    ];
    for (const [s, e] of shapes) {
      const r = rng(seed);
      const n = sizes(s);
      const a = randn(n.a, r),
        b = randn(n.b, r),
        bias = randn(s.N, r),
        w = randn(n.c, r);
      const ep = { ...e, bias };
      const ref = matmulBackwardRef(a, b, w, s, ep);
      const what = `${JSON.stringify(s)} seed ${seed}`;
      const fd = (g: string, got: Float64Array, f: (p: Float64Array) => ArrayLike<number>, x: ArrayLike<number>) =>
        expectClose(
          `${what} ${g}`,
          got,
          finiteDifferences((p) => dot(f(p), w), x),
          TOLERANCE.finiteDifference,
        );
      fd('da', ref.da, (p) => matmulRef(p, b, s, ep), a);
      fd('db', ref.db, (p) => matmulRef(a, p, s, ep), b);
      fd('dbias', ref.dbias, (p) => matmulRef(a, b, s, { ...ep, bias: p }), bias);
    }
  });
});
