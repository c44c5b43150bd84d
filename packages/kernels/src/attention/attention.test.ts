import { describe, expect, it } from 'vitest';
import { TOLERANCE } from '../tolerances.js';
import {
  dot,
  expectClose,
  expectGolden,
  finiteDifferences,
  freshSeed,
  poisoned,
  randn,
  rng,
  testGpu,
  expectKernelError,
} from '../testing.js';
import {
  attention,
  attentionBackward,
  attentionBytes,
  attentionFlops,
  attentionSource,
  attentionTuning,
  specialise,
  type AttentionPlan,
  type AttentionShape,
} from './attention.js';
import { attentionBackwardRef, attentionRef } from './attention.ref.js';
import goldenForward from './golden/attention_forward_d64_qpt4.wgsl';

const gpu = await testGpu();

const describeShape = (s: AttentionShape) =>
  `B${s.batch} H${s.heads} T${s.T} D${s.headDim} ${s.layout ?? 'bhtd'}${s.causal ? ' causal' : ''}${s.scale !== undefined ? ` scale ${s.scale}` : ''}`;

/** Runs forward and backward on fresh inputs, checks o, lse, dq, dk, dv against the float64 reference. */
async function check(s: AttentionShape, qScale = 1): Promise<void> {
  const seed = freshSeed();
  const r = rng(seed);
  const n = s.batch * s.heads * s.T * s.headDim;
  const rows = s.batch * s.heads * s.T;
  // qScale > 1 makes the softmax peaky (large score spread), as in trained models
  const q = randn(n, r, qScale),
    k = randn(n, r),
    v = randn(n, r),
    dO = randn(n, r);
  const Q = gpu.upload(q),
    K = gpu.upload(k),
    V = gpu.upload(v),
    DO = gpu.upload(dO);
  const O = poisoned(gpu, n),
    LSE = poisoned(gpu, rows),
    DQ = poisoned(gpu, n),
    DK = poisoned(gpu, n),
    DV = poisoned(gpu, n);
  attention(gpu, Q, K, V, O, LSE, s);
  attentionBackward(gpu, { q: Q, k: K, v: V, o: O, lse: LSE, dO: DO, dq: DQ, dk: DK, dv: DV }, s);
  const ref = attentionRef(q, k, v, s);
  const grad = attentionBackwardRef(q, k, v, dO, s);
  const what = describeShape(s);
  expectClose(`${what} o`, await gpu.readF32(O, n), ref.o, TOLERANCE.f32, seed);
  expectClose(`${what} lse`, await gpu.readF32(LSE, rows), ref.lse, TOLERANCE.f32, seed);
  expectClose(`${what} dq`, await gpu.readF32(DQ, n), grad.dq, TOLERANCE.f32Backward, seed);
  expectClose(`${what} dk`, await gpu.readF32(DK, n), grad.dk, TOLERANCE.f32Backward, seed);
  expectClose(`${what} dv`, await gpu.readF32(DV, n), grad.dv, TOLERANCE.f32Backward, seed);
  [Q, K, V, DO, O, LSE, DQ, DK, DV].forEach((b) => gpu.destroyBuffer(b));
}

describe('attention forward and backward against the float64 reference', () => {
  // headDim 64 runs SwiftShader's fast path (specialised, 4 rows per invocation), the others the
  // generic kernels (one pipeline for every head dim).
  const shapes: AttentionShape[] = [
    { batch: 2, heads: 3, T: 7, headDim: 64 },
    { batch: 1, heads: 2, T: 50, headDim: 64, layout: 'bthd' },
    { batch: 1, heads: 2, T: 77, headDim: 64, causal: true },
    { batch: 2, heads: 2, T: 77, headDim: 64, causal: true, layout: 'bthd' },
    { batch: 2, heads: 2, T: 1, headDim: 32, layout: 'bthd' },
    { batch: 1, heads: 1, T: 1, headDim: 64, causal: true },
    { batch: 1, heads: 2, T: 50, headDim: 80, layout: 'bthd' },
    { batch: 1, heads: 2, T: 65, headDim: 80, causal: true },
    { batch: 2, heads: 2, T: 50, headDim: 32, causal: true },
    { batch: 1, heads: 2, T: 129, headDim: 128, layout: 'bthd' },
    { batch: 1, heads: 1, T: 77, headDim: 128, causal: true },
    { batch: 1, heads: 3, T: 50, headDim: 20, layout: 'bthd' },
    { batch: 2, heads: 1, T: 66, headDim: 24, causal: true },
    { batch: 1, heads: 2, T: 33, headDim: 7 },
    { batch: 1, heads: 2, T: 9, headDim: 1, causal: true, layout: 'bthd' },
    { batch: 1, heads: 2, T: 50, headDim: 64, scale: 0.3 },
    { batch: 1, heads: 2, T: 257, headDim: 64, layout: 'bthd' },
    { batch: 1, heads: 1, T: 577, headDim: 64 },
    { batch: 1, heads: 1, T: 577, headDim: 64, causal: true, layout: 'bthd' },
  ];
  for (const s of shapes) it(describeShape(s), () => check(s));
  it('peaky softmax (score std 4)', () => check({ batch: 1, heads: 2, T: 77, headDim: 64, causal: true }, 4));
});

