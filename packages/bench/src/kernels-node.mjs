#!/usr/bin/env node
// Kernel benchmark on real WebGPU in Node (Dawn; SwiftShader when there is no GPU): matmul on
// CLIP's shapes (GFLOP/s) and layernorm (GB/s), each row with its napkin math.
//
//   pnpm bench:kernels                        (builds first; or, after `pnpm build`:)
//   node packages/bench/src/kernels-node.mjs [--runs N] [--warmup N] [--only matmul|layernorm]
//
// Env: CLIPGPU_BENCH_RUNS, CLIPGPU_BENCH_WARMUP (defaults: 3 runs, 1 warm-up on a software
// adapter; 20 and 3 on a GPU).
//
// Method: the first launch of each row (pipeline compile + one run, wall clock around gpu.sync())
// is reported on its own; a row whose kernel variant an earlier row compiled shows just the run.
// Then warm-up, then N timed samples, median reported. A sample is Gpu.time() (timestamp queries
// around the dispatches) when the device has 'timestamp-query' and Gpu.time() works, else the wall
// clock around the dispatches and gpu.sync() (which adds submit and round-trip latency, so small
// kernels look slower than they are). Each sample repeats the dispatch enough times to last
// ≥ 2 ms (on a GPU, timestamps may be quantized to 0.1 ms) and divides. The line under the adapter
// says which method ran.
import * as kernels from '@clipgpu/kernels';

const { Gpu, adapterName } = kernels;

// ---- options -----------------------------------------------------------------------------------
function option(name, env) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  return process.env[env];
}
const ONLY = option('only', 'CLIPGPU_BENCH_ONLY');
const MIN_SAMPLE_NS = 2e6;

// ---- the rows ----------------------------------------------------------------------------------
// HF CLIP's Linear weights are [out, in], so every product is x·Wᵀ + b (transB, with bias).
// Shapes are M×K×N: M tokens (batch 1), K in-features, N out-features.
const MATMULS = [
  { name: 'ViT-B/32 qkv', M: 50, K: 768, N: 2304 },
  { name: 'ViT-B/32 out-proj', M: 50, K: 768, N: 768 },
  { name: 'ViT-B/32 fc1+quickGelu', M: 50, K: 768, N: 3072, activation: 'quickGelu' },
  { name: 'ViT-B/32 fc2', M: 50, K: 3072, N: 768 },
  { name: 'text qkv', M: 77, K: 512, N: 1536 },
  { name: 'text fc1+quickGelu', M: 77, K: 512, N: 2048, activation: 'quickGelu' },
  { name: 'ViT-L/14 out-proj', M: 257, K: 1024, N: 1024 },
];
const LAYERNORMS = [
  { name: 'ViT-L/14', rows: 257, cols: 1024 },
  { name: 'text', rows: 77, cols: 512 },
  { name: 'ViT-B/32', rows: 50, cols: 768 },
];

// ---- timing ------------------------------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * How samples are timed: Gpu.time() when the device has timestamp queries and a probe of it works,
 * else the wall clock. `why` says why the wall clock was chosen.
 */
async function timingMethod(gpu) {
  if (!gpu.hasTimestamps) return { timestamps: false, why: 'the device has no timestamp-query' };
  try {
    const ns = await gpu.time(() => {});
    if (ns === null) return { timestamps: false, why: 'Gpu.time() returned null' };
    return { timestamps: true };
  } catch (e) {
    return { timestamps: false, why: `Gpu.time() failed: ${String(e.message).split('\n')[0]}` };
  }
}

/** ns for `reps` back-to-back launches. */
async function sample(gpu, launch, reps, timestamps) {
  if (timestamps) {
    const ns = await gpu.time(() => {
      for (let i = 0; i < reps; i++) launch();
    });
    if (ns > 0) return ns;
  }
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) launch();
  await gpu.sync();
  return (performance.now() - t0) * 1e6;
}

/** { firstMs, ns (median per launch), reps } for one launcher. */
async function measure(gpu, launch, { runs, warmup, timestamps }) {
  const t0 = performance.now();
  launch();
  await gpu.sync();
  const firstMs = performance.now() - t0;
  let reps = 1;
  for (let i = 0; i < warmup; i++) {
    const ns = await sample(gpu, launch, reps, timestamps);
    reps = Math.min(200, Math.max(reps, Math.ceil((MIN_SAMPLE_NS * reps) / Math.max(ns, 1))));
  }
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push((await sample(gpu, launch, reps, timestamps)) / reps);
  return { firstMs, ns: median(samples), reps };
}

// ---- table -------------------------------------------------------------------------------------
/** 3 significant digits, no exponent for the magnitudes here */
const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 0.001 ? String(Number(v.toPrecision(3))) : v.toExponential(1));
const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;
function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Small deterministic values (no denormals, no NaN): the numbers do not matter, only the work. */
function filled(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 0.1;
  }
  return out;
}

