// No GPU needed: the autotuner's registry in the kernels, the case list, the interleaved timing
// loop, the URL settings and the report writers.
import { defaultMatmulConfig, type Gpu, MATMUL_CONFIGS, matmulShapeKey, setMatmulConfigFor } from '@clipgpu/kernels';
import { describe, expect, it } from 'vitest';
import { rooflineSvg } from './chart.js';
import { type Contender, measureInterleaved, median, placeOnRoofline, type Results, type Row, slug } from './core.js';
import { markdown, peerRatios, ratioEntries } from './report.js';
import { decodeSettings, encodeSettings } from './settings.js';
import { caseSet, selectCases } from './shapes.js';

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

describe('cases, timing loop and settings', () => {
  it('quick is batch 1 with one ViT-L/14 product; full has batch 16; the selection filters', () => {
    const q = caseSet(true);
    expect(q.matmul.map((c) => c.name)).toContain('ViT-L/14 b1 out-proj');
    expect(q.matmul.some((c) => c.name.includes('b16'))).toBe(false);
    expect(q.matmul.filter((c) => c.name.startsWith('ViT-L/14'))).toHaveLength(1);
    const f = caseSet(false);
    expect(f.matmul.find((c) => c.name === 'ViT-B/32 b16 fc1')).toEqual({
      tower: 'ViT-B/32',
      batch: 16,
      name: 'ViT-B/32 b16 fc1',
      M: 800,
      K: 768,
      N: 3072,
    });
    expect(f.attention.find((c) => c.name === 'text b1')?.causal).toBe(true);
    const s = selectCases({ quick: false, only: ['softmax', 'e2e'], towers: ['text'], batches: [16] });
    expect(s.matmul).toEqual([]);
    expect(s.softmax.map((c) => c.name)).toEqual(['text b16 scores']);
    expect(selectCases({ quick: true, only: ['e2e'], towers: [], batches: [] }).matmul).toEqual([]);
    expect(median([3, 1, 2])).toBe(2);
    expect(slug('SwiftShader driver 5.0.0 (google, software)')).toBe('swiftshader-driver-5-0-0-google-software');
  });

  it('measureInterleaved alternates the contenders round by round (A B, B A, …)', async () => {
    const order: string[] = [];
    const c = (name: string, ms: number): Contender => ({
      first: async () => ms,
      sample: async (reps) => (order.push(name), ms * reps),
    });
    const [a, b] = await measureInterleaved([c('a', 4), c('b', 8)], { runs: 4, warmup: 1 });
    expect(order).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
    expect([a.medianMs, b.medianMs]).toEqual([4, 8]);
  });

  it('settings round-trip through the URL', () => {
    const o = { only: ['matmul', 'softmax'], towers: ['ViT-B/32'], batches: [1, 16], runs: 5, peers: true, onnx: false, match: 'fc1' };
    const q = encodeSettings(o);
    expect(q).toContain('towers=ViT-B/32');
    expect(decodeSettings(q)).toEqual(o);
    expect(decodeSettings('runs=x&batches=1,a')).toEqual({ batches: [1] });
  });
});

describe('reports', () => {
  const base = {
    family: 'matmul',
    name: 'x',
    shape: '1×2×3',
    direction: 'forward',
    flops: 1e9,
    bytes: 1e7,
    firstMs: 1,
    minMs: 1,
    runs: 3,
    reps: 1,
    gbps: 1,
  } as const;
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
    peaks: {
      gflops: 1000,
      gbps: 100,
      timing: 'gpu-timestamps',
      fma: { invocations: 1, iterations: 1, medianMs: 1, minMs: 1, gflopsBest: 1000 },
      bandwidth: { bytes: 2 ** 20, invocations: 1, medianMs: 1, minMs: 1, gbpsBest: 100 },
    },
    options: {
      quick: true,
      runs: 3,
      warmup: 1,
      only: [],
      towers: [],
      batches: [],
      variants: [],
      directions: [],
      peers: true,
      e2e: false,
      tune: false,
      probes: true,
    },
    rows: [
      { ...base, impl: 'clipgpu', variant: 'f32', medianMs: 10, wallMs: 20, gflops: 100, timing: 'gpu-timestamps' },
      { ...base, impl: 'tfjs-webgpu', variant: 'f32', config: 'slow', medianMs: 120, gflops: 8, timing: 'wall-clock+readback' },
      { ...base, impl: 'tfjs-webgpu', variant: 'f32', config: 'fast', medianMs: 80, gflops: 12.5, timing: 'wall-clock+readback' },
    ],
  } as unknown as Results;

  it("peer ratios take the peer's fastest config over our wall-clock time", () => {
    const [r] = peerRatios(results);
    expect(r.ratio).toBe(4);
    expect(r.peerConfig).toBe('fast');
    expect(ratioEntries(results)[0]).toMatchObject({ case: 'matmul x', oursMs: 20, peerMs: 80, peerConfig: 'fast', ratio: 4 });
    expect(markdown(results)).toContain('**4×**');
  });

  it('rows are placed on the roofline of the measured peaks, and drawn on it', () => {
    const r = placeOnRoofline({ ...results.rows[0] } as Row, results.peaks);
    expect(r.intensity).toBe(100);
    expect(r.pctPeakFlops).toBe(10);
    expect(r.pctRoofline).toBe(10); // min(1000, 100 FLOP/B × 100 GB/s) = 1000 GFLOP/s
    const svg = rooflineSvg([r], results.peaks);
    expect(svg).toContain('FMA peak 1000 GFLOP/s');
    expect(svg).toContain('data-name="matmul forward x');
  });
});
