// Timing for the kernel families' own benchmarks (*.bench.ts), llm.c style: the same loop any
// benchmark of these kernels can use (exported through @clipgpu/kernels/testing).
//
// Method: the first launch (pipeline compile + one run) is timed on its own with the wall clock.
// Then `warmup` untimed samples, then `runs` timed samples; the median is reported. A sample is GPU
// timestamps (Gpu.time) when the device has 'timestamp-query' and a probe of it works, else the
// wall clock around the launches and a read-back (which adds a submit and a map round trip, so
// tiny kernels look slower than they are). Each sample repeats the launch until it lasts
// ≥ MIN_SAMPLE_MS (at most MAX_REPS times) and divides.
import type { Gpu } from './gpu.js';

export type Timing = 'gpu-timestamps' | 'wall-clock+readback';

export const MIN_SAMPLE_MS = 2;
const MAX_REPS = 100;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** GPU timestamps where they work on this device, else the wall clock; says why. */
export async function timingMethod(gpu: Gpu): Promise<{ timing: Timing; why: string }> {
  if (!gpu.hasTimestamps) return { timing: 'wall-clock+readback', why: 'the device has no timestamp-query' };
  try {
    const ns = await gpu.time(() => {});
    if (ns === null) return { timing: 'wall-clock+readback', why: 'Gpu.time() returned null' };
    return { timing: 'gpu-timestamps', why: 'timestamp-query works' };
  } catch (e) {
    return { timing: 'wall-clock+readback', why: `Gpu.time() failed: ${String((e as Error).message).split('\n')[0]}` };
  }
}

export interface Measured {
  /** wall clock of the first launch: compile (if the variant is new) + one run */
  firstMs: number;
  medianMs: number;
  minMs: number;
  /** launches per sample */
  reps: number;
  runs: number;
  timing: Timing;
}

/**
 * Times `launch` (which records work on `gpu`): first launch, warm-up, then `runs` samples;
 * milliseconds per launch. `done` waits for launched work when timing by the wall clock
 * (default: gpu.sync()).
 */
export async function measure(
  gpu: Gpu,
  launch: () => void,
  opts: { runs: number; warmup: number; timing: Timing; done?: () => Promise<unknown> },
): Promise<Measured> {
  const done = opts.done ?? (() => gpu.sync());
  const wall = async (reps: number) => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) launch();
    await done();
    return performance.now() - t0;
  };
  const sample = async (reps: number) => {
    if (opts.timing === 'gpu-timestamps') {
      const ns = await gpu.time(() => {
        for (let i = 0; i < reps; i++) launch();
      });
      if (ns && ns > 0) return ns / 1e6;
    }
    return wall(reps);
  };
  const firstMs = await wall(1);
  let reps = 1;
  for (let i = 0; i < opts.warmup; i++) {
    const ms = await sample(reps);
    reps = Math.min(MAX_REPS, Math.max(reps, Math.ceil((MIN_SAMPLE_MS * reps) / Math.max(ms, 1e-3))));
  }
  const samples: number[] = [];
  for (let i = 0; i < opts.runs; i++) samples.push((await sample(reps)) / reps);
  return { firstMs, medianMs: median(samples), minMs: Math.min(...samples), reps, runs: opts.runs, timing: opts.timing };
}

/** Napkin math of a measured launch: GFLOP/s and GB/s at the median. */
export function rates(m: Measured, flops: number, bytes: number): { gflops: number; gbps: number } {
  const s = m.medianMs / 1e3;
  return { gflops: flops / s / 1e9, gbps: bytes / s / 1e9 };
}

/** Defaults for a benchmark on this adapter: 3 runs after 1 warm-up on a software one, 20 after 3 on a GPU. */
export function defaultRuns(gpu: Gpu): { runs: number; warmup: number } {
  return gpu.adapter.software ? { runs: 3, warmup: 1 } : { runs: 20, warmup: 3 };
}

/** A fixed-width table for benchmark output: first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** 3 significant digits, no exponent for the magnitudes benchmarks print. */
export function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 0.001 ? String(Number(v.toPrecision(3))) : v.toExponential(1);
}

