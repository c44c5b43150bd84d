// The benchmark core, the same code in Node (Dawn) and in a page (navigator.gpu): how a case is
// timed and what a result row holds. No Node or DOM API here: the entries pass what differs.
//
// Method, per case: the first launch (pipeline compile + one run) is timed on its own with the wall
// clock ("first ms"). Then `warmup` untimed samples, then `runs` timed samples; the median is
// reported. A sample is GPU timestamps (Gpu.time) when the device has 'timestamp-query' and a probe
// works, else the wall clock around the launches and a read-back of 4 bytes of the output (the
// read-back waits for the work: it adds one submit and one map round trip, so tiny kernels look
// slower than they are). Each sample repeats the launch until it lasts ≥ MIN_SAMPLE_MS (capped),
// and divides. Contenders of one case (ours and the peers') are sampled in alternating rounds
// (A B C, C B A, …: measureInterleaved) so that a drift in the machine's load falls on all of them.
import type { Gpu } from '@clipgpu/kernels';

/** where it ran: Node (Dawn), Chromium (pnpm bench, or a user's), or another browser's page */
export type Env = 'node' | 'chromium' | 'browser';
export type Timing = 'gpu-timestamps' | 'wall-clock+readback';
export type Family = 'matmul' | 'attention' | 'layernorm' | 'softmax' | 'e2e';

export interface BenchOptions {
  /** batch 1 and, of ViT-L/14, one product (the default on a software adapter) */
  quick: boolean;
  runs: number;
  warmup: number;
  /** case families to run (empty: all but e2e unless `e2e`); 'tune' and 'e2e' name those steps */
  only: string[];
  /** towers to run (empty: all): 'ViT-B/32', 'text', 'ViT-L/14' */
  towers: string[];
  /** batch sizes (empty: 1, and 16 unless quick) */
  batches: number[];
  /** matmul weights: 'f32', 'f16' (empty: both) */
  variants: string[];
  /** 'forward', 'backward' (empty: both) */
  directions: string[];
  /** tfjs-backend-webgpu rows beside ours, interleaved (a page, or Node with navigator.gpu from Dawn) */
  peers: boolean;
  /** end-to-end rows (CLIP encodes, one generation step, cold start) */
  e2e: boolean;
  /** run the matmul autotuner (or load its cached winner) before the kernel rows */
  tune: boolean;
  /** measure the device's peak FLOP/s and bandwidth with the probe kernels first (default true) */
  probes: boolean;
  /** e2e: onnxruntime-web's rows too (a page with the driver's ./ort/ and ./onnx/ files) */
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
  /** e.g. 'ViT-B/32 b1 fc1' */
  name: string;
  /** e.g. '50×768×3072' */
  shape: string;
  variant: string;
  direction: 'forward' | 'backward' | 'e2e';
  /** who ran it: 'clipgpu' or a peer's name */
  impl: string;
  /** a peer's way of calling it (each is timed; the fastest is the ratio's denominator) */
  config?: string;
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
  /** FLOPs per byte */
  intensity?: number;
  /** % of the measured FMA peak and of the measured bandwidth peak */
  pctPeakFlops?: number;
  pctPeakBandwidth?: number;
  /** % of the roofline at this intensity: min(peak FLOP/s, intensity × peak bandwidth) */
  pctRoofline?: number;
  /** free-form facts (config used, dispatch counts, …) */
  notes?: string;
  /** ours, when peers ran: the median by wall clock + read-back, interleaved with the peers' samples */
  wallMs?: number;
  /** the case failed: the message (the other fields are zero) */
  error?: string;
}

export interface Peaks {
  /** FMA probe: GFLOP/s */
  gflops: number;
  /** read-reduce probe: GB/s */
  gbps: number;
  timing: Timing;
  fma: { invocations: number; iterations: number; medianMs: number; minMs: number; gflopsBest: number };
  bandwidth: { bytes: number; invocations: number; medianMs: number; minMs: number; gbpsBest: number };
}

export interface Results {
  env: Env;
  adapter: string;
  adapterSlug: string;
  software: boolean;
  /** vendor, architecture, device, description as the adapter reports them */
  adapterInfo?: Record<string, string>;
  features: string[];
  limits?: Record<string, number>;
  timing: Timing;
  timingWhy: string;
  options: BenchOptions;
  date: string;
  userAgent: string;
  peaks?: Peaks;
  rows: Row[];
  /** matmul autotuner outcome when it ran */
  tuned?: TuneResult;
  errors: string[];
  /** the run was stopped before its end */
  stopped?: boolean;
  /** what else ran on the machine, as the person who started the run said (pnpm bench --note) */
  note?: string;
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

/** Thrown between samples once the run's stop signal is set. */
export class Stopped extends Error {}

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

export const errorText = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0];