describe('attention plans', () => {
  // The plan a GPU gets (every head dim specialised, one row per invocation), run here on
  // SwiftShader at a small, odd head dim that keeps the unrolled code quick to compile; and the
  // generic kernels at head dim 64.
  const plans: [AttentionPlan, AttentionShape][] = [
    [
      { specialised: true, rowsPerInvocation: 1 },
      { batch: 2, heads: 2, T: 70, headDim: 7, causal: true, layout: 'bthd' },
    ],
    [
      { specialised: false, rowsPerInvocation: 1 },
      { batch: 1, heads: 2, T: 65, headDim: 64, causal: true },
    ],
  ];
  for (const [plan, s] of plans) {
    it(`${JSON.stringify(plan)}: ${describeShape(s)}`, async () => {
      attentionTuning.override = plan;
      try {
        await check(s);
      } finally {
        attentionTuning.override = undefined;
      }
    });
  }

  it("the forward of SwiftShader's fast path (head dim 64, 4 rows per invocation) matches its golden file", () => {
    const source = attentionSource('forward', { specialised: true, rowsPerInvocation: 4 }, 64);
    expectGolden('packages/kernels/src/attention/golden/attention_forward_d64_qpt4.wgsl', source, goldenForward);
  });

  it('specialise turns sizes into consts and unrolls the loops marked /* unroll */ only', () => {
    const src = `let HEAD_DIM4 = (x + 3u) / 4u; // specialised
/* unroll */ for (var c = 0u; c < HEAD_DIM4; c++) { /* unroll */ for (var r = 0u; r < QPT; r++) { a[r * HEAD_DIM4 + c] = 0.0; } }
for (var c = 0u; c < HEAD_DIM4; c++) { b[c] = 1.0; }`;
    const out = specialise(src, { HEAD_DIM4: 2, QPT: 2 });
    expect(out).toContain('const HEAD_DIM4 = 2u; // specialised');
    expect(out).not.toContain('/* unroll */');
    expect(out.match(/a\[r \* HEAD_DIM4 \+ c\] = 0\.0;/g)).toHaveLength(4);
    expect(out).toContain('{ const c = 1u; { const r = 0u;');
    expect(out).toContain('for (var c = 0u; c < HEAD_DIM4; c++) { b[c] = 1.0; }');
  });
});

describe('attention backward', () => {
  it('is deterministic: two runs give bit-identical gradients', async () => {
    const s: AttentionShape = { batch: 1, heads: 2, T: 130, headDim: 64, causal: true, layout: 'bthd' };
    const r = rng(freshSeed());
    const n = s.batch * s.heads * s.T * s.headDim;
    const [Q, K, V, DO] = [0, 1, 2, 3].map(() => gpu.upload(randn(n, r)));
    const O = poisoned(gpu, n),
      LSE = poisoned(gpu, s.batch * s.heads * s.T);
    attention(gpu, Q, K, V, O, LSE, s);
    const runs: Uint32Array[][] = [];
    for (let run = 0; run < 2; run++) {
      const [DQ, DK, DV] = [0, 1, 2].map(() => poisoned(gpu, n));
      attentionBackward(gpu, { q: Q, k: K, v: V, o: O, lse: LSE, dO: DO, dq: DQ, dk: DK, dv: DV }, s);
      runs.push(await Promise.all([DQ, DK, DV].map(async (b) => new Uint32Array(await gpu.read(b, n * 4)))));
      [DQ, DK, DV].forEach((b) => gpu.destroyBuffer(b));
    }
    for (let i = 0; i < 3; i++) expect(runs[1][i]).toEqual(runs[0][i]);
    [Q, K, V, DO, O, LSE].forEach((b) => gpu.destroyBuffer(b));
  });

  it('frees its scratch buffer', async () => {
    const s: AttentionShape = { batch: 1, heads: 1, T: 5, headDim: 8 };
    const bufs = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(() => gpu.createBuffer(5 * 8 * 4));
    const before = gpu.allocatedBytes;
    const [q, k, v, o, lse, dO, dq, dk, dv] = bufs;
    attention(gpu, q, k, v, o, lse, s);
    attentionBackward(gpu, { q, k, v, o, lse, dO, dq, dk, dv }, s);
    await gpu.sync();
    expect(gpu.allocatedBytes).toBe(before);
    bufs.forEach((b) => gpu.destroyBuffer(b));
  });

  it('reference backward agrees with finite differences', () => {
    for (const causal of [false, true]) {
      for (const layout of ['bhtd', 'bthd'] as const) {
        const s: AttentionShape = { batch: 2, heads: 2, T: 3, headDim: 4, causal, layout };
        const r = rng(freshSeed());
        const n = s.batch * s.heads * s.T * s.headDim;
        const q = randn(n, r),
          k = randn(n, r),
          v = randn(n, r),
          w = randn(n, r);
        const g = attentionBackwardRef(q, k, v, w, s);
        const what = describeShape(s);
        expectClose(
          `${what} dq`,
          g.dq,
          finiteDifferences((p) => dot(attentionRef(p, k, v, s).o, w), q),
          TOLERANCE.finiteDifference,
        );
        expectClose(
          `${what} dk`,
          g.dk,
          finiteDifferences((p) => dot(attentionRef(q, p, v, s).o, w), k),
          TOLERANCE.finiteDifference,
        );
        expectClose(
          `${what} dv`,
          g.dv,
          finiteDifferences((p) => dot(attentionRef(q, k, p, s).o, w), v),
          TOLERANCE.finiteDifference,
        );
      }
    }
  });
});

