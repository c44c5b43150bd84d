// The benchmark core, the same code in Node (Dawn) and in a page (navigator.gpu): how a case is
// timed and what a result row holds. No Node or DOM API here: the entries pass what differs.
//
// Method, per case: the first launch (pipeline compile + one run) is timed on its own with the wall
// clock ("first ms"). Then `warmup` untimed samples, then `runs` timed samples; the median is
// reported. A sample is GPU timestamps (Gpu.time) when the device has 'timestamp-query' and a probe
// works, else the wall clock around the launches and a read-back of 4 bytes of the output (the
// read-back waits for the work: it adds one submit and one map round trip, so tiny kernels look
// slower than they are). Each sample repeats the launch until it lasts ≥ MIN_SAMPLE_MS (capped),
// and divides.
import type { Gpu } from '@clipgpu/kernels';

export type Env = 'node' | 'chromium';
export type Timing = 'gpu-timestamps' | 'wall-clock+readback';

export interface BenchOptions {
  /** batch 1 and a smaller set of shapes (the default on a software adapter) */
  quick: boolean;
  runs: number;
  warmup: number;
  /** case families to run (empty: all) */
  only: string[];
  /** tfjs-backend-webgpu rows beside ours (a page, or Node with navigator.gpu from Dawn) */
  peers: boolean;
  /** end-to-end rows (CLIP encodes, one generation step, cold start) */
  e2e: boolean;
  /** run the matmul autotuner (or load its cached winner) before the kernel rows */
  tune: boolean;
  /** e2e: onnxruntime-web's row too (a page with the driver's ./ort/ and ./onnx/ files) */
  onnx?: boolean;
  /** e2e: the guided-generation step (default true) */
  gen?: boolean;
  /** measure the autotuner's candidates even when a winner is cached */
  retune?: boolean;
  /** only the cases whose name contains this (e.g. 'ViT-B/32') */
  match?: string;
}

export interface Row {
  family: string;
  /** e.g. 'ViT-B/32 fc1' */
  name: string;
  /** e.g. '50×768×3072' */
  shape: string;
  variant: string;
  direction: 'forward' | 'backward' | 'e2e';
  /** who ran it: 'clipgpu' or a peer's name */
  impl: string;
  flops: number;
  bytes: number;
  firstMs: number;
  medianMs: number;
  minMs: number;
  runs: number;
  reps: number;
  timing: Timing;
  gflops: number;
  gbps: number;
  /** free-form facts (config used, dispatch counts, …) */
  notes?: string;
  /**
   * ours, when peers ran and the row has GPU timestamps: the median by wall clock + read-back as
   * well, the method the peers are timed with (the ratios use it)
   */
  wallMs?: number;
}

export interface Results {
  env: Env;
  adapter: string;
  adapterSlug: string;
  software: boolean;
  features: string[];
  timing: Timing;
  timingWhy: string;
  options: BenchOptions;
  date: string;
  userAgent: string;
  rows: Row[];
  /** matmul autotuner outcome when it ran */
  tuned?: TuneResult;
  errors: string[];
}

export interface TuneResult {
  adapter: string;
  /** where the winner came from */
  source: 'measured' | 'cache';
  shape: string;
  /** what defaultMatmulConfig gave before the winner was registered */
  previousDefault?: string;
  winner: string;
  candidates: { config: string; firstMs: number; medianMs: number; gflops: number }[];
}

export type Log = (line: string) => void;

export const MIN_SAMPLE_MS = 2;
const MAX_REPS = 100;

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'unknown'
  );
}

/** Picks GPU timestamps when they work on this device, else the wall clock; says why. */
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

/** A timed thing: `launch` records work, `done` waits for it (a read-back), `dispose` frees it. */
export interface Launcher {
  launch: () => void;
  /** waits for all launched work; default: read 4 bytes of `out` */
  done: () => Promise<unknown>;
}

export interface Measured {
  firstMs: number;
  medianMs: number;
  minMs: number;
  reps: number;
}

/** First launch, warm-up, then `runs` samples of `reps` launches; ms per launch. */
export async function measureWith(
  one: (reps: number) => Promise<number>,
  first: () => Promise<number>,
  opts: { runs: number; warmup: number },
): Promise<Measured> {
  const firstMs = await first();
  let reps = 1;
  for (let i = 0; i < opts.warmup; i++) {
    const ms = await one(reps);
    reps = Math.min(MAX_REPS, Math.max(reps, Math.ceil((MIN_SAMPLE_MS * reps) / Math.max(ms, 1e-3))));
  }
  const samples: number[] = [];
  for (let i = 0; i < opts.runs; i++) samples.push((await one(reps)) / reps);
  return { firstMs, medianMs: median(samples), minMs: Math.min(...samples), reps };
}

/** Times one of our launchers on `gpu` with the chosen method. */
export async function measureGpu(gpu: Gpu, l: Launcher, timing: Timing, opts: { runs: number; warmup: number }): Promise<Measured> {
  const wall = wallSampler(l);
  const _t0 = performance.now();
  const one = async (reps: number) => {
    if (timing === 'gpu-timestamps') {
      const ns = await gpu.time(() => {
        for (let i = 0; i < reps; i++) l.launch();
      });
      if (ns && ns > 0) return ns / 1e6;
    }
    return wall(reps);
  };
  return measureWith(one, () => wall(1), opts);
}

/** ms for `reps` launches and the read-back that waits for them. */
export function wallSampler(l: Launcher): (reps: number) => Promise<number> {
  return async (reps) => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) l.launch();
    await l.done();
    return performance.now() - t0;
  };
}

export function row(
  base: Omit<Row, 'gflops' | 'gbps' | 'firstMs' | 'medianMs' | 'minMs' | 'reps' | 'runs'>,
  m: Measured,
  runs: number,
): Row {
  const s = m.medianMs / 1e3;
  return {
    ...base,
    firstMs: round(m.firstMs),
    medianMs: round(m.medianMs),
    minMs: round(m.minMs),
    runs,
    reps: m.reps,
    gflops: round(base.flops / s / 1e9),
    gbps: round(base.bytes / s / 1e9),
  };
}

export const round = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(4)) : v);

/** Small deterministic values (no denormals, no NaN): the numbers do not matter, only the work. */
export function filled(n: number, seed: number, scale = 0.1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * scale;
  }
  return out;
}