/** Picks GPU timestamps when they work on this device, else the wall clock; says why. */
export async function timingMethod(gpu: Gpu): Promise<{ timing: Timing; why: string }> {
  if (!gpu.hasTimestamps) return { timing: 'wall-clock+readback', why: 'the device has no timestamp-query' };
  try {
    const ns = await gpu.time(() => {});
    if (ns === null) return { timing: 'wall-clock+readback', why: 'Gpu.time() returned null' };
    return { timing: 'gpu-timestamps', why: 'timestamp-query works' };
  } catch (e) {
    return { timing: 'wall-clock+readback', why: `Gpu.time() failed: ${errorText(e)}` };
  }
}

/** A timed thing: `launch` records work, `done` waits for it (a read-back). */
export interface Launcher {
  launch: () => void;
  done: () => Promise<unknown>;
}

export interface Measured {
  firstMs: number;
  medianMs: number;
  minMs: number;
  reps: number;
}

/** One contender of a case: its first launch, and a sample of `reps` launches (total ms). */
export interface Contender {
  first: () => Promise<number>;
  sample: (reps: number) => Promise<number>;
}

export interface MeasureOptions {
  runs: number;
  warmup: number;
  /** a sample repeats the launch until it lasts this long (default MIN_SAMPLE_MS) */
  minSampleMs?: number;
  /** called between samples: throw to stop */
  check?: () => void;
}

/**
 * Each contender's first launch, then `warmup` rounds that size its repetitions, then `runs`
 * rounds in alternating order (A B C, C B A, …); ms per launch, one Measured per contender.
 */
export async function measureInterleaved(cs: Contender[], o: MeasureOptions): Promise<Measured[]> {
  const minMs = o.minSampleMs ?? MIN_SAMPLE_MS;
  const firsts: number[] = [];
  for (const c of cs) {
    o.check?.();
    firsts.push(await c.first());
  }
  const reps = cs.map(() => 1);
  for (let w = 0; w < o.warmup; w++)
    for (const [i, c] of cs.entries()) {
      o.check?.();
      const ms = await c.sample(reps[i]);
      reps[i] = Math.min(MAX_REPS, Math.max(reps[i], Math.ceil((minMs * reps[i]) / Math.max(ms, 1e-3))));
    }
  const samples: number[][] = cs.map(() => []);
  for (let r = 0; r < o.runs; r++) {
    const order = [...cs.keys()];
    if (r % 2) order.reverse();
    for (const i of order) {
      o.check?.();
      samples[i].push((await cs[i].sample(reps[i])) / reps[i]);
    }
  }
  return cs.map((_, i) => ({ firstMs: firsts[i], medianMs: median(samples[i]), minMs: Math.min(...samples[i]), reps: reps[i] }));
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

/** One of our launchers as a contender: GPU timestamps when `timing` says so, else the wall clock. */
export function gpuContender(gpu: Gpu, l: Launcher, timing: Timing): Contender {
  const wall = wallSampler(l);
  return {
    first: () => wall(1),
    sample: async (reps) => {
      if (timing === 'gpu-timestamps') {
        const ns = await gpu.time(() => {
          for (let i = 0; i < reps; i++) l.launch();
        });
        if (ns && ns > 0) return ns / 1e6;
      }
      return wall(reps);
    },
  };
}

/** Times one of our launchers on `gpu` with the chosen method. */
export async function measureGpu(gpu: Gpu, l: Launcher, timing: Timing, o: MeasureOptions): Promise<Measured> {
  return (await measureInterleaved([gpuContender(gpu, l, timing)], o))[0];
}

export type RowBase = Omit<Row, 'gflops' | 'gbps' | 'firstMs' | 'medianMs' | 'minMs' | 'reps' | 'runs'>;

export function row(base: RowBase, m: Measured, runs: number): Row {
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

/** A row for a case that failed: the error in place of the numbers. */
export const failedRow = (base: RowBase, error: string): Row => ({
  ...base,
  firstMs: 0,
  medianMs: 0,
  minMs: 0,
  runs: 0,
  reps: 0,
  gflops: 0,
  gbps: 0,
  error,
});

/** Adds the roofline position of `r` against the measured peaks (in place; returns it). */
export function placeOnRoofline(r: Row, peaks: Peaks | undefined): Row {
  if (r.error || !r.medianMs) return r;
  if (r.bytes > 0) r.intensity = round(r.flops / r.bytes);
  if (!peaks) return r;
  if (peaks.gflops > 0) r.pctPeakFlops = round((100 * r.gflops) / peaks.gflops);
  if (peaks.gbps > 0 && r.bytes > 0) r.pctPeakBandwidth = round((100 * r.gbps) / peaks.gbps);
  if (r.intensity !== undefined) r.pctRoofline = round((100 * r.gflops) / Math.min(peaks.gflops, r.intensity * peaks.gbps));
  return r;
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