/** The towers of the CLIP models the benchmarks run on (token count, width, heads, MLP width). */
export interface ClipTower {
  name: string;
  T: number;
  width: number;
  heads: number;
  mlp: number;
  causal: boolean;
}

export const CLIP_TOWERS: readonly ClipTower[] = [
  { name: 'ViT-B/32', T: 50, width: 768, heads: 12, mlp: 3072, causal: false },
  { name: 'text', T: 77, width: 512, heads: 8, mlp: 2048, causal: true },
  { name: 'ViT-L/14', T: 257, width: 1024, heads: 16, mlp: 4096, causal: false },
];

/** A transformer block's four products, x[M,K]·W[N,K]ᵀ + b with M = batch·T tokens. */
export function clipLinears(t: ClipTower, batch: number): { name: string; M: number; K: number; N: number }[] {
  const M = batch * t.T;
  const tag = `${t.name} b${batch}`;
  return [
    { name: `${tag} qkv`, M, K: t.width, N: 3 * t.width },
    { name: `${tag} out-proj`, M, K: t.width, N: t.width },
    { name: `${tag} fc1`, M, K: t.width, N: t.mlp },
    { name: `${tag} fc2`, M, K: t.mlp, N: t.width },
  ];
}

/** `--name value` from argv, else the environment variable, else undefined. */
export function option(argv: readonly string[], name: string, env?: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  return env && typeof process !== 'undefined' ? process.env[env] : undefined;
}

/** Small deterministic values (no denormals, no NaN): for timing, the numbers do not matter. */
export function filled(n: number, seed: number, scale = 0.1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return out;
}

/** One row of a family benchmark. */
export interface BenchCase {
  name: string;
  /** e.g. '50×768×3072' */
  shape: string;
  flops: number;
  bytes: number;
  /**
   * runs the case's program on a small input against the float64 reference; throws on a mismatch.
   * Cases may share one check function: it runs once, before the first of them.
   */
  check: () => Promise<void>;
  /** allocates the inputs: the launch to time, a buffer it writes (read back to wait), and the cleanup */
  setup: () => { launch: () => void; out: GPUBuffer; free: () => void };
}

/**
 * Runs a family benchmark: for each case the reference check first (its wall clock, which includes
 * the compile of a new pipeline, is the "check ms" column), then the timed samples; prints a line
 * per case as it goes and returns the table. Options from argv: --runs, --warmup, --match.
 */
export async function runBenchmark(gpu: Gpu, title: string, napkin: string, cases: BenchCase[], argv: readonly string[]): Promise<string> {
  const method = await timingMethod(gpu);
  const runs = { ...defaultRuns(gpu), timing: method.timing };
  const r = option(argv, 'runs');
  const w = option(argv, 'warmup');
  if (r) runs.runs = Number(r);
  if (w) runs.warmup = Number(w);
  const match = option(argv, 'match');
  console.log(`${title}\nadapter: ${gpu.adapter.description || gpu.adapter.device}; timing: ${method.timing} (${method.why})`);
  console.log(`median of ${runs.runs} after ${runs.warmup} warm-up; napkin: ${napkin}`);
  const rows: (string | number)[][] = [];
  const checked = new Set<() => Promise<void>>();
  for (const c of cases) {
    if (match && !c.name.includes(match)) continue;
    const t0 = performance.now();
    if (!checked.has(c.check)) await c.check();
    checked.add(c.check);
    const checkMs = performance.now() - t0;
    const { launch, out, free } = c.setup();
    try {
      const m = await measure(gpu, launch, { ...runs, done: () => gpu.read(out, 4) });
      const { gflops, gbps } = rates(m, c.flops, c.bytes);
      rows.push([c.name, c.shape, fmt(checkMs), fmt(m.medianMs), fmt(gflops), fmt(gbps)]);
      console.log(`  ${c.name} ${c.shape}: ${fmt(m.medianMs)} ms, ${fmt(gflops)} GFLOP/s, ${fmt(gbps)} GB/s`);
    } finally {
      free();
    }
  }
  return table(['case', 'shape', 'check ms', 'median ms', 'GFLOP/s', 'GB/s'], rows);
}
