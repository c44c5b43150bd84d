// Our kernels over CLIP's shapes, forward and backward, each row with its napkin math:
//   matmul    C = x·Wᵀ + b (f32, and W as packed f16): FLOPs 2MNK; bytes x, W, b, C once.
//             backward dx = dC·W, dW = dCᵀ·x, db = Σ dC: FLOPs 4MNK; bytes 4·(2MN + 2MK + 2NK + N).
//   attention attentionFlops / attentionBytes (and their backward) from the kernels package.
//   layernorm forward layerNormBytes, ≈ 8·rows·cols FLOPs; backward (dx, dgamma, dbeta)
//             4·(5·rows·cols + cols + 4·rows) bytes, ≈ 17·rows·cols FLOPs.
//   softmax   forward 8·rows·cols bytes, ≈ 5·rows·cols FLOPs; backward 12·rows·cols bytes, 4·rows·cols FLOPs.
import * as K from '@clipgpu/kernels';
import type { Gpu } from '@clipgpu/kernels';
import { filled, measureGpu, measureWith, round, row, wallSampler, type BenchOptions, type Log, type Row, type Timing } from './core.js';
import type { AttentionCase, CaseSet, MatmulCase, RowsCase } from './shapes.js';

interface Ctx {
  gpu: Gpu;
  timing: Timing;
  opts: BenchOptions;
  log: Log;
  rows: Row[];
}

async function time(
  ctx: Ctx,
  base: Omit<Row, 'gflops' | 'gbps' | 'firstMs' | 'medianMs' | 'minMs' | 'reps' | 'runs' | 'impl' | 'timing'>,
  out: GPUBuffer,
  launch: () => void,
): Promise<Row> {
  const { gpu, opts } = ctx;
  const l = { launch, done: () => gpu.read(out, 4) };
  const m = await measureGpu(gpu, l, ctx.timing, opts);
  const r = row({ ...base, impl: 'clipgpu', timing: ctx.timing }, m, opts.runs);
  if (opts.peers && ctx.timing === 'gpu-timestamps' && base.direction === 'forward') {
    const wall = await measureWith(wallSampler(l), async () => 0, { runs: opts.runs, warmup: 0 });
    r.wallMs = round(wall.medianMs);
  }
  ctx.rows.push(r);
  ctx.log(
    `  ${r.family} ${r.direction} ${r.name} ${r.variant}: ${r.medianMs} ms (first ${r.firstMs} ms), ${r.gflops} GFLOP/s, ${r.gbps} GB/s`,
  );
  return r;
}

const shapeOf = (c: MatmulCase) => `${c.M}×${c.K}×${c.N}`;

async function matmulCase(ctx: Ctx, c: MatmulCase): Promise<void> {
  const { gpu } = ctx;
  const shape: K.MatmulShape = { M: c.M, N: c.N, K: c.K, transB: true };
  const w = filled(c.N * c.K, 2);
  const x = gpu.upload(filled(c.M * c.K, 1), 'x');
  const bias = gpu.upload(filled(c.N, 3), 'bias');
  const out = gpu.createBuffer(c.M * c.N * 4, 'c');
  const config = K.defaultMatmulConfig(gpu, shape).name;
  const flops = K.matmulFlops(shape);
  try {
    for (const f16 of [false, true]) {
      const W = f16 ? gpu.upload(K.packF16(w), 'w f16') : gpu.upload(w, 'w');
      const launch = f16 ? () => K.matmulF16(gpu, x, W, out, shape, { bias }) : () => K.matmul(gpu, x, W, out, shape, { bias });
      const bytes = K.matmulBytes(shape, f16) + 4 * c.N;
      await time(
        ctx,
        {
          family: 'matmul',
          name: c.name,
          shape: shapeOf(c),
          variant: f16 ? 'f16' : 'f32',
          direction: 'forward',
          flops,
          bytes,
          notes: `config ${config}`,
        },
        out,
        launch,
      );
      gpu.destroyBuffer(W);
    }
    // backward (f32: training and guidance differentiate through f32 weights)
    const W = gpu.upload(w, 'w');
    const dc = gpu.upload(filled(c.M * c.N, 4), 'dc');
    const da = gpu.createBuffer(c.M * c.K * 4, 'da');
    const db = gpu.createBuffer(c.N * c.K * 4, 'db');
    const dbias = gpu.createBuffer(c.N * 4, 'dbias');
    const bytes = 4 * (2 * c.M * c.N + 2 * c.M * c.K + 2 * c.N * c.K + c.N);
    await time(
      ctx,
      {
        family: 'matmul',
        name: c.name,
        shape: shapeOf(c),
        variant: 'f32',
        direction: 'backward',
        flops: 2 * flops,
        bytes,
        notes: `config ${config}`,
      },
      db,
      () => K.matmulBackward(gpu, { a: x, b: W, dc, da, db, dbias }, shape),
    );
    [W, dc, da, db, dbias].forEach((b) => gpu.destroyBuffer(b));
  } finally {
    [x, bias, out].forEach((b) => gpu.destroyBuffer(b));
  }
}