describe('attention napkin math', () => {
  it('counts FLOPs and bytes', () => {
    const s: AttentionShape = { batch: 1, heads: 12, T: 50, headDim: 64 };
    expect(attentionFlops(s)).toBe(4 * 12 * 50 * 50 * 64);
    expect(attentionFlops({ ...s, causal: true })).toBe(4 * 12 * ((50 * 51) / 2) * 64);
    expect(attentionBytes(s)).toBe(4 * (4 * 12 * 50 * 64 + 12 * 50));
  });
});

describe('wrong calls', () => {
  it('name the kernel and the argument', () => {
    const s: AttentionShape = { batch: 1, heads: 2, T: 10, headDim: 64 };
    const big = gpu.createBuffer(2 * 10 * 64 * 4);
    const small = gpu.createBuffer(16);
    const bwd = { q: big, k: big, v: big, o: big, lse: big, dO: big, dq: big, dk: big, dv: big };
    expectKernelError(() => attention(gpu, big, small, big, big, big, s), /attention: buffer 'k' holds 16 bytes, needs 5120/);
    expectKernelError(() => attention(gpu, big, big, big, big, small, s), /attention: buffer 'lse' holds 16 bytes, needs 80/);
    expectKernelError(() => attention(gpu, big, big, big, big, big, { ...s, headDim: 129 }), /attention: headDim 129 exceeds 128/);
    expectKernelError(() => attention(gpu, big, big, big, big, big, { ...s, T: 0 }), /attention: T must be a positive integer, got 0/);
    expectKernelError(() => attention(gpu, big, big, big, big, big, { ...s, heads: 1.5 }), /attention: heads must be a positive integer/);
    expectKernelError(
      () => attention(gpu, big, big, big, big, big, { ...s, layout: 'bdht' as 'bhtd' }),
      /attention: unknown layout 'bdht'/,
    );
    expectKernelError(() => attentionBackward(gpu, { ...bwd, dv: small }, s), /attention_backward: buffer 'dv' holds 16 bytes, needs 5120/);
    expectKernelError(
      () => attentionBackward(gpu, { ...bwd, dO: { buffer: big, offset: 256 } }, s),
      /attention_backward: buffer 'dO' holds 4864 bytes, needs 5120/,
    );
    expectKernelError(() => attentionBackward(gpu, bwd, { ...s, headDim: 200 }), /attention_backward: headDim 200 exceeds 128/);
    expectKernelError(() => attentionBackward(gpu, bwd, { ...s, T: 0 }), /attention_backward: T must be a positive integer, got 0/);
    attentionTuning.override = { specialised: true, rowsPerInvocation: 4 };
    try {
      expectKernelError(
        () => attention(gpu, big, big, big, big, big, { ...s, headDim: 128 }),
        /attention: plan .* does not fit headDim 128/,
      );
    } finally {
      attentionTuning.override = undefined;
    }
    gpu.destroyBuffer(big);
    gpu.destroyBuffer(small);
  });
});