// ---- benchmarks --------------------------------------------------------------------------------
async function benchMatmul(gpu, opts) {
  const { matmul, matmulF16, packF16, matmulFlops, matmulBytes } = kernels;
  console.log('\nmatmul: C = act(x·Wᵀ + b), x [M,K] f32, W [N,K] f32 or f16-packed (packF16), C [M,N] f32');
  console.log('napkin: FLOPs = 2·M·N·K; bytes = each of x, W, C moved once (W at 2 B/elem for f16)');
  const rows = [];
  for (const s of MATMULS) {
    const shape = { M: s.M, N: s.N, K: s.K, transB: true };
    const w = filled(s.N * s.K, 2);
    const A = gpu.upload(filled(s.M * s.K, 1), 'x');
    const bias = gpu.upload(filled(s.N, 3), 'bias');
    const C = gpu.createBuffer(s.M * s.N * 4, 'c');
    const epilogue = { bias, activation: s.activation };
    for (const f16 of [false, true]) {
      const W = f16 ? gpu.upload(packF16(w), 'w f16') : gpu.upload(w, 'w');
      const launch = f16 ? () => matmulF16(gpu, A, W, C, shape, epilogue) : () => matmul(gpu, A, W, C, shape, epilogue);
      const flops = matmulFlops(shape);
      const bytes = matmulBytes(shape, f16);
      const r = await measure(gpu, launch, opts);
      rows.push([
        `${s.name}${f16 ? ' f16' : ''}`,
        `${s.M}×${s.K}×${s.N}`,
        `${(flops / 1e9).toFixed(3)} G`,
        mb(bytes),
        (flops / bytes).toFixed(0),
        r.firstMs.toFixed(0),
        fmt(r.ns / 1e6),
        r.reps,
        fmt(flops / r.ns),
        fmt(bytes / r.ns),
      ]);
      gpu.destroyBuffer(W);
    }
    [A, bias, C].forEach((b) => gpu.destroyBuffer(b));
  }
  table(['shape', 'M×K×N', 'FLOPs', 'bytes', 'FLOP/B', 'first ms', 'median ms', 'reps', 'GFLOP/s', 'GB/s'], rows);
}

async function benchLayerNorm(gpu, opts) {
  const { layerNorm, layerNormBytes } = kernels;
  console.log('\nlayernorm forward: y = (x−mean)·rstd·gamma + beta over rows of x [rows,cols] f32, saving mean and rstd');
  console.log('napkin: bytes = layerNormBytes(rows, cols) = 4·(2·rows·cols + 2·cols + 2·rows); FLOPs ≈ 8·rows·cols (memory-bound)');
  const rows = [];
  for (const s of LAYERNORMS) {
    const n = s.rows * s.cols;
    const X = gpu.upload(filled(n, 4), 'x');
    const G = gpu.upload(filled(s.cols, 5), 'gamma');
    const B = gpu.upload(filled(s.cols, 6), 'beta');
    const Y = gpu.createBuffer(n * 4, 'y');
    const M = gpu.createBuffer(s.rows * 4, 'mean');
    const R = gpu.createBuffer(s.rows * 4, 'rstd');
    const bytes = layerNormBytes(s.rows, s.cols);
    const flops = 8 * n;
    const r = await measure(gpu, () => layerNorm(gpu, X, G, B, Y, M, R, s.rows, s.cols, 1e-5), opts);
    rows.push([
      s.name,
      `${s.rows}×${s.cols}`,
      mb(bytes),
      `${(flops / 1e6).toFixed(2)} M`,
      r.firstMs.toFixed(0),
      fmt(r.ns / 1e6),
      r.reps,
      fmt(bytes / r.ns),
      fmt(flops / r.ns),
    ]);
    [X, G, B, Y, M, R].forEach((b) => gpu.destroyBuffer(b));
  }
  table(['shape', 'rows×cols', 'bytes', 'FLOPs', 'first ms', 'median ms', 'reps', 'GB/s', 'GFLOP/s'], rows);
}

// ---- main --------------------------------------------------------------------------------------
const NEEDED = {
  matmul: ['matmul', 'matmulF16', 'packF16', 'matmulFlops', 'matmulBytes'],
  layernorm: ['layerNorm', 'layerNormBytes'],
};
const families = Object.keys(NEEDED).filter((f) => !ONLY || ONLY === f);
if (!families.length) {
  console.error(`--only must be one of: ${Object.keys(NEEDED).join(', ')}`);
  process.exit(2);
}
// biome-ignore lint/performance/noDynamicNamespaceImportAccess: checks the built package's exports by name
const missing = families.flatMap((f) => NEEDED[f].filter((name) => typeof kernels[name] !== 'function'));
if (missing.length) {
  console.error(`@clipgpu/kernels does not export ${missing.join(', ')} (is it built? run \`pnpm build\`)`);
  process.exit(1);
}

const gpu = await Gpu.create();
const software = gpu.adapter.software;
function count(name, env, fallback) {
  const v = option(name, env) ?? fallback;
  if (!/^[1-9]\d*$/.test(String(v))) {
    console.error(`--${name} / ${env} must be a positive integer, got '${v}'`);
    process.exit(2);
  }
  return Number(v);
}
const opts = {
  runs: count('runs', 'CLIPGPU_BENCH_RUNS', software ? 3 : 20),
  warmup: count('warmup', 'CLIPGPU_BENCH_WARMUP', software ? 1 : 3),
};
const method = await timingMethod(gpu);
opts.timestamps = method.timestamps;
console.log(`adapter: ${adapterName(gpu.adapter)}`);
console.log(
  `timing: ${method.timestamps ? 'GPU timestamp queries (Gpu.time)' : `wall clock around the dispatches and gpu.sync(), because ${method.why}`}; ` +
    `median of ${opts.runs} after ${opts.warmup} warm-up (--runs, --warmup); ` +
    `"first ms" = wall clock of the first launch: pipeline compile (unless an earlier row built the same variant) + one run`,
);
try {
  if (families.includes('matmul')) await benchMatmul(gpu, opts);
  if (families.includes('layernorm')) await benchLayerNorm(gpu, opts);
} finally {
  gpu.destroy();
}
