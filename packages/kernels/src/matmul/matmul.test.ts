import { describe, expect, it } from 'vitest';
import { packF16, roundToF16 } from '../f16.js';
import { TOLERANCE } from '../tolerances.js';
import { Gpu } from '../gpu.js';
import { expectClose, expectGolden, expectKernelError, freshSeed, poisoned, randn, rng, testGpu, withFeature } from '../testing.js';
import {
  MATMUL_CONFIGS,
  NARROW_CONFIGS,
  QUAD_CONFIGS,
  TILED_CONFIGS,
  defaultMatmulConfig,
  isQuad,
  matmul,
  matmulF16,
  matmulSource,
  quad,
  type MatmulActivation,
  type MatmulConfig,
  type MatmulShape,
} from './matmul.js';
import goldenQuad from './golden/matmul_quad_q4x4_x_wt_bias.wgsl';
import { matmulBackward } from './matmul_backward.js';
import { matmulOperands, matmulPreActivationRef, matmulRef, matmulSizes, type MatmulEpilogueValues } from './matmul.ref.js';

const gpu = await testGpu();
// Small and odd shapes run on small tiles of both kernels, which compile in a fraction of the time
// of the default configs (SwiftShader compiles each variant on the CPU) and cross many tile edges;
// CLIP's shapes run on the default config, and every candidate config runs once below.
const SMALL: MatmulConfig = { name: 'test 4x4/2x2/k4', tm: 4, tn: 4, wgx: 2, wgy: 2, tk: 4 };
const SMALL_QUAD = quad(4, 4, 1, 4);
/** The configs a case runs on: its own (or the default), and the small quad one beside a small tiled one. */
const configsOf = (config?: MatmulConfig): (MatmulConfig | undefined)[] => (config === SMALL ? [SMALL, SMALL_QUAD] : [config]);
const label = (config?: MatmulConfig) => (config ? ` [${config.name}]` : '');

/** Runs `check` on `config`; a quad config on an adapter without subgroups must be refused instead. */
async function onConfig(config: MatmulConfig | undefined, what: string, check: () => Promise<void>, attempt: () => void) {
  if (!config || !isQuad(config)) return check();
  await withFeature(gpu, 'subgroups', `${what} on the quad kernel`, check, attempt);
}

interface Case {
  name: string;
  shape: MatmulShape;
  bias?: boolean;
  activation?: MatmulActivation;
  /** 'inplace': the residual is c itself (c += …) */
  residual?: boolean | 'inplace';
  pre?: boolean;
  alpha?: number;
  tol?: number;
  config?: MatmulConfig;
}

const sizes = matmulSizes;
const operands = (c: Case, seed: number) => matmulOperands(c.shape, seed, { bias: c.bias, residual: !!c.residual });

const FORWARD: Case[] = [
  { name: '1×7×3', config: SMALL, shape: { M: 1, N: 7, K: 3 } },
  { name: '7×5×3 with bias, preActivation, alpha', config: SMALL, shape: { M: 7, N: 5, K: 3 }, bias: true, pre: true, alpha: -0.75 },
  { name: 'QKV 50×768 · [2304,768]ᵀ + bias', shape: { M: 50, N: 2304, K: 768, transB: true }, bias: true },
  {
    name: 'text fc1 77×512 · 512×2048 + bias, quickGelu',
    shape: { M: 77, N: 2048, K: 512 },
    bias: true,
    activation: 'quickGelu',
    pre: true,
  },
  { name: 'vision 257×1024 · [1024,1024]ᵀ + bias', shape: { M: 257, N: 1024, K: 1024, transB: true }, bias: true },
  { name: 'fc2 50×3072 · [768,3072]ᵀ + bias + residual', shape: { M: 50, N: 768, K: 3072, transB: true }, bias: true, residual: true },
  {
    name: 'batch 3, transA (vec4 along M), broadcastB',
    config: SMALL,
    shape: { batch: 3, M: 12, N: 20, K: 9, transA: true, broadcastB: true },
  },
  { name: 'K=1', config: SMALL, shape: { M: 33, N: 65, K: 1 }, bias: true },
  {
    name: 'gelu, alpha, residual in place',
    config: SMALL,
    shape: { M: 19, N: 24, K: 40 },
    bias: true,
    activation: 'gelu',
    residual: 'inplace',
    alpha: 0.125,
    pre: true,
    tol: TOLERANCE.f32Transcendental,
  },
  {
    name: 'ragged, batch 2, transA, transB, broadcastA',
    config: SMALL,
    shape: { batch: 2, M: 67, N: 70, K: 130, transA: true, transB: true, broadcastA: true },
    activation: 'quickGelu',
  },
  // split-K: few output tiles, long K, both operands K-major (chunks of 143 and a remainder of 142)
  { name: 'split-K 8×20×1000, transA, alpha', config: SMALL, shape: { M: 8, N: 20, K: 1000, transA: true }, alpha: -0.5 },
  { name: 'split-K with a residual', config: SMALL, shape: { M: 6, N: 9, K: 777, transA: true }, residual: true },
  {
    name: 'split-K accumulating in place (c += Aᵀ·B)',
    config: SMALL,
    shape: { M: 5, N: 12, K: 640, transA: true },
    residual: 'inplace',
    alpha: 2,
  },
  { name: 'split-K, a row vector (M = 1) times B', config: SMALL, shape: { M: 1, N: 7, K: 2049 } },
  { name: 'narrow N on the default config: 3000×3×72 · ᵀ', shape: { M: 3000, N: 3, K: 72, transB: true }, bias: true },
];

