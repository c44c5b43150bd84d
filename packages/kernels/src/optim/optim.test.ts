import { describe, expect, it } from 'vitest';
import { TOLERANCE } from '../tolerances.js';
import { dot, expectClose, freshSeed, randn, rng, testGpu, expectKernelError } from '../testing.js';
import { adam, type AdamHyper } from './optim.js';
import { adamRef } from './optim.ref.js';

const gpu = await testGpu();

const HYPERS: [string, Omit<AdamHyper, 'step'>][] = [
  ['Adam', { lr: 0.05 }],
  ['AdamW', { lr: 0.03, weightDecay: 0.1 }],
  ['Adam with L2', { lr: 0.02, weightDecay: 0.05, decoupled: false }],
  ['AdamW, CLIP fine-tuning betas', { lr: 0.04, beta1: 0.9, beta2: 0.98, eps: 1e-6, weightDecay: 0.2 }],
];

describe('adam', () => {
  for (const n of [3, 1000, 77 * 513 + 3]) {
    for (const [name, h] of HYPERS) {
      it(`${name}, n=${n}, 3 steps against the float64 reference`, async () => {
        const seed = freshSeed();
        const r = rng(seed);
        const p0 = randn(n, r);
        const P = gpu.upload(p0),
          M = gpu.upload(new Float32Array(n)),
          V = gpu.upload(new Float32Array(n));
        const rp = Float64Array.from(p0),
          rm = new Float64Array(n),
          rv = new Float64Array(n);
        const grads: GPUBuffer[] = [];
        for (let step = 1; step <= 3; step++) {
          // gradients of different scales per step, some exactly zero
          const g = Float32Array.from(randn(n, r, 10 ** (step - 2)), (x, i) => (i % 17 === 5 ? 0 : x));
          // Adam's L2 form adds wd·p to g. Where the two cancel to |g'| ~ ε, the update g'/(|g'| + ε)
          // turns on the last bits of g', which f32 cannot match to a float64 reference: keep away.
          if (h.decoupled === false)
            g.forEach((x, i) => {
              if (x !== 0 && Math.abs(x + h.weightDecay! * rp[i]) < 1e-5) g[i] = x + 1e-4;
            });
          const G = gpu.upload(g);
          grads.push(G);
          adam(gpu, P, G, M, V, n, { ...h, step });
          adamRef(rp, g, rm, rv, { ...h, step });
        }
        const p = await gpu.readF32(P, n);
        expectClose(`${name} param`, p, rp, TOLERANCE.f32, seed);
        // The update itself, which the parameter's magnitude would otherwise hide. Storing p in f32
        // after each of the 3 steps costs up to half an ulp of p: allowed on top of the f32 tolerance.
        const delta = Float64Array.from(rp, (x, i) => x - p0[i]);
        const tolDelta = TOLERANCE.f32 + (3 * 2 ** -24 * Math.sqrt(dot(p, p))) / Math.sqrt(dot(delta, delta));
        expectClose(
          `${name} Δparam`,
          Float64Array.from(p, (x, i) => x - p0[i]),
          delta,
          tolDelta,
          seed,
        );
        expectClose(`${name} m`, await gpu.readF32(M, n), rm, TOLERANCE.f32, seed);
        expectClose(`${name} v`, await gpu.readF32(V, n), rv, TOLERANCE.f32, seed);
        [P, M, V, ...grads].forEach((b) => gpu.destroyBuffer(b));
      });
    }
  }

  it('with zero gradient and no decay leaves the parameters unchanged', async () => {
    const p0 = randn(100, rng(freshSeed()));
    const P = gpu.upload(p0),
      G = gpu.upload(new Float32Array(100)),
      M = gpu.upload(new Float32Array(100)),
      V = gpu.upload(new Float32Array(100));
    adam(gpu, P, G, M, V, 100, { lr: 0.1, step: 1 });
    expect(Array.from(await gpu.readF32(P, 100))).toEqual(Array.from(p0));
    [P, G, M, V].forEach((b) => gpu.destroyBuffer(b));
  });
});

describe('wrong calls', () => {
  it('name the kernel and the argument', () => {
    const small = gpu.createBuffer(16),
      big = gpu.createBuffer(4096);
    expectKernelError(() => adam(gpu, big, big, big, small, 100, { lr: 1e-3, step: 1 }), /adam: buffer 'v' holds 16 bytes, needs 400/);
    expectKernelError(() => adam(gpu, big, big, big, big, 10, { lr: 1e-3, step: 0 }), /adam: 'step' must be an integer ≥ 1/);
    expectKernelError(() => adam(gpu, big, big, big, big, 10, { lr: 1e-3, step: 1, beta1: 1 }), /adam: 'beta1' must be in \[0, 1\)/);
    expectKernelError(() => adam(gpu, big, big, big, big, 10, { lr: NaN, step: 1 }), /adam: 'lr' must be a finite number/);
    expectKernelError(() => adam(gpu, big, big, big, big, 1.5, { lr: 1e-3, step: 1 }), /adam: 'n' must be an integer/);
    gpu.destroyBuffer(small);
    gpu.destroyBuffer(big);
  });
});
