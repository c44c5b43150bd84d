// The device's own limits, measured: two probe kernels whose speed is the adapter's peak, against
// which the benchmark reports every kernel (% of peak FLOPs, % of peak bandwidth, a roofline).
//   fmaProbe        8 independent vec4 fma chains per invocation: FLOPs = 64·invocations·iterations,
//                   bytes 4·invocations (one f32 out each): compute-bound by construction.
//   bandwidthProbe  a streaming read-reduce of `bytes`, a contiguous block per workgroup:
//                   bytes = bytes + 4·invocations, FLOPs = bytes/4
//                   (one add per f32 read): memory-bound by construction.
// Each returns a launcher that records one dispatch and the napkin numbers of one launch; the
// timing (and the sizing to a measurable launch) is the benchmark's.
import type { Gpu } from '../gpu.js';
import { grid, Program } from '../program.js';
import bandwidthSource from './bandwidth.wgsl';
import fmaSource from './fma.wgsl';

const programs = {
  fma: new Program('probe_fma', fmaSource),
  bandwidth: new Program('probe_bandwidth', bandwidthSource),
};

/** FLOPs per invocation and iteration of the FMA probe: 8 chains × vec4 × (mul + add). */
export const FMA_FLOPS_PER_ITERATION = 64;

export interface Probe {
  /** records one dispatch (no submit) */
  launch: () => void;
  /** the buffer the probe writes: one f32 per invocation */
  out: GPUBuffer;
  flops: number;
  bytes: number;
  /** frees the probe's buffers */
  dispose: () => void;
}

export interface FmaProbeOptions {
  /** invocations (rounded up to whole workgroups of 256) */
  invocations: number;
  iterations: number;
  /** x ← x·a + b; |a| < 1 keeps the chains finite (defaults 0.9999, 1e-4) */
  a?: number;
  b?: number;
}

/** The FMA-throughput probe: see fma.wgsl. */
export function fmaProbe(gpu: Gpu, o: FmaProbeOptions): Probe {
  if (!Number.isInteger(o.iterations) || o.iterations < 1) throw new RangeError(`probe_fma: iterations must be ≥ 1, got ${o.iterations}`);
  const [x, y] = grid(o.invocations, 256, gpu.device.limits.maxComputeWorkgroupsPerDimension);
  const invocations = x * y * 256;
  const out = gpu.createBuffer(invocations * 4, 'probe_fma out');
  const uniforms = { iterations: o.iterations, a: o.a ?? 0.9999, b: o.b ?? 1e-4 };
  return {
    launch: () => gpu.run(programs.fma, { buffers: { out }, uniforms, workgroups: [x, y] }),
    out,
    flops: FMA_FLOPS_PER_ITERATION * invocations * o.iterations,
    bytes: 4 * invocations,
    dispose: () => gpu.destroyBuffer(out),
  };
}

/** The value invocation `i` of fmaProbe writes, in float64 (for its test). */
export function fmaProbeReference(i: number, iterations: number, a = 0.9999, b = 1e-4): number {
  const s = (i & 1023) * 1e-3;
  const an = a ** iterations;
  const tail = a === 1 ? b * iterations : (b * (1 - an)) / (1 - a);
  let sum = 0;
  for (let chain = 0; chain < 8; chain++) for (let lane = 0; lane < 4; lane++) sum += an * (s + 0.01 * lane + 0.1 * chain) + tail;
  return sum;
}

export interface BandwidthProbeOptions {
  /** bytes to stream (rounded up to 16); the source is filled with `fill` when given, else left as is */
  bytes: number;
  /** invocations (default: enough that each reads 16 vec4s, at most 4096 workgroups) */
  invocations?: number;
  fill?: Float32Array;
}

/** The bandwidth probe: see bandwidth.wgsl. */
export function bandwidthProbe(gpu: Gpu, o: BandwidthProbeOptions): Probe & { src: GPUBuffer; invocations: number } {
  const n4 = Math.ceil(o.bytes / 16);
  const max = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  const groups = Math.max(1, Math.min(max, 4096, Math.ceil((o.invocations ?? n4 / 16) / 256)));
  const invocations = groups * 256;
  const src = o.fill ? gpu.upload(o.fill, 'probe_bandwidth src') : gpu.createBuffer(16 * n4, 'probe_bandwidth src');
  if (src.size < 16 * n4) throw new RangeError(`probe_bandwidth: fill holds ${src.size} bytes, needs ${16 * n4}`);
  const out = gpu.createBuffer(invocations * 4, 'probe_bandwidth out');
  const uniforms = { n4, per: Math.ceil(n4 / groups) }; // per: vec4s of each workgroup's block
  return {
    launch: () => gpu.run(programs.bandwidth, { buffers: { src, out }, uniforms, workgroups: [groups], minBytes: { src: 16 * n4 } }),
    out,
    src,
    invocations,
    flops: 4 * n4,
    bytes: 16 * n4 + 4 * invocations,
    dispose: () => [src, out].forEach((b) => gpu.destroyBuffer(b)),
  };
}