describe('matmul forward', () => {
  for (const c of FORWARD)
    for (const config of configsOf(c.config))
      it(c.name + label(config), () => onConfig(config, c.name, () => forward(c, config), attempt(c.shape, config)));
});

/** A call on `config` that must be refused before it records anything (buffers freed after). */
const attempt = (s: MatmulShape, config?: MatmulConfig) => () => {
  const n = sizes(s);
  const [A, B, C] = [n.a, n.b, n.c].map((k) => gpu.createBuffer(k * 4));
  try {
    matmul(gpu, A, B, C, s, {}, config);
  } finally {
    [A, B, C].forEach((x) => gpu.destroyBuffer(x));
  }
};

async function forward(c: Case, config: MatmulConfig | undefined): Promise<void> {
  const seed = freshSeed();
  const x = operands(c, seed);
  const n = sizes(c.shape);
  const A = gpu.upload(x.a),
    B = gpu.upload(x.b),
    C = poisoned(gpu, n.c);
  const BIAS = x.bias && gpu.upload(x.bias);
  const PRE = c.pre ? poisoned(gpu, n.c) : undefined;
  let RES: GPUBuffer | undefined;
  if (c.residual === 'inplace') gpu.write(C, x.residual!);
  else if (c.residual) RES = gpu.upload(x.residual!);
  const ep = { bias: BIAS, activation: c.activation, residual: c.residual === 'inplace' ? C : RES, preActivation: PRE, alpha: c.alpha };
  matmul(gpu, A, B, C, c.shape, ep, config);
  const values: MatmulEpilogueValues = { bias: x.bias, activation: c.activation, residual: x.residual, alpha: c.alpha };
  const what = c.name + label(config);
  expectClose(`${what} c`, await gpu.readF32(C, n.c), matmulRef(x.a, x.b, c.shape, values), c.tol ?? TOLERANCE.f32, seed);
  if (PRE)
    expectClose(
      `${what} preActivation`,
      await gpu.readF32(PRE, n.c),
      matmulPreActivationRef(x.a, x.b, c.shape, values),
      TOLERANCE.f32,
      seed,
    );
  [A, B, C, BIAS, PRE, RES].forEach((b) => b && gpu.destroyBuffer(b));
}

describe('split-K', () => {
  it('runs a long-K product with few output tiles as chunks plus a column sum, and leaves no scratch', async () => {
    const shape: MatmulShape = { M: 4, N: 4, K: 4096, transA: true };
    const A = gpu.upload(randn(4 * 4096, rng(1))),
      B = gpu.upload(randn(4 * 4096, rng(2))),
      C = poisoned(gpu, 16);
    const [before, bytes] = [gpu.dispatches, gpu.allocatedBytes];
    matmul(gpu, A, B, C, shape, {}, SMALL);
    expect(gpu.dispatches - before).toBeGreaterThanOrEqual(2);
    expect(gpu.allocatedBytes).toBe(bytes);
    expectClose('split-K', await gpu.readF32(C, 16), matmulRef(randn(4 * 4096, rng(1)), randn(4 * 4096, rng(2)), shape, {}), TOLERANCE.f32);
    [A, B, C].forEach((b) => gpu.destroyBuffer(b));
  });
});