async function attentionCase(ctx: Ctx, c: AttentionCase): Promise<void> {
  const { gpu } = ctx;
  const shape: K.AttentionShape = { batch: c.batch, heads: c.heads, T: c.T, headDim: c.headDim, causal: c.causal };
  const n = c.batch * c.heads * c.T * c.headDim;
  const [q, k, v, dO] = [1, 2, 3, 4].map((s) => gpu.upload(filled(n, s, 1), 'qkv'));
  const [o, dq, dk, dv] = [0, 1, 2, 3].map(() => gpu.createBuffer(n * 4, 'out'));
  const lse = gpu.createBuffer(c.batch * c.heads * c.T * 4, 'lse');
  const s = `${c.batch}×${c.heads}×${c.T}×${c.headDim}${c.causal ? ' causal' : ''}`;
  try {
    await time(
      ctx,
      {
        family: 'attention',
        name: c.name,
        shape: s,
        variant: 'f32',
        direction: 'forward',
        flops: K.attentionFlops(shape),
        bytes: K.attentionBytes(shape),
      },
      o,
      () => K.attention(gpu, q, k, v, o, lse, shape),
    );
    await time(
      ctx,
      {
        family: 'attention',
        name: c.name,
        shape: s,
        variant: 'f32',
        direction: 'backward',
        flops: K.attentionBackwardFlops(shape),
        bytes: K.attentionBackwardBytes(shape),
      },
      dq,
      () => K.attentionBackward(gpu, { q, k, v, o, lse, dO, dq, dk, dv }, shape),
    );
  } finally {
    [q, k, v, dO, o, dq, dk, dv, lse].forEach((b) => gpu.destroyBuffer(b));
  }
}

async function layerNormCase(ctx: Ctx, c: RowsCase): Promise<void> {
  const { gpu } = ctx;
  const n = c.rows * c.cols;
  const x = gpu.upload(filled(n, 4, 1), 'x');
  const gamma = gpu.upload(filled(c.cols, 5), 'gamma');
  const beta = gpu.upload(filled(c.cols, 6), 'beta');
  const dy = gpu.upload(filled(n, 7), 'dy');
  const [y, dx] = [gpu.createBuffer(n * 4, 'y'), gpu.createBuffer(n * 4, 'dx')];
  const [mean, rstd] = [gpu.createBuffer(c.rows * 4, 'mean'), gpu.createBuffer(c.rows * 4, 'rstd')];
  const [dgamma, dbeta] = [gpu.createBuffer(c.cols * 4, 'dgamma'), gpu.createBuffer(c.cols * 4, 'dbeta')];
  const s = `${c.rows}×${c.cols}`;
  try {
    await time(
      ctx,
      {
        family: 'layernorm',
        name: c.name,
        shape: s,
        variant: 'f32',
        direction: 'forward',
        flops: 8 * n,
        bytes: K.layerNormBytes(c.rows, c.cols),
      },
      y,
      () => K.layerNorm(gpu, x, gamma, beta, y, mean, rstd, c.rows, c.cols, 1e-5),
    );
    await time(
      ctx,
      {
        family: 'layernorm',
        name: c.name,
        shape: s,
        variant: 'f32',
        direction: 'backward',
        flops: 17 * n,
        bytes: 4 * (5 * n + c.cols + 4 * c.rows),
      },
      dx,
      () => K.layerNormBackward(gpu, { x, gamma, mean, rstd, dy, dx, dgamma, dbeta }, c.rows, c.cols),
    );
  } finally {
    [x, gamma, beta, dy, y, dx, mean, rstd, dgamma, dbeta].forEach((b) => gpu.destroyBuffer(b));
  }
}

async function softmaxCase(ctx: Ctx, c: RowsCase): Promise<void> {
  const { gpu } = ctx;
  const n = c.rows * c.cols;
  const x = gpu.upload(filled(n, 8, 4), 'x');
  const dy = gpu.upload(filled(n, 9), 'dy');
  const [y, dx] = [gpu.createBuffer(n * 4, 'y'), gpu.createBuffer(n * 4, 'dx')];
  const s = `${c.rows}×${c.cols}`;
  try {
    await time(
      ctx,
      { family: 'softmax', name: c.name, shape: s, variant: 'f32', direction: 'forward', flops: 5 * n, bytes: 8 * n },
      y,
      () => K.softmax(gpu, x, y, c.rows, c.cols),
    );
    await time(
      ctx,
      { family: 'softmax', name: c.name, shape: s, variant: 'f32', direction: 'backward', flops: 4 * n, bytes: 12 * n },
      dx,
      () => K.softmaxBackward(gpu, y, dy, dx, c.rows, c.cols),
    );
  } finally {
    [x, dy, y, dx].forEach((b) => gpu.destroyBuffer(b));
  }
}

/** Runs every selected family of `cases`; a failing case is logged and recorded, the rest go on. */
export async function benchOurs(gpu: Gpu, cases: CaseSet, timing: Timing, opts: BenchOptions, log: Log, errors: string[]): Promise<Row[]> {
  const ctx: Ctx = { gpu, timing, opts, log, rows: [] };
  const want = (f: string) => !opts.only.length || opts.only.includes(f);
  const plan: [string, unknown[], (c: never) => Promise<void>][] = [
    ['matmul', cases.matmul, (c) => matmulCase(ctx, c)],
    ['attention', cases.attention, (c) => attentionCase(ctx, c)],
    ['layernorm', cases.layernorm, (c) => layerNormCase(ctx, c)],
    ['softmax', cases.softmax, (c) => softmaxCase(ctx, c)],
  ];
  for (const [family, list, run] of plan) {
    if (!want(family)) continue;
    log(`clipgpu ${family}:`);
    for (const c of list) {
      try {
        await run(c as never);
      } catch (e) {
        const msg = `clipgpu ${family} ${(c as { name: string }).name}: ${String((e as Error).message ?? e).split('\n')[0]}`;
        errors.push(msg);
        log(`  ERROR ${msg}`);
      }
    }
  }
  return ctx.rows;
}
