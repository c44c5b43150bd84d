// No GPU needed: the autotuner's registry in the kernels, the case list and the report writers.
import { defaultMatmulConfig, MATMUL_CONFIGS, matmulShapeKey, setMatmulConfigFor, type Gpu } from '@clipgpu/kernels';
import { describe, expect, it } from 'vitest';
import { median, slug } from './core.js';
import { caseSet } from './shapes.js';
// @ts-expect-error: plain JS module without types
import { markdown, peerRatios, svg } from './report.mjs';

const fakeGpu = (software: boolean) => ({ adapter: { software } }) as unknown as Gpu;

describe('matmul autotuner registry', () => {
  it('defaultMatmulConfig consults the shape key, then the device default, then the adapter kind', () => {
    const gpu = fakeGpu(true);
    const shape = { M: 50, K: 768, N: 3072, transB: true };
    expect(defaultMatmulConfig(gpu, shape)).toBe(MATMUL_CONFIGS[0]);
    setMatmulConfigFor(gpu, 'default', MATMUL_CONFIGS[1]);
    expect(defaultMatmulConfig(gpu, shape)).toBe(MATMUL_CONFIGS[1]);
    expect(defaultMatmulConfig(gpu)).toBe(MATMUL_CONFIGS[1]);
    setMatmulConfigFor(gpu, matmulShapeKey(shape), MATMUL_CONFIGS[2]);
    expect(matmulShapeKey(shape)).toBe('1x50x768x3072tB');
    expect(defaultMatmulConfig(gpu, shape)).toBe(MATMUL_CONFIGS[2]);
    expect(defaultMatmulConfig(gpu, { ...shape, M: 77 })).toBe(MATMUL_CONFIGS[1]);
    setMatmulConfigFor(gpu, 'default', undefined);
    setMatmulConfigFor(gpu, matmulShapeKey(shape), undefined);
    expect(defaultMatmulConfig(gpu, shape)).toBe(MATMUL_CONFIGS[0]);
    // per device: another Gpu is untouched
    setMatmulConfigFor(gpu, 'default', MATMUL_CONFIGS[4]);
    expect(defaultMatmulConfig(fakeGpu(false))).toBe(MATMUL_CONFIGS[3]);
  });
});

describe('cases and reports', () => {
  it('quick is batch 1 with one ViT-L/14 product; full has batch 16', () => {
    const q = caseSet(true);
    expect(q.matmul.map((c) => c.name)).toContain('ViT-L/14 b1 out-proj');
    expect(q.matmul.some((c) => c.name.includes('b16'))).toBe(false);
    expect(q.matmul.filter((c) => c.name.startsWith('ViT-L/14'))).toHaveLength(1);
    const f = caseSet(false);
    expect(f.matmul.find((c) => c.name === 'ViT-B/32 b16 fc1')).toEqual({ name: 'ViT-B/32 b16 fc1', M: 800, K: 768, N: 3072 });
    expect(f.attention.find((c) => c.name === 'text b1')?.causal).toBe(true);
    expect(median([3, 1, 2])).toBe(2);
    expect(slug('SwiftShader driver 5.0.0 (google, software)')).toBe('swiftshader-driver-5-0-0-google-software');
  });

  it('peer ratios use the wall-clock time of ours; markdown and svg name every row', () => {
    const base = {
      family: 'matmul',
      name: 'x',
      shape: '1×2×3',
      direction: 'forward',
      flops: 1e9,
      bytes: 1e6,
      firstMs: 1,
      minMs: 1,
      runs: 3,
      reps: 1,
      gbps: 1,
    };
    const results = {
      env: 'node',
      adapter: 'test',
      adapterSlug: 'test',
      software: true,
      features: [],
      timing: 'gpu-timestamps',
      timingWhy: '',
      date: '2026-01-01T00:00:00Z',
      userAgent: 'x',
      errors: [],
      options: { quick: true, runs: 3, warmup: 1, only: [], peers: true, e2e: false, tune: false },
      rows: [
        { ...base, impl: 'clipgpu', variant: 'f32', medianMs: 10, wallMs: 20, gflops: 100, timing: 'gpu-timestamps' },
        { ...base, impl: 'tfjs-webgpu', variant: 'f32', medianMs: 80, gflops: 12.5, timing: 'wall-clock+readback' },
      ],
    };
    const [r] = peerRatios(results);
    expect(r.ratio).toBe(4);
    expect(markdown(results)).toContain('**4×**');
    expect(svg(results)).toContain('<svg');
  });
});