describe('every candidate config', () => {
  // ragged in M, N and K against every tile size; vec4 loads of A and B, vec4 stores of C
  const shape: MatmulShape = { batch: 2, M: 37, N: 72, K: 44, transB: true, broadcastB: true };
  for (const config of [...MATMUL_CONFIGS, NARROW_CONFIGS.n, NARROW_CONFIGS.m]) {
    const c: Case = { name: 'ragged batch 2, bias, residual', shape, bias: true, residual: true };
    it(config.name, () => onConfig(config, config.name, () => forward(c, config), attempt(shape, config)));
  }
});

describe('default config', () => {
  // the choice only matters for speed; every config is checked for correctness above
  const pick = (s: MatmulShape) => defaultMatmulConfig(gpu, s).name;
  it('hardware: one tiled config; SwiftShader: 26×12 quad blocks (8×8 for small products), tiled without subgroups', () => {
    if (!gpu.adapter.software) return expect(pick({ batch: 128, M: 65, N: 32, K: 65 })).toBe(TILED_CONFIGS[3]!.name);
    expect(pick({ M: 4096, N: 8, K: 144 })).toBe(NARROW_CONFIGS.n.name);
    const noSubgroups = new Gpu(gpu.device, { ...gpu.adapter, features: gpu.adapter.features.filter((f) => f !== 'subgroups') });
    expect(defaultMatmulConfig(noSubgroups, { M: 50, N: 3072, K: 768 }).name).toBe(TILED_CONFIGS[0]!.name);
    if (!gpu.adapter.features.includes('subgroups')) return;
    const [q26, , , q8] = QUAD_CONFIGS.map((q) => q.name);
    expect(pick({ M: 50, N: 3072, K: 768, transB: true })).toBe(q26);
    expect(pick({ M: 4112, N: 1024, K: 1024, transB: true })).toBe(q26);
    expect(pick({ batch: 128, M: 17, N: 17, K: 32, transB: true })).toBe(q8); // attention's per-head products
  });

  it('refuses a quad config where the device has no subgroups, naming the feature', () => {
    const noSubgroups = new Gpu(gpu.device, { ...gpu.adapter, features: gpu.adapter.features.filter((f) => f !== 'subgroups') });
    const [A, B, C] = [1, 2, 3].map(() => gpu.createBuffer(256));
    expectKernelError(
      () => matmul(noSubgroups, A, B, C, { M: 4, N: 4, K: 4 }, {}, SMALL_QUAD),
      /^matmul: config q4x4\/u1\/l4 needs the 'subgroups' feature/,
    );
    [A, B, C].forEach((b) => gpu.destroyBuffer(b));
  });
});

describe('generated source', () => {
  it('x·Wᵀ + bias on the quad kernel (4×4 blocks: the default config is the same code, 26×12) matches its golden file', () => {
    const source = matmulSource(false, { M: 50, N: 3072, K: 768, transB: true }, { bias: {} as GPUBuffer }, SMALL_QUAD);
    expectGolden('packages/kernels/src/matmul/golden/matmul_quad_q4x4_x_wt_bias.wgsl', source, goldenQuad);
  });
});

describe("compute 'f16' (shader-f16)", () => {
  // f16 operands and products, f32 sums: against the reference on f16-rounded operands
  const cases: Case[] = [
    { name: 'x·Wᵀ + bias, 37×72×44 on 8×8 tiles', config: TILED_CONFIGS[4], shape: { M: 37, N: 72, K: 44, transB: true }, bias: true },
    { name: 'ragged batch 2, transA, gelu', config: SMALL, shape: { batch: 2, M: 9, N: 13, K: 30, transA: true }, activation: 'gelu' },
  ];
  const run = async (c: Case) => {
    const seed = freshSeed();
    const x = operands(c, seed);
    const n = sizes(c.shape);
    const [A, B, C] = [gpu.upload(x.a), gpu.upload(x.b), poisoned(gpu, n.c)];
    const BIAS = x.bias && gpu.upload(x.bias);
    matmul(gpu, A, B, C, c.shape, { bias: BIAS, activation: c.activation, compute: 'f16' }, c.config);
    const ref = matmulRef(roundToF16(x.a), roundToF16(x.b), c.shape, { bias: x.bias, activation: c.activation });
    expectClose(`${c.name} c`, await gpu.readF32(C, n.c), ref, TOLERANCE.f16Compute, seed);
    [A, B, C, BIAS].forEach((b) => b && gpu.destroyBuffer(b));
  };
  for (const c of cases)
    it(c.name, () =>
      withFeature(
        gpu,
        'shader-f16',
        `compute 'f16': ${c.name}`,
        () => run(c),
        () => {
          const n = sizes(c.shape);
          const [A, B, C] = [n.a, n.b, n.c].map((k) => gpu.createBuffer(k * 4));
          try {
            matmul(gpu, A, B, C, c.shape, { compute: 'f16' }, c.config);
          } finally {
            [A, B, C].forEach((b) => gpu.destroyBuffer(b));
          }
        },
      ),
    );
});

