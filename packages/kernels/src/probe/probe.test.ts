// The probes compute what they claim: every FMA chain ends where float64 says it ends (so none was
// dropped or folded), and the read-reduce sums every element of its source exactly once.
import { describe, expect, it } from 'vitest';
import { expectClose, testGpu } from '../testing.js';
import { bandwidthProbe, FMA_FLOPS_PER_ITERATION, fmaProbe, fmaProbeReference } from './probe.js';

const gpu = await testGpu();

describe('probe kernels', () => {
  it('fmaProbe: each invocation returns the sum of its 32 fma chains', async () => {
    for (const [invocations, iterations] of [
      [256, 1],
      [1000, 37],
      [4096, 500],
    ]) {
      const p = fmaProbe(gpu, { invocations, iterations });
      p.launch();
      const got = await gpu.readF32(p.out);
      const want = Array.from(got, (_, i) => fmaProbeReference(i, iterations));
      expectClose(`probe_fma ${invocations}×${iterations}`, got, want, 1e-5);
      expect(p.flops).toBe(FMA_FLOPS_PER_ITERATION * got.length * iterations);
      p.dispose();
    }
  });

  it('bandwidthProbe: the per-invocation sums add up to the whole source, each element once', async () => {
    for (const [n, invocations] of [
      [4, 256],
      [4 * 1001, 512],
      [4 * 70_000, undefined],
    ] as [number, number | undefined][]) {
      // small integers: every partial sum is exact in f32
      const fill = Float32Array.from({ length: n }, (_, i) => (i % 7) - 3 + (i % 3));
      const p = bandwidthProbe(gpu, { bytes: 4 * n, fill, invocations });
      p.launch();
      const got = await gpu.readF32(p.out, p.invocations);
      const sum = got.reduce((s, v) => s + v, 0);
      expect(sum, `n ${n}`).toBe(fill.reduce((s, v) => s + v, 0));
      expect(p.bytes).toBe(4 * n + 4 * p.invocations);
      p.dispose();
    }
  });
});
