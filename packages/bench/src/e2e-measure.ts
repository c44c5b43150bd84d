// What the end-to-end rows measure besides time: matmul FLOPs counted per dispatch, the peak GPU
// memory held, and the row they make (shared by e2e.ts and step.ts).
import type { Runtime } from '@clipgpu/clip-runtime';
import type { Gpu } from '@clipgpu/kernels';
import { type Row, round } from './core.js';

/** Counts the matmul FLOPs of every dispatch while on (gpu.run wrapped). */
export function countFlops(gpu: Gpu) {
  let flops = 0;
  const orig = gpu.run;
  gpu.run = function (program, args) {
    if (program.name.startsWith('matmul')) {
      const u = args.uniforms ?? {};
      flops += 2 * Number(u.M) * Number(u.N) * Number(u.K) * (args.workgroups[2] ?? 1);
    }
    return orig.call(this, program, args);
  };
  return { flops: () => flops, stop: () => void (gpu.run = orig) };
}

/** The peak of the GPU memory held while on, and the share added since it started. */
export function watchMemory(rt: Runtime) {
  const gpu = rt.gpu;
  rt.trim();
  const base = gpu.allocatedBytes;
  let peak = base;
  const orig = gpu.createBuffer;
  gpu.createBuffer = function (bytes, label) {
    const b = orig.call(this, bytes, label);
    peak = Math.max(peak, gpu.allocatedBytes);
    return b;
  };
  return {
    stop: () => {
      gpu.createBuffer = orig;
      return { peakBytes: peak, addedBytes: peak - base };
    },
  };
}

export const mib = (b: number) => `${(b / 2 ** 20).toFixed(b < 10 * 2 ** 20 ? 1 : 0)} MiB`;
export const memoryNote = (m: { peakBytes: number; addedBytes: number }) =>
  `peak GPU memory ${mib(m.peakBytes)} (the work's own ${mib(m.addedBytes)}, the rest weights)`;

export const e2eRow = (
  name: string,
  shape: string,
  m: { firstMs: number; medianMs: number; minMs: number },
  runs: number,
  flops: number,
  notes: string,
): Row => ({
  family: 'e2e',
  name,
  shape,
  variant: 'f16 weights',
  direction: 'e2e',
  impl: 'clipgpu',
  flops,
  bytes: 0,
  firstMs: round(m.firstMs),
  medianMs: round(m.medianMs),
  minMs: round(m.minMs),
  runs,
  reps: 1,
  timing: 'wall-clock+readback',
  gflops: round(flops / m.medianMs / 1e6),
  gbps: 0,
  notes,
});