describe('matmulF16', () => {
  const cases: Case[] = [
    { name: 'QKV 50×768 · [768,768]ᵀ f16 + bias', shape: { M: 50, N: 768, K: 768, transB: true }, bias: true },
    { name: 'odd 5×7×9 f16, batch 2 (odd batch stride), gelu', config: SMALL, shape: { batch: 2, M: 5, N: 7, K: 9 }, activation: 'gelu' },
    { name: '6×10×12 f16 (vec4 along N), batch 2, broadcastB', config: SMALL, shape: { batch: 2, M: 6, N: 12, K: 10, broadcastB: true } },
  ];
  const f16 = async (c: Case, config?: MatmulConfig) => {
    const seed = freshSeed();
    const x = operands(c, seed);
    const n = sizes(c.shape);
    const A = gpu.upload(x.a),
      B = gpu.upload(packF16(x.b)),
      C = poisoned(gpu, n.c);
    const BIAS = x.bias && gpu.upload(x.bias);
    matmulF16(gpu, A, B, C, c.shape, { bias: BIAS, activation: c.activation }, config);
    const ref = matmulRef(x.a, roundToF16(x.b), c.shape, { bias: x.bias, activation: c.activation });
    expectClose(`${c.name}${label(config)} c`, await gpu.readF32(C, n.c), ref, TOLERANCE.f16Weights, seed);
    [A, B, C, BIAS].forEach((b) => b && gpu.destroyBuffer(b));
  };
  for (const c of cases)
    for (const config of configsOf(c.config))
      it(c.name + label(config), () => onConfig(config, c.name, () => f16(c, config), attempt(c.shape, config)));
});

describe('wrong calls', () => {
  it('name the kernel and the argument', () => {
    const small = gpu.createBuffer(16);
    const big = gpu.createBuffer(4096);
    const other = gpu.createBuffer(4096);
    expectKernelError(() => matmul(gpu, big, small, other, { M: 10, N: 10, K: 10 }), /^matmul: buffer 'b' holds 16 bytes, needs 400$/);
    expectKernelError(
      () => matmul(gpu, big, big, other, { M: 0, N: 4, K: 4 }),
      /matmul: invalid shape: M must be a positive integer, got 0/,
    );
    expectKernelError(
      () => matmul(gpu, big, big, other, { M: 4, N: 2.5, K: 4 }),
      /matmul: invalid shape: N must be a positive integer, got 2.5/,
    );
    expectKernelError(() => matmul(gpu, big, big, other, { batch: 0, M: 4, N: 4, K: 4 }), /matmul: invalid shape: batch/);
    expectKernelError(
      () => matmul(gpu, big, big, other, { M: 8, N: 8, K: 8 }, { residual: small }),
      /matmul: buffer 'residual' holds 16 bytes, needs 256/,
    );
    expectKernelError(
      () => matmul(gpu, big, big, other, { M: 8, N: 8, K: 8 }, { bias: small, activation: 'gelu' }),
      /matmul: buffer 'bias' holds 16 bytes, needs 32/,
    );
    expectKernelError(
      () => matmul(gpu, big, big, other, { M: 4, N: 4, K: 4 }, { activation: 'swish' as MatmulActivation }),
      /matmul: unknown activation 'swish'/,
    );
    expectKernelError(() => matmul(gpu, big, big, big, { M: 4, N: 4, K: 4 }), /matmul: output 'c' shares a buffer with 'a'/);
    expectKernelError(() => matmulF16(gpu, big, small, other, { M: 4, N: 4, K: 9 }), /^matmul_f16: buffer 'b' holds 16 bytes, needs 72$/);
    expectKernelError(
      () => matmulBackward(gpu, { a: big, b: big, dc: big, da: other, activation: 'gelu' }, { M: 4, N: 4, K: 4 }),
      /matmul_backward: activation 'gelu' needs 'preActivation'/,
    );
    [small, big, other].forEach((b) => gpu.destroyBuffer(b));
  });
});
